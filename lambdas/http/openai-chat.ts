/**
 * OpenAI's Chat Completions wire format, as far as the LLM gateway speaks it: the request body
 * (text content only: no tools, no images, one choice) and the answer, whole or as server-sent
 * events.
 */
import * as z from 'zod/mini';
import type { ChatCompletion } from '../../economy/llm.js';
import { integer, text } from './schemas.js';

const messageText = text(400_000);
/** A message's content: text, or text parts (no images here). */
const content = z.pipe(
  z.union([messageText, z.array(z.object({ type: z.literal('text'), text: messageText })).check(z.maxLength(100))]),
  z.transform((c) => (typeof c === 'string' ? c : c.map((p) => p.text).join(''))),
);

export const chatRequest = z
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

const usageOf = (c: ChatCompletion) => ({ prompt_tokens: c.usage.promptTokens, completion_tokens: c.usage.completionTokens, total_tokens: c.usage.promptTokens + c.usage.completionTokens });

export function chatCompletion(c: ChatCompletion, extra: object) {
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
export function events(c: ChatCompletion, includeUsage: boolean, extra: object) {
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

