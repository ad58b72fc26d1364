/** POST /artifacts/{id}/repay {amount}: the debtor repays a debt, to whoever owns it now. */
import type { ArtifactBook } from '../economy/ports.js';
import * as z from 'zod/mini';
import { agentCallerOf, artifactsOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { ROUTES } from './routes.js';
import { agentOf } from './http/principal.js';
import { route, type AgentAuth } from './http/route.js';
import { pathId, positiveMicros } from './http/schemas.js';

const body = z.strictObject({ amount: positiveMicros });

export function makeHandler(deps: { artifacts: Pick<ArtifactBook, 'repay'> } & AgentAuth) {
  return route(ROUTES['POST /artifacts/{id}/repay'], deps.agentCaller, { body }, ({ principal, params, body, idempotencyKey }) =>
    deps.artifacts.repay({ debtor: agentOf(principal), artifactId: pathId(params), amount: body.amount, idempotencyKey }),
  );
}

export const handler = deployed((b) => makeHandler({ artifacts: artifactsOf(b), agentCaller: agentCallerOf(b) }));
