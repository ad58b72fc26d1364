/** POST /artifacts {kind, content?}: data or code with its content, or the caller's own config right. */
import type { ArtifactBook } from '../economy/ports.js';
import * as z from 'zod/mini';
import { agentCallerOf, artifactsOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { ROUTES } from './routes.js';
import { agentOf } from './http/principal.js';
import { route, type AgentAuth } from './http/route.js';

const body = z.strictObject({ kind: z.enum(['data', 'code', 'config-right']), content: z.optional(z.string()) });

export function makeHandler(deps: { artifacts: Pick<ArtifactBook, 'create'> } & AgentAuth) {
  return route(ROUTES['POST /artifacts'], deps.agentCaller, { body, status: 201 }, ({ principal, body, idempotencyKey }) =>
    deps.artifacts.create({ ownerId: agentOf(principal), kind: body.kind, ...(body.content !== undefined ? { content: body.content } : {}), idempotencyKey }),
  );
}

export const handler = deployed((b) => makeHandler({ artifacts: artifactsOf(b), agentCaller: agentCallerOf(b) }));
