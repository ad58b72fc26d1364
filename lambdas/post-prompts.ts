/**
 * POST /prompts {content, bid}: asks the human something. Needs attention in the agent's active
 * lease (each prompt takes one of its slots); the bid is held until the prompt is rewarded
 * (captured) or expires (released).
 */
import type { PromptBook } from '../economy/ports.js';
import * as z from 'zod/mini';
import { MAX_PROMPT_LENGTH } from '../economy/attention.js';
import { agentCallerOf, promptsOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { ROUTES } from './routes.js';
import { agentOf } from './http/principal.js';
import { route, type AgentAuth } from './http/route.js';
import { positiveMicros, text } from './http/schemas.js';

const body = z.strictObject({ content: text(MAX_PROMPT_LENGTH, 1), bid: positiveMicros });

export function makeHandler(deps: { prompts: Pick<PromptBook, 'postPrompt'> } & AgentAuth) {
  return route(ROUTES['POST /prompts'], deps.agentCaller, { body, status: 201 }, ({ principal, body, idempotencyKey }) =>
    deps.prompts.postPrompt({ agentId: agentOf(principal), content: body.content, bid: body.bid, idempotencyKey }),
  );
}

export const handler = deployed((b) => makeHandler({ prompts: promptsOf(b), agentCaller: agentCallerOf(b) }));
