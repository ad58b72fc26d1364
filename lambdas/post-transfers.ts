/** POST /transfers {to, amount, memo?}: pays another living agent; the recipient need not consent. */
import type { Payments } from '../economy/ports.js';
import * as z from 'zod/mini';
import { agentCallerOf, paymentsOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { ROUTES } from './routes.js';
import { agentOf } from './http/principal.js';
import { route, type AgentAuth } from './http/route.js';
import { idSchema, memoSchema, positiveMicros } from './http/schemas.js';

const body = z.strictObject({ to: idSchema, amount: positiveMicros, memo: z.optional(memoSchema) });

export function makeHandler(deps: { payments: Pick<Payments, 'transfer'> } & AgentAuth) {
  // One transaction: the caller's credential is checked in the transfer's own write.
  return route(ROUTES['POST /transfers'], deps.agentCaller, { body, status: 201, checksCredential: true }, ({ principal, body, idempotencyKey, credential }) =>
    deps.payments.transfer({ from: agentOf(principal), to: body.to, amount: body.amount, ...(body.memo ? { memo: body.memo } : {}), idempotencyKey }, credential),
  );
}

export const handler = deployed((b) => makeHandler({ payments: paymentsOf(b), agentCaller: agentCallerOf(b) }));
