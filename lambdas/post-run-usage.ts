/**
 * POST /run/usage {seq, cpuMicros, peakMemoryBytes, final?}: a run's supervisor reports what it
 * measured of its run since its previous report. The system names the agent, the lease and the
 * report's id (`<run>-<seq>`) from the supervisor token, and queues the report for the metering
 * consumer, which applies each id once (economy/runs.ts).
 */
import { z } from 'zod';
import { reportRunUsage } from '../economy/runs.js';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { runOf } from './http/principal.js';
import { route } from './http/route.js';

const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const body = z.strictObject({ seq: z.number().int().min(1).max(1_000_000_000), cpuMicros: count, peakMemoryBytes: count, final: z.boolean().optional() });

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'supervisor', body, status: 202 }, async ({ principal, body }) => {
    await reportRunUsage(deps, runOf(principal), body);
    return { queued: true };
  });
}

export const handler = lazy(() => makeHandler(defaultDeps()));
