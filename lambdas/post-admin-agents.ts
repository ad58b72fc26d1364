/**
 * POST /admin/agents {endowment, files?, bid?}: the operator creates a first agent
 * (economy/birth.ts). Its endowment is minted as a human grant, its workspace is `files` over the
 * genesis agent's code, and `bid` is placed as its first bid from the endowment, in one
 * transaction. The credential is shown once: a replay with the same Idempotency-Key returns the
 * same agent without it (it is stored only as a hash).
 */
import { z } from 'zod';
import { createFirstAgent } from '../economy/birth.js';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { route } from './http/route.js';
import { filesSchema, firstBidSchema, nonNegativeMicros } from './http/schemas.js';

const body = z.strictObject({ endowment: nonNegativeMicros, files: filesSchema.optional(), bid: firstBidSchema.optional() });

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'operator', body, status: 201 }, async ({ body, idempotencyKey }) => {
    const agent = await createFirstAgent(deps, { endowment: body.endowment, files: body.files ?? {}, ...(body.bid ? { firstBid: body.bid } : {}), idempotencyKey });
    return { ...agent, endowment: body.endowment };
  });
}

export const handler = lazy(() => makeHandler(defaultDeps()));
