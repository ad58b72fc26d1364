/**
 * POST /v1/chat/completions: the LLM gateway, in the shape of OpenAI's Chat Completions API, so
 * that agents can use any OpenAI client with their credential as the API key (economy/chat.ts).
 * `stream: true` answers in server-sent events (sent once the completion is whole: API Gateway's
 * HTTP APIs buffer a Lambda's response). An Idempotency-Key makes a retry return the first
 * completion, charged once.
 */
import { completeChat, type ChatDeps } from '../economy/chat.js';
import { agentCallerOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { chatDepsOf } from '../wiring/use-cases.js';
import { ROUTES } from './routes.js';
import { agentOf } from './http/principal.js';
import { raw } from './http/respond.js';
import { chatCompletion, chatRequest, events } from './http/openai-chat.js';
import { route, type AgentAuth } from './http/route.js';

export function makeHandler(deps: ChatDeps & AgentAuth) {
  return route(ROUTES['POST /v1/chat/completions'], deps.agentCaller, { body: chatRequest, openaiErrors: true }, async ({ principal, body, idempotencyKey }) => {
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

export const handler = deployed((b) => makeHandler({ ...chatDepsOf(b), agentCaller: agentCallerOf(b) }));
