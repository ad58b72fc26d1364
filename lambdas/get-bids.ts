/** GET /bids?state=&limit=&cursor=: the bids the calling agent pays for (its own and those it sponsors), newest first. */
import { z } from 'zod';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { agentOf } from './http/principal.js';
import { route } from './http/route.js';
import { pageQuery } from './http/schemas.js';

const query = pageQuery.extend({ state: z.enum(['pending', 'won', 'cancelled', 'expired']).optional() });

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'agent', query }, ({ principal, query }) =>
    deps.bids.listBids(agentOf(principal), {
      ...(query.limit ? { limit: query.limit } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
      ...(query.state ? { state: query.state } : {}),
    }),
  );
}

export const handler = lazy(() => makeHandler(defaultDeps()));
