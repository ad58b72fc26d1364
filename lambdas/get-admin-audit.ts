/** GET /admin/audit: the conservation invariant and the journal replay, over a full scan. */
import type { LedgerStore } from '../economy/ports.js';
import { ledgerOf } from '../wiring/dynamodb.js';
import { operatorCallerOf } from '../wiring/operator.js';
import { deployed } from '../wiring/base.js';
import { ROUTES } from './routes.js';
import { route, type OperatorAuth } from './http/route.js';

export function makeHandler(deps: { ledger: Pick<LedgerStore, 'audit'> } & OperatorAuth) {
  return route(ROUTES['GET /admin/audit'], deps.operatorCaller, {}, () => deps.ledger.audit());
}

export const handler = deployed((b) => makeHandler({ ledger: ledgerOf(b), operatorCaller: operatorCallerOf(b) }));
