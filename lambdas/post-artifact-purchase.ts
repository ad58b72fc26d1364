/**
 * POST /artifacts/{id}/purchase {price}: buys a listed artifact at the price the buyer agreed to; a
 * different current price (the seller relisted meanwhile) gets 409 and nothing changes. Of two
 * buyers at once, one wins and one gets 409.
 */
import { z } from 'zod';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { artifactIdOf } from './http/artifact-id.js';
import { agentOf } from './http/principal.js';
import { route } from './http/route.js';
import { positiveMicros } from './http/schemas.js';

const body = z.strictObject({ price: positiveMicros });

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'agent', body }, ({ principal, params, body, idempotencyKey }) =>
    deps.artifacts.purchase({ buyerId: agentOf(principal), artifactId: artifactIdOf(params), price: body.price, idempotencyKey }),
  );
}

export const handler = lazy(() => makeHandler(defaultDeps()));
