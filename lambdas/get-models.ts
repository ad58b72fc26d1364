/** GET /v1/models: the model the LLM gateway serves, in the shape of OpenAI's Models API. */
import { defaultDeps, lazy, type Deps } from './deps.js';
import { route } from './http/route.js';

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'agent', openaiErrors: true }, () =>
    Promise.resolve({ object: 'list', data: [{ id: deps.llm.model, object: 'model', created: 0, owned_by: `syntropism (${deps.llm.name})` }] }),
  );
}

export const handler = lazy(() => makeHandler(defaultDeps()));
