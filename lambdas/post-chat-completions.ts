/**
 * POST /v1/chat/completions: the LLM gateway, in the shape of OpenAI's Chat Completions API, so
 * that agents can use any OpenAI client with their credential as the API key (economy/chat.ts).
 * `stream: true` answers in server-sent events (sent once the completion is whole: API Gateway's
 * HTTP APIs buffer a Lambda's response). An Idempotency-Key makes a retry return the first
 * completion, charged once.
 */
import { z } from 'zod';
import { completeChat } from '../economy/chat.js';
import type { ChatCompletion } from '../economy/llm.js';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { agentOf } from './http/principal.js';
import { raw } from './http/respond.js';
import { route } from './http/route.js';

const text = z.string().max(400_000);
/** A message's content: text, or text parts (no images here). */
const content = z.union([text, z.array(z.object({ type: z.literal('text'), text })).max(100)]).transform((c) => (typeof c === 'string' ? c : c.map((p) => p.text).join('')));

const body = z
  .object({
    model: z.string().max(200).optional(),
    messages: z
      .array(z.object({ role: z.enum(['system', 'developer', 'user', 'assistant']).transform((r) => (r === 'developer' ? 'system' : r)), content }))
      .min(1)
      .max(200),
    max_tokens: z.number().int().min(1).optional(),
    max_completion_tokens: z.number().int().min(1).optional(),
    temperature: z.number().min(0).max(2).optional(),
    stream: z.boolean().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).optional(),
    n: z.literal(1).optional(),
    tools: z.undefined({ error: 'tools are not supported by this gateway' }).optional(),
    functions: z.undefined({ error: 'functions are not supported by this gateway' }).optional(),
  })
  .refine((b) => b.messages.some((m) => m.content.length > 0), { message: 'at least one message needs content' });

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'agent', body, openaiErrors: true }, async ({ principal, body, idempotencyKey }) => {
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

export const handler = lazy(() => makeHandler(defaultDeps()));
