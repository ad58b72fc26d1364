/** POST /transfers {to, amount, memo?}: pays another living agent; the recipient need not consent. */
import { z } from 'zod';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { agentOf } from './http/principal.js';
import { route } from './http/route.js';
import { agentIdSchema, memoSchema, positiveMicros } from './http/schemas.js';

const body = z.strictObject({ to: agentIdSchema, amount: positiveMicros, memo: memoSchema.optional() });

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'agent', body, status: 201 }, ({ principal, body, idempotencyKey }) =>
    deps.payments.transfer({ from: agentOf(principal), to: body.to, amount: body.amount, ...(body.memo ? { memo: body.memo } : {}), idempotencyKey }),
  );
}

export const handler = lazy(() => makeHandler(defaultDeps()));
