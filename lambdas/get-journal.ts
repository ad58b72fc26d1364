/** GET /journal?limit=&cursor=: the calling agent's own journal entries, newest first. */
import type { LedgerStore } from '../economy/ports.js';
import { agentCallerOf, ledgerOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { ROUTES } from './routes.js';
import { agentOf } from './http/principal.js';
import { route, type AgentAuth } from './http/route.js';
import { pageOf, pageQuery } from './http/schemas.js';

export function makeHandler(deps: { ledger: Pick<LedgerStore, 'journal'> } & AgentAuth) {
  return route(ROUTES['GET /journal'], deps.agentCaller, { query: pageQuery }, ({ principal, query }) =>
    deps.ledger.journal(agentOf(principal), pageOf(query)),
  );
}

export const handler = deployed((b) => makeHandler({ ledger: ledgerOf(b), agentCaller: agentCallerOf(b) }));
