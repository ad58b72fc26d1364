/**
 * What a run's supervisor asks of the system, speaking for its run with the supervisor token (the
 * run is its identity; nothing in a request can name another agent or lease):
 * - the run's clock: when the run ends now, renewals included, its secrets extended to match;
 * - usage it measured from outside the agent, charged to the lease the run is in;
 * - short-lived access to its own agent's workspace, and no other.
 * Locally the runner is the supervisor and does these things itself; in AWS the supervisor runs in
 * the agent's task, beside the agent's process and out of its reach.
 */
import { NotFoundError, ValidationError } from './errors.js';
import { continuation } from './launcher.js';
import { activeLease, leaseEnd, runEndsAt, type Lease } from './market.js';
import { usageReportSchema } from './metering.js';
import type { Clock, LeaseBook, MeterQueue, RunCredentials, RunOf, WorkspaceAccess } from './ports.js';
import type { Bundle } from './resources.js';
import { assertWorkspacePath } from './society.js';

export interface RunDeps {
  leases: Pick<LeaseBook, 'agentLeases'>;
  credentials: RunCredentials;
  clock: Clock;
}

/** How long after its lease ends a run may still report usage for it (its last report, at exit). */
export const LATE_REPORT_MS = 10 * 60_000;

/** The most files one upload may name. */
export const MAX_UPLOAD_FILES = 1000;

export type RunClock = { runsUntil: number; leaseId: string; bundle: Bundle } | { runsUntil: null };

/**
 * When the run ends, as of now: `knownEndsAt` is the end its supervisor keeps. A renewal won since
 * moves it (and the run's secrets with it); `runsUntil: null` means the run is over.
 */
export async function runClock(deps: RunDeps, run: RunOf, knownEndsAt: number): Promise<RunClock> {
  const renewed = await continuation(deps, { ...run, endsAt: knownEndsAt });
  if (renewed) return { runsUntil: renewed.endsAt, leaseId: renewed.leaseId, bundle: renewed.bundle };
  const now = deps.clock.now();
  const leases = await deps.leases.agentLeases(run.agentId, now);
  const lease = activeLease(leases, now);
  const endsAt = runEndsAt(leases, now);
  return lease && endsAt !== undefined ? { runsUntil: endsAt, leaseId: lease.leaseId, bundle: lease.bundle } : { runsUntil: null };
}

/** What the supervisor measured since its previous report (`seq` numbers its reports, from 1). */
export interface Measured {
  seq: number;
  cpuMicros: number;
  peakMemoryBytes: number;
  final?: boolean;
}

/** Sends the run's measured usage to the metering queue, charged to the lease the run is in (or just ended). */
export async function reportRunUsage(deps: RunDeps & { meter: MeterQueue }, run: RunOf, measured: Measured): Promise<void> {
  const now = deps.clock.now();
  const leases = await deps.leases.agentLeases(run.agentId, now - LATE_REPORT_MS);
  const lease = activeLease(leases, now) ?? latestEnded(leases, now);
  if (!lease) throw new NotFoundError('lease', `of run ${run.runId}`);
  const report = usageReportSchema.safeParse({
    reportId: `${run.runId}-${measured.seq}`,
    agentId: run.agentId,
    leaseId: lease.leaseId,
    at: now,
    cpuMicros: measured.cpuMicros,
    llmTokens: 0, // counted where tokens are spent: the LLM gateway
    peakMemoryBytes: measured.peakMemoryBytes,
    ...(measured.final ? { final: true } : {}),
  });
  if (!report.success) throw new ValidationError(`not a usage report: ${report.error.issues.map((i) => i.message).join('; ')}`);
  await deps.meter.send(report.data);
}

function latestEnded(leases: readonly Lease[], now: number): Lease | undefined {
  return leases.filter((l) => leaseEnd(l) <= now).sort((a, b) => leaseEnd(b) - leaseEnd(a))[0];
}

/** URLs to read every file of the run's own workspace, or to write the named files. */
export async function workspaceUrls(
  deps: { workspaceAccess: WorkspaceAccess },
  run: RunOf,
  uploads?: readonly string[],
): Promise<{ downloads: { path: string; url: string }[] } | { uploads: { path: string; url: string }[] }> {
  if (uploads === undefined) return { downloads: await deps.workspaceAccess.downloads(run.agentId) };
  if (uploads.length > MAX_UPLOAD_FILES) throw new ValidationError(`at most ${MAX_UPLOAD_FILES} files at once`, { field: 'upload' });
  for (const path of uploads) assertWorkspacePath(path, 'upload');
  return { uploads: await deps.workspaceAccess.uploads(run.agentId, uploads) };
}
