/**
 * POST /bids {bundle, amount, for?}: holds `amount` of the caller's and places a pending bid for
 * the caller's next lease, or, with `for`, for another living agent's lease (a sponsored bid: the
 * caller pays, the lease is the other agent's).
 */
import type { BidBook } from '../economy/ports.js';
import * as z from 'zod/mini';
import { agentCallerOf, bidsOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { ROUTES } from './routes.js';
import { agentOf } from './http/principal.js';
import { route, type AgentAuth } from './http/route.js';
import { idSchema, bundleSchema, positiveMicros } from './http/schemas.js';

const body = z.strictObject({ bundle: bundleSchema, amount: positiveMicros, for: z.optional(idSchema) });

export function makeHandler(deps: { bids: Pick<BidBook, 'placeBid'> } & AgentAuth) {
  // One transaction: the caller's credential is checked in the bid's own write.
  return route(ROUTES['POST /bids'], deps.agentCaller, { body, status: 201, checksCredential: true }, ({ principal, body, idempotencyKey, credential }) => {
    const payerId = agentOf(principal);
    return deps.bids.placeBid({ payerId, agentId: body.for ?? payerId, bundle: body.bundle, amount: body.amount, idempotencyKey }, credential);
  });
}

export const handler = deployed((b) => makeHandler({ bids: bidsOf(b), agentCaller: agentCallerOf(b) }));
