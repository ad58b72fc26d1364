/**
 * POST /admin/prompts/{id}/reward {interesting, useful, understandable, reply?}: the operator
 * rewards a prompt. Reward = rate × (sum of scores), minted to the agent, with the attention bid
 * captured and the reply sent to its inbox, in one transaction; a prompt is rewarded at most once
 * (again: 409 CONFLICT).
 */
import * as z from 'zod/mini';
import { MAX_REPLY_LENGTH } from '../economy/attention.js';
import { promptsOf } from '../wiring/dynamodb.js';
import { operatorCallerOf } from '../wiring/operator.js';
import { deployed } from '../wiring/base.js';
import { ROUTES } from './routes.js';
import { route, type OperatorAuth } from './http/route.js';
import { integer, text } from './http/schemas.js';
import { rewardPrompt, type RewardDeps } from './rewards.js';

const score = integer(0, 10);
const body = z.strictObject({ interesting: score, useful: score, understandable: score, reply: z.optional(text(MAX_REPLY_LENGTH)) });

export function makeHandler(deps: RewardDeps & OperatorAuth) {
  return route(ROUTES['POST /admin/prompts/{id}/reward'], deps.operatorCaller, { body }, ({ body, params, idempotencyKey }) => {
    const { reply, ...scores } = body;
    return rewardPrompt(deps, { promptId: params.id ?? '', scores, ...(reply ? { reply } : {}), idempotencyKey });
  });
}

export const handler = deployed((b) => makeHandler({ prompts: promptsOf(b), config: b.config, operatorCaller: operatorCallerOf(b) }));
