/**
 * POST /run/workspace {upload?}: a run's supervisor gets short-lived URLs for its own agent's
 * workspace: to read every file in it (no `upload`), or to write the files named in `upload`
 * (economy/runs.ts). No other agent's workspace can be named.
 */
import type { WorkspaceAccess } from '../economy/ports.js';
import * as z from 'zod/mini';
import { MAX_UPLOAD_FILES, workspaceUrls } from '../economy/runs.js';
import { supervisorCallerOf } from '../wiring/dynamodb.js';
import { workspaceAccessOf } from '../wiring/aws.js';
import { deployed } from '../wiring/base.js';
import { ROUTES } from './routes.js';
import { runOf } from './http/principal.js';
import { text } from './http/schemas.js';
import { route, type SupervisorAuth } from './http/route.js';

const body = z.strictObject({ upload: z.optional(z.array(text(200)).check(z.maxLength(MAX_UPLOAD_FILES))) });

export function makeHandler(deps: { workspaceAccess: WorkspaceAccess } & SupervisorAuth) {
  return route(ROUTES['POST /run/workspace'], deps.supervisorCaller, { body }, ({ principal, body }) => workspaceUrls(deps, runOf(principal), body.upload));
}

export const handler = deployed((b) => makeHandler({ workspaceAccess: workspaceAccessOf(b), supervisorCaller: supervisorCallerOf(b) }));
