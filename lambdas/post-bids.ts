/** POST /bids {bundle, amount}: holds `amount` and places a pending bid. */
import { z } from 'zod';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { agentOf } from './http/principal.js';
import { route } from './http/route.js';
import { bundleSchema, positiveMicros } from './http/schemas.js';

const body = z.strictObject({ bundle: bundleSchema, amount: positiveMicros });

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'agent', body, status: 201 }, ({ principal, body, idempotencyKey }) =>
    deps.bids.placeBid({ agentId: agentOf(principal), bundle: body.bundle, amount: body.amount, idempotencyKey }),
  );
}

export const handler = lazy(() => makeHandler(defaultDeps()));
