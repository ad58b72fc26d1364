/** POST /artifacts/{id}/listing {price, buyer?}: the owner offers it for sale (to anyone, or to one buyer). */
import type { ArtifactBook } from '../economy/ports.js';
import * as z from 'zod/mini';
import { agentCallerOf, artifactsOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { ROUTES } from './routes.js';
import { agentOf } from './http/principal.js';
import { route, type AgentAuth } from './http/route.js';
import { idSchema, pathId, positiveMicros } from './http/schemas.js';

const body = z.strictObject({ price: positiveMicros, buyer: z.optional(idSchema) });

export function makeHandler(deps: { artifacts: Pick<ArtifactBook, 'list'> } & AgentAuth) {
  return route(ROUTES['POST /artifacts/{id}/listing'], deps.agentCaller, { body }, ({ principal, params, body, idempotencyKey }) =>
    deps.artifacts.list({ ownerId: agentOf(principal), artifactId: pathId(params), price: body.price, ...(body.buyer ? { buyer: body.buyer } : {}), idempotencyKey }),
  );
}

export const handler = deployed((b) => makeHandler({ artifacts: artifactsOf(b), agentCaller: agentCallerOf(b) }));
