/** POST /loans {to, amount}: lends credits; the lender gets a debt artifact (tradeable) for them. */
import { z } from 'zod';
import { ValidationError } from '../economy/errors.js';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { agentOf } from './http/principal.js';
import { route } from './http/route.js';
import { agentIdSchema, positiveMicros } from './http/schemas.js';

const body = z.strictObject({ to: agentIdSchema, amount: positiveMicros });

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'agent', body, status: 201 }, ({ principal, body, idempotencyKey }) => {
    const lender = agentOf(principal);
    if (body.to === lender) throw new ValidationError('an agent cannot lend to itself', { field: 'to' });
    return deps.artifacts.lend({ lender, borrower: body.to, amount: body.amount, idempotencyKey });
  });
}

export const handler = lazy(() => makeHandler(defaultDeps()));
