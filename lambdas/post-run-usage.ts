/**
 * POST /run/usage {seq, cpuMicros, peakMemoryBytes, final?}: a run's supervisor reports what it
 * measured of its run since its previous report. The system names the agent, the lease and the
 * report's id (`<run>-<seq>`) from the supervisor token, and queues the report for the metering
 * consumer, which applies each id once (economy/runs.ts).
 */
import type { MeterQueue } from '../economy/ports.js';
import * as z from 'zod/mini';
import { reportRunUsage, type RunDeps } from '../economy/runs.js';
import { leasesOf, runCredentialsOf, supervisorCallerOf } from '../wiring/dynamodb.js';
import { meterOf } from '../wiring/aws.js';
import { deployed } from '../wiring/base.js';
import { ROUTES } from './routes.js';
import { runOf } from './http/principal.js';
import { integer } from './http/schemas.js';
import { route, type SupervisorAuth } from './http/route.js';

const count = integer(0);
const body = z.strictObject({ seq: integer(1, 1_000_000_000), cpuMicros: count, peakMemoryBytes: count, final: z.optional(z.boolean()) });

export function makeHandler(deps: RunDeps & { meter: MeterQueue } & SupervisorAuth) {
  return route(ROUTES['POST /run/usage'], deps.supervisorCaller, { body, status: 202 }, async ({ principal, body }) => {
    await reportRunUsage(deps, runOf(principal), body);
    return { queued: true };
  });
}

export const handler = deployed((b) => makeHandler({ leases: leasesOf(b), credentials: runCredentialsOf(b), clock: b.clock, meter: meterOf(b), supervisorCaller: supervisorCallerOf(b) }));
