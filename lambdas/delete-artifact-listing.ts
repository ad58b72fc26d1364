/** DELETE /artifacts/{id}/listing: the owner takes it off sale. */
import { defaultDeps, lazy, type Deps } from './deps.js';
import { artifactIdOf } from './http/artifact-id.js';
import { agentOf } from './http/principal.js';
import { route } from './http/route.js';

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'agent' }, ({ principal, params, idempotencyKey }) =>
    deps.artifacts.unlist({ ownerId: agentOf(principal), artifactId: artifactIdOf(params), idempotencyKey }),
  );
}

export const handler = lazy(() => makeHandler(defaultDeps()));
