/** POST /artifacts {kind, content?}: data or code with its content, or the caller's own config right. */
import { z } from 'zod';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { agentOf } from './http/principal.js';
import { route } from './http/route.js';

const body = z.strictObject({ kind: z.enum(['data', 'code', 'config-right']), content: z.string().optional() });

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'agent', body, status: 201 }, ({ principal, body, idempotencyKey }) =>
    deps.artifacts.create({ ownerId: agentOf(principal), kind: body.kind, ...(body.content !== undefined ? { content: body.content } : {}), idempotencyKey }),
  );
}

export const handler = lazy(() => makeHandler(defaultDeps()));
