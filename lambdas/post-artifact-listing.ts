/** POST /artifacts/{id}/listing {price, buyer?}: the owner offers it for sale (to anyone, or to one buyer). */
import { z } from 'zod';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { artifactIdOf } from './http/artifact-id.js';
import { agentOf } from './http/principal.js';
import { route } from './http/route.js';
import { agentIdSchema, positiveMicros } from './http/schemas.js';

const body = z.strictObject({ price: positiveMicros, buyer: agentIdSchema.optional() });

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'agent', body }, ({ principal, params, body, idempotencyKey }) =>
    deps.artifacts.list({ ownerId: agentOf(principal), artifactId: artifactIdOf(params), price: body.price, ...(body.buyer ? { buyer: body.buyer } : {}), idempotencyKey }),
  );
}

export const handler = lazy(() => makeHandler(defaultDeps()));
