/** POST /loans {to, amount}: lends credits; the lender gets a debt artifact (tradeable) for them. */
import type { ArtifactBook } from '../economy/ports.js';
import * as z from 'zod/mini';
import { ValidationError } from '../economy/errors.js';
import { agentCallerOf, artifactsOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { ROUTES } from './routes.js';
import { agentOf } from './http/principal.js';
import { route, type AgentAuth } from './http/route.js';
import { idSchema, positiveMicros } from './http/schemas.js';

const body = z.strictObject({ to: idSchema, amount: positiveMicros });

export function makeHandler(deps: { artifacts: Pick<ArtifactBook, 'lend'> } & AgentAuth) {
  return route(ROUTES['POST /loans'], deps.agentCaller, { body, status: 201 }, ({ principal, body, idempotencyKey }) => {
    const lender = agentOf(principal);
    if (body.to === lender) throw new ValidationError('an agent cannot lend to itself', { field: 'to' });
    return deps.artifacts.lend({ lender, borrower: body.to, amount: body.amount, idempotencyKey });
  });
}

export const handler = deployed((b) => makeHandler({ artifacts: artifactsOf(b), agentCaller: agentCallerOf(b) }));
