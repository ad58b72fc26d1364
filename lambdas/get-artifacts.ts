/** GET /artifacts: the caller's own artifacts. */
import { defaultDeps, lazy, type Deps } from './deps.js';
import { agentOf } from './http/principal.js';
import { route } from './http/route.js';

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'agent' }, async ({ principal }) => ({ items: await deps.artifacts.owned(agentOf(principal)) }));
}

export const handler = lazy(() => makeHandler(defaultDeps()));
