/** GET /admin/prompts: pending prompts, highest bid first (what the human page lists). */
import { z } from 'zod';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { route } from './http/route.js';

const query = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).optional() });

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'operator', query }, async ({ query }) => ({ items: await deps.prompts.pendingPrompts(query.limit ?? 100) }));
}

export const handler = lazy(() => makeHandler(defaultDeps()));
