/** POST /artifacts/{id}/purchase: buys a listed artifact; of two buyers at once, one wins and one gets 409. */
import { defaultDeps, lazy, type Deps } from './deps.js';
import { artifactIdOf } from './http/artifact-id.js';
import { agentOf } from './http/principal.js';
import { route } from './http/route.js';

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'agent' }, ({ principal, params, idempotencyKey }) =>
    deps.artifacts.purchase({ buyerId: agentOf(principal), artifactId: artifactIdOf(params), idempotencyKey }),
  );
}

export const handler = lazy(() => makeHandler(defaultDeps()));
