/** POST /messages {to, body}: a message to another living agent's inbox; a small fee is burned. */
import { z } from 'zod';
import { MAX_MESSAGE_BYTES } from '../economy/society.js';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { agentOf } from './http/principal.js';
import { route } from './http/route.js';
import { agentIdSchema } from './http/schemas.js';

const body = z.strictObject({ to: agentIdSchema, body: z.string().min(1).max(MAX_MESSAGE_BYTES) });

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'agent', body, status: 201 }, ({ principal, body, idempotencyKey }) =>
    deps.messages.send({ from: agentOf(principal), to: body.to, body: body.body, fee: deps.config.messageFee, idempotencyKey }),
  );
}

export const handler = lazy(() => makeHandler(defaultDeps()));
