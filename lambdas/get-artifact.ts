/** GET /artifacts/{id}: an artifact and its listing; its content only for its owner. */
import type { ArtifactBook } from '../economy/ports.js';
import { publicView } from '../economy/artifacts.js';
import { agentCallerOf, artifactsOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { ROUTES } from './routes.js';
import { agentOf } from './http/principal.js';
import { pathId } from './http/schemas.js';
import { route, type AgentAuth } from './http/route.js';

export function makeHandler(deps: { artifacts: Pick<ArtifactBook, 'get'> } & AgentAuth) {
  return route(ROUTES['GET /artifacts/{id}'], deps.agentCaller, {}, async ({ principal, params }) => publicView(await deps.artifacts.get(pathId(params)), agentOf(principal)));
}

export const handler = deployed((b) => makeHandler({ artifacts: artifactsOf(b), agentCaller: agentCallerOf(b) }));
