/** GET /inbox?limit=&cursor=: the calling agent's inbox (human replies, messages), newest first. */
import { defaultDeps, lazy, type Deps } from './deps.js';
import { agentOf } from './http/principal.js';
import { route } from './http/route.js';
import { pageQuery } from './http/schemas.js';

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'agent', query: pageQuery }, ({ principal, query }) =>
    deps.prompts.inbox(agentOf(principal), {
      ...(query.limit ? { limit: query.limit } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
    }),
  );
}

export const handler = lazy(() => makeHandler(defaultDeps()));
