/**
 * DELETE /bids/{id}: cancels a pending bid the caller pays for (its own, or one it sponsors) and
 * releases its hold. Bids live under their payer, so another agent's bid id is simply not found
 * (404). Cancelling twice returns the first result.
 */
import type { BidBook } from '../economy/ports.js';
import { agentCallerOf, bidsOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { ROUTES } from './routes.js';
import { agentOf } from './http/principal.js';
import { route, type AgentAuth } from './http/route.js';
import { pathId } from './http/schemas.js';

export function makeHandler(deps: { bids: Pick<BidBook, 'cancelBid'> } & AgentAuth) {
  // The caller's credential is checked in the cancel's own write.
  return route(ROUTES['DELETE /bids/{id}'], deps.agentCaller, { checksCredential: true }, ({ principal, params, credential }) => {
    const agentId = agentOf(principal);
    const bidId = pathId(params);
    return deps.bids.cancelBid({ payerId: agentId, bidId, idempotencyKey: `${agentId}:cancel:${bidId}` }, credential);
  });
}

export const handler = deployed((b) => makeHandler({ bids: bidsOf(b), agentCaller: agentCallerOf(b) }));
