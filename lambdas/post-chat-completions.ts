/**
 * POST /v1/chat/completions: the LLM gateway, in the shape of OpenAI's Chat Completions API, so
 * that agents can use any OpenAI client with their credential as the API key (economy/chat.ts).
 * `stream: true` answers in server-sent events (sent once the completion is whole: API Gateway's
 * HTTP APIs buffer a Lambda's response). An Idempotency-Key makes a retry return the first
 * completion, charged once.
 */
import * as z from 'zod/mini';
import { completeChat, type ChatDeps } from '../economy/chat.js';
import type { ChatCompletion } from '../economy/llm.js';
import { agentCallerOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { chatDepsOf } from '../wiring/use-cases.js';
import { ROUTES } from './routes.js';
import { agentOf } from './http/principal.js';
import { raw } from './http/respond.js';
import { integer, text } from './http/schemas.js';
import { route, type AgentAuth } from './http/route.js';

const messageText = text(400_000);
/** A message's content: text, or text parts (no images here). */
const content = z.pipe(
  z.union([messageText, z.array(z.object({ type: z.literal('text'), text: messageText })).check(z.maxLength(100))]),
  z.transform((c) => (typeof c === 'string' ? c : c.map((p) => p.text).join(''))),
);

const body = z
  .object({
    model: z.optional(text(200)),
    messages: z
      .array(z.object({ role: z.pipe(z.enum(['system', 'developer', 'user', 'assistant']), z.transform((r) => (r === 'developer' ? 'system' : r))), content }))
      .check(z.minLength(1), z.maxLength(200)),
    max_tokens: z.optional(integer(1)),
    max_completion_tokens: z.optional(integer(1)),
    temperature: z.optional(z.number().check(z.gte(0), z.lte(2))),
    stream: z.optional(z.boolean()),
    stream_options: z.optional(z.object({ include_usage: z.optional(z.boolean()) })),
    n: z.optional(z.literal(1)),
    tools: z.optional(z.undefined({ error: 'tools are not supported by this gateway' })),
    functions: z.optional(z.undefined({ error: 'functions are not supported by this gateway' })),
  })
  .check(z.refine((b) => b.messages.some((m) => m.content.length > 0), { message: 'at least one message needs content' }));

export function makeHandler(deps: ChatDeps & AgentAuth) {
  return route(ROUTES['POST /v1/chat/completions'], deps.agentCaller, { body, openaiErrors: true }, async ({ principal, body, idempotencyKey }) => {
    const maxTokens = body.max_completion_tokens ?? body.max_tokens;
    const { completion, bucket } = await completeChat(deps, {
      agentId: agentOf(principal),
      idempotencyKey,
      request: {
        messages: body.messages,
        ...(maxTokens !== undefined ? { maxTokens } : {}),
        ...(body.temperature !== undefined ? { temperature: body.temperature } : {}),
      },
    });
    const extra = { syntropism: { provider: completion.provider, bucket } };
    return body.stream ? raw(events(completion, body.stream_options?.include_usage === true, extra)) : chatCompletion(completion, extra);
  });
}

const usageOf = (c: ChatCompletion) => ({ prompt_tokens: c.usage.promptTokens, completion_tokens: c.usage.completionTokens, total_tokens: c.usage.promptTokens + c.usage.completionTokens });

function chatCompletion(c: ChatCompletion, extra: object) {
  return {
    id: c.id,
    object: 'chat.completion',
    created: c.created,
    model: c.model,
    choices: [{ index: 0, message: { role: 'assistant', content: c.text, refusal: null }, logprobs: null, finish_reason: c.finishReason }],
    usage: usageOf(c),
    system_fingerprint: null,
    ...extra,
  };
}

/** The completion as server-sent events: its text in one chunk, the finish, the usage if asked, [DONE]. */
function events(c: ChatCompletion, includeUsage: boolean, extra: object) {
  const chunk = (choices: unknown[], more: object = {}) => ({ id: c.id, object: 'chat.completion.chunk', created: c.created, model: c.model, system_fingerprint: null, choices, ...more });
  const frames = [
    chunk([{ index: 0, delta: { role: 'assistant', content: c.text }, logprobs: null, finish_reason: null }]),
    chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: c.finishReason }], extra),
    ...(includeUsage ? [chunk([], { usage: usageOf(c) })] : []),
  ];
  return {
    statusCode: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' },
    body: `${frames.map((f) => `data: ${JSON.stringify(f)}\n\n`).join('')}data: [DONE]\n\n`,
  };
}

export const handler = deployed((b) => makeHandler({ ...chatDepsOf(b), agentCaller: agentCallerOf(b) }));
