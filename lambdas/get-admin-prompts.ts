/** GET /admin/prompts: pending prompts, highest bid first (what the human page lists). */
import type { PromptBook } from '../economy/ports.js';
import * as z from 'zod/mini';
import { promptsOf } from '../wiring/dynamodb.js';
import { operatorCallerOf } from '../wiring/operator.js';
import { deployed } from '../wiring/base.js';
import { ROUTES } from './routes.js';
import { limitQuery } from './http/schemas.js';
import { route, type OperatorAuth } from './http/route.js';

const query = z.strictObject({ limit: limitQuery });

export function makeHandler(deps: { prompts: Pick<PromptBook, 'pendingPrompts'> } & OperatorAuth) {
  return route(ROUTES['GET /admin/prompts'], deps.operatorCaller, { query }, async ({ query }) => ({ items: await deps.prompts.pendingPrompts(query.limit ?? 100) }));
}

export const handler = deployed((b) => makeHandler({ prompts: promptsOf(b), operatorCaller: operatorCallerOf(b) }));
