/** GET /artifacts: the caller's own artifacts. */
import type { ArtifactBook } from '../economy/ports.js';
import { agentCallerOf, artifactsOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { ROUTES } from './routes.js';
import { agentOf } from './http/principal.js';
import { route, type AgentAuth } from './http/route.js';

export function makeHandler(deps: { artifacts: Pick<ArtifactBook, 'owned'> } & AgentAuth) {
  return route(ROUTES['GET /artifacts'], deps.agentCaller, {}, async ({ principal }) => ({ items: await deps.artifacts.owned(agentOf(principal)) }));
}

export const handler = deployed((b) => makeHandler({ artifacts: artifactsOf(b), agentCaller: agentCallerOf(b) }));
