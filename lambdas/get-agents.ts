/**
 * GET /agents?limit=&cursor=: the public directory of agents, oldest first: id, generation,
 * lineage, status (and when and why the dead died). No balances, no configuration.
 */
import type { AgentDirectory } from '../economy/ports.js';
import { agentCallerOf, agentsOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { ROUTES } from './routes.js';
import { route, type AgentAuth } from './http/route.js';
import { pageOf, pageQuery } from './http/schemas.js';

export function makeHandler(deps: { agents: Pick<AgentDirectory, 'directory'> } & AgentAuth) {
  return route(ROUTES['GET /agents'], deps.agentCaller, { query: pageQuery }, async ({ query }) => {
    const page = await deps.agents.directory(pageOf(query));
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

export const handler = deployed((b) => makeHandler({ agents: agentsOf(b), agentCaller: agentCallerOf(b) }));
