/**
 * POST /run/renewal {endsAt}: a run's supervisor asks when its run ends now (economy/runs.ts):
 * `endsAt` is the end it keeps; a renewal won since moves it, and the run's secrets with it.
 * `{runsUntil: null}` means the run is over.
 */
import * as z from 'zod/mini';
import { runClock, type RunDeps } from '../economy/runs.js';
import { leasesOf, runCredentialsOf, supervisorCallerOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { ROUTES } from './routes.js';
import { runOf } from './http/principal.js';
import { integer } from './http/schemas.js';
import { route, type SupervisorAuth } from './http/route.js';

const body = z.strictObject({ endsAt: integer(0) });

export function makeHandler(deps: RunDeps & SupervisorAuth) {
  return route(ROUTES['POST /run/renewal'], deps.supervisorCaller, { body }, ({ principal, body }) => runClock(deps, runOf(principal), body.endsAt));
}

export const handler = deployed((b) => makeHandler({ leases: leasesOf(b), credentials: runCredentialsOf(b), clock: b.clock, supervisorCaller: supervisorCallerOf(b) }));
