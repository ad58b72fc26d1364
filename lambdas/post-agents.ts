/**
 * POST /agents {endowment, files?, bid?}: the calling agent spawns a child (economy/birth.ts). The
 * spawn fee is burned and the endowment moved to the child, and `bid` placed as its first bid from
 * the endowment, in one transaction; its workspace is a copy of the parent's (without its state)
 * overlaid with `files`. The child's credential is shown once (a replay returns null).
 */
import { z } from 'zod';
import { spawnChild } from '../economy/birth.js';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { agentOf } from './http/principal.js';
import { route } from './http/route.js';
import { filesSchema, firstBidSchema, nonNegativeMicros } from './http/schemas.js';

const body = z.strictObject({ endowment: nonNegativeMicros, files: filesSchema.optional(), bid: firstBidSchema.optional() });

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'agent', body, status: 201 }, async ({ principal, body, idempotencyKey }) => {
    const child = await spawnChild(deps, {
      parentId: agentOf(principal),
      endowment: body.endowment,
      files: body.files ?? {},
      ...(body.bid ? { firstBid: body.bid } : {}),
      idempotencyKey,
    });
    return { ...child, endowment: body.endowment };
  });
}

export const handler = lazy(() => makeHandler(defaultDeps()));
