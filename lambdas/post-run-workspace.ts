/**
 * POST /run/workspace {upload?}: a run's supervisor gets short-lived URLs for its own agent's
 * workspace: to read every file in it (no `upload`), or to write the files named in `upload`
 * (economy/runs.ts). No other agent's workspace can be named.
 */
import { z } from 'zod';
import { workspaceUrls } from '../economy/runs.js';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { runOf } from './http/principal.js';
import { route } from './http/route.js';

const body = z.strictObject({ upload: z.array(z.string().max(200)).max(1000).optional() });

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'supervisor', body }, ({ principal, body }) => workspaceUrls(deps, runOf(principal), body.upload));
}

export const handler = lazy(() => makeHandler(defaultDeps()));
