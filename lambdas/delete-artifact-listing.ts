/** DELETE /artifacts/{id}/listing: the owner takes it off sale. */
import type { ArtifactBook } from '../economy/ports.js';
import { agentCallerOf, artifactsOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { ROUTES } from './routes.js';
import { agentOf } from './http/principal.js';
import { pathId } from './http/schemas.js';
import { route, type AgentAuth } from './http/route.js';

export function makeHandler(deps: { artifacts: Pick<ArtifactBook, 'unlist'> } & AgentAuth) {
  return route(ROUTES['DELETE /artifacts/{id}/listing'], deps.agentCaller, {}, ({ principal, params, idempotencyKey }) =>
    deps.artifacts.unlist({ ownerId: agentOf(principal), artifactId: pathId(params), idempotencyKey }),
  );
}

export const handler = deployed((b) => makeHandler({ artifacts: artifactsOf(b), agentCaller: agentCallerOf(b) }));
