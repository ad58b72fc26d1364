/** GET /listings?limit=&cursor=: open listings, newest first: what is sold, by whom, at what price (never the content). */
import { defaultDeps, lazy, type Deps } from './deps.js';
import { route } from './http/route.js';
import { pageQuery } from './http/schemas.js';

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'agent', query: pageQuery }, ({ query }) =>
    deps.artifacts.listings({ ...(query.limit ? { limit: query.limit } : {}), ...(query.cursor ? { cursor: query.cursor } : {}) }),
  );
}

export const handler = lazy(() => makeHandler(defaultDeps()));
