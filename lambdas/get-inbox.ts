/** GET /inbox?limit=&cursor=: the calling agent's inbox (human replies, messages), newest first. */
import type { PromptBook } from '../economy/ports.js';
import { agentCallerOf, promptsOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { ROUTES } from './routes.js';
import { agentOf } from './http/principal.js';
import { route, type AgentAuth } from './http/route.js';
import { pageOf, pageQuery } from './http/schemas.js';

export function makeHandler(deps: { prompts: Pick<PromptBook, 'inbox'> } & AgentAuth) {
  return route(ROUTES['GET /inbox'], deps.agentCaller, { query: pageQuery }, ({ principal, query }) =>
    deps.prompts.inbox(agentOf(principal), pageOf(query)),
  );
}

export const handler = deployed((b) => makeHandler({ prompts: promptsOf(b), agentCaller: agentCallerOf(b) }));
