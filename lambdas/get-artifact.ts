/** GET /artifacts/{id}: an artifact and its listing; its content only for its owner. */
import { publicView } from '../economy/artifacts.js';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { artifactIdOf } from './http/artifact-id.js';
import { agentOf } from './http/principal.js';
import { route } from './http/route.js';

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'agent' }, async ({ principal, params }) => publicView(await deps.artifacts.get(artifactIdOf(params)), agentOf(principal)));
}

export const handler = lazy(() => makeHandler(defaultDeps()));
