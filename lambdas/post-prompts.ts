/**
 * POST /prompts {content, bid}: asks the human something. Needs attention in the agent's active
 * lease (each prompt takes one of its slots); the bid is held until the prompt is rewarded
 * (captured) or expires (released).
 */
import { z } from 'zod';
import { MAX_PROMPT_LENGTH } from '../economy/attention.js';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { agentOf } from './http/principal.js';
import { route } from './http/route.js';
import { positiveMicros } from './http/schemas.js';

const body = z.strictObject({ content: z.string().min(1).max(MAX_PROMPT_LENGTH), bid: positiveMicros });

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'agent', body, status: 201 }, ({ principal, body, idempotencyKey }) =>
    deps.prompts.postPrompt({ agentId: agentOf(principal), content: body.content, bid: body.bid, idempotencyKey }),
  );
}

export const handler = lazy(() => makeHandler(defaultDeps()));
