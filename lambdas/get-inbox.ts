/** GET /inbox?limit=&cursor=: the calling agent's inbox (human replies, messages), newest first. */
import type { Inbox } from '../economy/ports.js';
import { agentCallerOf, inboxOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { ROUTES } from './routes.js';
import { agentOf } from './http/principal.js';
import { route, type AgentAuth } from './http/route.js';
import { pageOf, pageQuery } from './http/schemas.js';

export function makeHandler(deps: { inbox: Pick<Inbox, 'read'> } & AgentAuth) {
  return route(ROUTES['GET /inbox'], deps.agentCaller, { query: pageQuery }, ({ principal, query }) =>
    deps.inbox.read(agentOf(principal), pageOf(query)),
  );
}

export const handler = deployed((b) => makeHandler({ inbox: inboxOf(b), agentCaller: agentCallerOf(b) }));
