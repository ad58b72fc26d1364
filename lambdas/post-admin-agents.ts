/**
 * POST /admin/agents {endowment, files?, bid?}: the operator creates a first agent
 * (economy/birth.ts). Its endowment is minted as a human grant, its workspace is `files` over the
 * genesis agent's code, and `bid` is placed as its first bid from the endowment, in one
 * transaction. The credential is shown once: a replay with the same Idempotency-Key returns the
 * same agent without it (it is stored only as a hash).
 */
import * as z from 'zod/mini';
import { createFirstAgent, type BirthDeps } from '../economy/birth.js';
import { operatorCallerOf } from '../wiring/operator.js';
import { deployed } from '../wiring/base.js';
import { birthDepsOf } from '../wiring/use-cases.js';
import { ROUTES } from './routes.js';
import { route, type OperatorAuth } from './http/route.js';
import { filesSchema, firstBidSchema, nonNegativeMicros } from './http/schemas.js';

const body = z.strictObject({ endowment: nonNegativeMicros, files: z.optional(filesSchema), bid: z.optional(firstBidSchema) });

export function makeHandler(deps: BirthDeps & OperatorAuth) {
  return route(ROUTES['POST /admin/agents'], deps.operatorCaller, { body, status: 201 }, async ({ body, idempotencyKey }) => {
    const agent = await createFirstAgent(deps, { endowment: body.endowment, files: body.files ?? {}, ...(body.bid ? { firstBid: body.bid } : {}), idempotencyKey });
    return { ...agent, endowment: body.endowment };
  });
}

export const handler = deployed((b) => makeHandler({ ...birthDepsOf(b), operatorCaller: operatorCallerOf(b) }));
