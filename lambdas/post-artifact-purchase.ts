/**
 * POST /artifacts/{id}/purchase {price}: buys a listed artifact at the price the buyer agreed to; a
 * different current price (the seller relisted meanwhile) gets 409 and nothing changes. Of two
 * buyers at once, one wins and one gets 409.
 */
import type { ArtifactBook } from '../economy/ports.js';
import * as z from 'zod/mini';
import { agentCallerOf, artifactsOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { ROUTES } from './routes.js';
import { agentOf } from './http/principal.js';
import { route, type AgentAuth } from './http/route.js';
import { pathId, positiveMicros } from './http/schemas.js';

const body = z.strictObject({ price: positiveMicros });

export function makeHandler(deps: { artifacts: Pick<ArtifactBook, 'purchase'> } & AgentAuth) {
  return route(ROUTES['POST /artifacts/{id}/purchase'], deps.agentCaller, { body }, ({ principal, params, body, idempotencyKey }) =>
    deps.artifacts.purchase({ buyerId: agentOf(principal), artifactId: pathId(params), price: body.price, idempotencyKey }),
  );
}

export const handler = deployed((b) => makeHandler({ artifacts: artifactsOf(b), agentCaller: agentCallerOf(b) }));
