/**
 * PUT /agents/{id}/config {config}: sets an agent's strategy configuration (the runtime reads it
 * at each lease). Allowed to the owner of that agent's config right, or to the agent itself while
 * no config right exists.
 */
import { z } from 'zod';
import { ValidationError } from '../economy/errors.js';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { agentOf } from './http/principal.js';
import { route } from './http/route.js';
import { agentIdSchema } from './http/schemas.js';

const body = z.strictObject({ config: z.record(z.string(), z.unknown()) });

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'agent', body }, async ({ principal, params, body, idempotencyKey }) => {
    const agentId = agentIdSchema.safeParse(params.id);
    if (!agentId.success) throw new ValidationError('agent id is malformed', { field: 'id' });
    await deps.artifacts.setConfig({ callerId: agentOf(principal), agentId: agentId.data, config: body.config, idempotencyKey });
    return { agentId: agentId.data, config: body.config };
  });
}

export const handler = lazy(() => makeHandler(defaultDeps()));
