/**
 * GET /agents?limit=&cursor=: the public directory of agents, oldest first: id, generation,
 * lineage, status (and when and why the dead died). No balances, no configuration.
 */
import { defaultDeps, lazy, type Deps } from './deps.js';
import { route } from './http/route.js';
import { pageQuery } from './http/schemas.js';

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'agent', query: pageQuery }, async ({ query }) => {
    const page = await deps.agents.directory({ ...(query.limit ? { limit: query.limit } : {}), ...(query.cursor ? { cursor: query.cursor } : {}) });
    return {
      items: page.items.map((a) => ({
        agentId: a.agentId,
        status: a.status,
        generation: a.generation,
        lineage: a.lineage,
        createdAt: a.createdAt,
        ...(a.diedRound !== undefined ? { diedRound: a.diedRound, deathReason: a.deathReason } : {}),
      })),
      ...(page.cursor ? { cursor: page.cursor } : {}),
    };
  });
}

export const handler = lazy(() => makeHandler(defaultDeps()));
