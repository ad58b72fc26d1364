/**
 * POST /agents {endowment, files?, bid?}: the calling agent spawns a child (economy/birth.ts). The
 * spawn fee is burned and the endowment moved to the child, and `bid` placed as its first bid from
 * the endowment, in one transaction; its workspace is a copy of the parent's (without its state)
 * overlaid with `files`. The child's credential is shown once (a replay returns null).
 */
import * as z from 'zod/mini';
import { spawnChild, type BirthDeps } from '../economy/birth.js';
import { agentCallerOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { birthDepsOf } from '../wiring/use-cases.js';
import { ROUTES } from './routes.js';
import { agentOf } from './http/principal.js';
import { route, type AgentAuth } from './http/route.js';
import { filesSchema, firstBidSchema, nonNegativeMicros } from './http/schemas.js';

const body = z.strictObject({ endowment: nonNegativeMicros, files: z.optional(filesSchema), bid: z.optional(firstBidSchema) });

export function makeHandler(deps: BirthDeps & AgentAuth) {
  return route(ROUTES['POST /agents'], deps.agentCaller, { body, status: 201 }, async ({ principal, body, idempotencyKey }) => {
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

export const handler = deployed((b) => makeHandler({ ...birthDepsOf(b), agentCaller: agentCallerOf(b) }));
