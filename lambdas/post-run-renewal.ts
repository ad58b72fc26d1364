/**
 * POST /run/renewal {endsAt}: a run's supervisor asks when its run ends now (economy/runs.ts):
 * `endsAt` is the end it keeps; a renewal won since moves it, and the run's secrets with it.
 * `{runsUntil: null}` means the run is over.
 */
import { z } from 'zod';
import { runClock } from '../economy/runs.js';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { runOf } from './http/principal.js';
import { route } from './http/route.js';

const body = z.strictObject({ endsAt: z.number().int().nonnegative() });

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'supervisor', body }, ({ principal, body }) => runClock(deps, runOf(principal), body.endsAt));
}

export const handler = lazy(() => makeHandler(defaultDeps()));
