/**
 * POST /admin/prompts/{id}/reward {interesting, useful, understandable, reply?}: the operator
 * rewards a prompt. Reward = rate × (sum of scores), minted to the agent, with the attention bid
 * captured and the reply sent to its inbox, in one transaction; a prompt is rewarded at most once
 * (again: 409 CONFLICT).
 */
import { z } from 'zod';
import { MAX_REPLY_LENGTH } from '../economy/attention.js';
import { ValidationError } from '../economy/errors.js';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { route } from './http/route.js';
import { agentIdSchema } from './http/schemas.js';
import { rewardPrompt } from './rewards.js';

const score = z.number().int().min(0).max(10);
const body = z.strictObject({ interesting: score, useful: score, understandable: score, reply: z.string().max(MAX_REPLY_LENGTH).optional() });

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'operator', body }, ({ body, params, idempotencyKey }) => {
    const promptId = agentIdSchema.safeParse(params.id);
    if (!promptId.success) throw new ValidationError('prompt id is malformed', { field: 'id' });
    const { reply, ...scores } = body;
    return rewardPrompt(deps, { promptId: promptId.data, scores, ...(reply ? { reply } : {}), idempotencyKey });
  });
}

export const handler = lazy(() => makeHandler(defaultDeps()));
