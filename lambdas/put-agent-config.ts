/**
 * PUT /agents/{id}/config {config}: sets an agent's strategy configuration (the runtime reads it
 * at each lease). Allowed to the owner of that agent's config right, or to the agent itself while
 * no config right exists.
 */
import type { AgentDirectory } from '../economy/ports.js';
import * as z from 'zod/mini';
import { agentCallerOf, agentsOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { ROUTES } from './routes.js';
import { agentOf } from './http/principal.js';
import { route, type AgentAuth } from './http/route.js';
import { pathId } from './http/schemas.js';

const body = z.strictObject({ config: z.record(z.string(), z.unknown()) });

export function makeHandler(deps: { agents: Pick<AgentDirectory, 'setConfig'> } & AgentAuth) {
  return route(ROUTES['PUT /agents/{id}/config'], deps.agentCaller, { body }, async ({ principal, params, body, idempotencyKey }) => {
    const agentId = pathId(params);
    await deps.agents.setConfig({ callerId: agentOf(principal), agentId, config: body.config, idempotencyKey });
    return { agentId, config: body.config };
  });
}

export const handler = deployed((b) => makeHandler({ agents: agentsOf(b), agentCaller: agentCallerOf(b) }));
