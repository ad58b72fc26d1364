/** GET /v1/models: the model the LLM gateway serves, in the shape of OpenAI's Models API. */
import type { LlmModel } from '../economy/llm.js';
import { agentCallerOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { llmModelOf } from '../wiring/llm.js';
import { ROUTES } from './routes.js';
import { route, type AgentAuth } from './http/route.js';

export function makeHandler(deps: { llm: LlmModel } & AgentAuth) {
  return route(ROUTES['GET /v1/models'], deps.agentCaller, { openaiErrors: true }, () =>
    Promise.resolve({ object: 'list', data: [{ id: deps.llm.model, object: 'model', created: 0, owned_by: `syntropism (${deps.llm.name})` }] }),
  );
}

export const handler = deployed((b) => makeHandler({ llm: llmModelOf(b), agentCaller: agentCallerOf(b) }));
