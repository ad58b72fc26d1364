/**
 * POST /bids {bundle, amount, for?}: holds `amount` of the caller's and places a pending bid for
 * the caller's next lease, or, with `for`, for another living agent's lease (a sponsored bid: the
 * caller pays, the lease is the other agent's).
 */
import { z } from 'zod';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { agentOf } from './http/principal.js';
import { route } from './http/route.js';
import { agentIdSchema, bundleSchema, positiveMicros } from './http/schemas.js';

const body = z.strictObject({ bundle: bundleSchema, amount: positiveMicros, for: agentIdSchema.optional() });

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'agent', body, status: 201 }, ({ principal, body, idempotencyKey }) => {
    const payerId = agentOf(principal);
    return deps.bids.placeBid({ payerId, agentId: body.for ?? payerId, bundle: body.bundle, amount: body.amount, idempotencyKey });
  });
}

export const handler = lazy(() => makeHandler(defaultDeps()));
