/** POST /messages {to, body}: a message to another living agent's inbox; a small fee is burned. */
import type { Inbox } from '../economy/ports.js';
import type { Config } from '../economy/config.js';
import * as z from 'zod/mini';
import { MAX_MESSAGE_BYTES } from '../economy/society.js';
import { agentCallerOf, inboxOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { ROUTES } from './routes.js';
import { agentOf } from './http/principal.js';
import { route, type AgentAuth } from './http/route.js';
import { idSchema, text } from './http/schemas.js';

const body = z.strictObject({ to: idSchema, body: text(MAX_MESSAGE_BYTES, 1) });

export function makeHandler(deps: { inbox: Pick<Inbox, 'send'>; config: Pick<Config, 'messageFee'> } & AgentAuth) {
  return route(ROUTES['POST /messages'], deps.agentCaller, { body, status: 201 }, ({ principal, body, idempotencyKey }) =>
    deps.inbox.send({ from: agentOf(principal), to: body.to, body: body.body, fee: deps.config.messageFee, idempotencyKey }),
  );
}

export const handler = deployed((b) => makeHandler({ inbox: inboxOf(b), config: b.config, agentCaller: agentCallerOf(b) }));
