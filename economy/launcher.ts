/**
 * The launcher: after each round (and whenever a run exits), makes the running agents match the
 * leases. Runs whose leases are over are stopped first, so that a failure to start one agent never
 * keeps another running past its end; then renewals extend the runs they continue, and agents
 * whose lease has begun are started. Each agent is handled on its own: one failure (a quota, a
 * throttled API) is reported and the others go on.
 *
 * One run of an agent at a time, handed over whole: a new run starts only once the agent's previous
 * one is gone, not while it is still stopping (a Fargate task's supervisor saves the workspace as
 * it stops), so the new run begins from all the old one saved and nothing the old one uploads late
 * lands over the new one's. A renewal of another size on a runner that cannot resize therefore
 * stops the old run in one reconcile and starts the new one in a later one. Where runs finish after
 * `stop`, "gone" is what the credentials say, not the runner's list: the old run's credential
 * revoked (when its end is seen) or expired.
 *
 * A run's credential lives as long as the run: issued when it starts, extended with every renewal,
 * revoked when it exits. A run that dies before its lease ends (out of memory, a crash) closes the
 * lease, so its resources return to the market at the next round.
 */
import { activeLease, runEndsAt, type Lease } from './market.js';
import { CREDENTIAL_GRACE_MS } from './run-grace.js';
import type { Clock, LeaseBook, RunCredentials, RunExit, Runner, RunningAgent, RunTarget } from './ports.js';

export { CREDENTIAL_GRACE_MS } from './run-grace.js';

export interface LauncherDeps {
  leases: Pick<LeaseBook, 'activeLeases' | 'agentLeases' | 'closeLease'>;
  runner: Runner;
  clock: Clock;
  credentials: RunCredentials;
}

export interface RunPlan {
  /** Runs with no lease active now: over. */
  stop: RunningAgent[];
  /** Runs that a renewal continues (a later end, or the next lease of the chain now running). */
  extend: { run: RunningAgent; target: RunTarget }[];
  /**
   * Runs whose renewal has another size, on a runner that cannot resize: stopped now; the new run
   * starts once the old one is gone.
   */
  replace: { run: RunningAgent; target: RunTarget }[];
  /** Agents whose lease has begun and who are not running. */
  start: RunTarget[];
  /** Agents whose lease has begun and whose previous run is still stopping: started once it is gone. */
  wait: RunTarget[];
}

/** What to start, extend, replace and stop, from the leases live at `now` and the runs: no I/O. */
export function planRuns(leases: readonly Lease[], running: readonly RunningAgent[], now: number, resizable: boolean): RunPlan {
  const byAgent = new Map<string, Lease[]>();
  for (const lease of leases) byAgent.set(lease.agentId, [...(byAgent.get(lease.agentId) ?? []), lease]);
  // A run still stopping is left to finish: never stopped again, extended or replaced.
  const finishing = new Set(running.filter((r) => r.stopping).map((r) => r.agentId));
  const runs = new Map(running.filter((r) => !r.stopping).map((r) => [r.agentId, r]));
  const plan: RunPlan = { stop: [], extend: [], replace: [], start: [], wait: [] };
  for (const [agentId, agentLeases] of byAgent) {
    const current = activeLease(agentLeases, now);
    const endsAt = runEndsAt(agentLeases, now);
    if (!current || endsAt === undefined) continue; // only future leases: nothing to run yet
    const target: RunTarget = { agentId, leaseId: current.leaseId, bundle: current.bundle, endsAt };
    const run = runs.get(agentId);
    runs.delete(agentId);
    if (!run) (finishing.has(agentId) ? plan.wait : plan.start).push(target);
    else if (!resizable && (run.vcpu !== current.bundle.vcpu || run.memoryMiB !== current.bundle.memoryMiB)) plan.replace.push({ run, target });
    else if (run.endsAt !== endsAt || run.leaseId !== current.leaseId) plan.extend.push({ run, target });
  }
  plan.stop.push(...runs.values());
  return plan;
}

export interface Reconciled {
  started: string[];
  extended: string[];
  stopped: string[];
  /** Agents with a lease whose previous run is still stopping: they start at a later reconcile. */
  waiting: string[];
  /** Agents whose step failed, with why; the others were handled. */
  failed: { agentId: string; error: string }[];
  /** Agents holding a lease now (started or yet to start): what should be running. */
  leased: number;
  /** Runs the runner reported when the reconcile began. */
  running: number;
}

export async function reconcile(deps: LauncherDeps): Promise<Reconciled> {
  const now = deps.clock.now();
  const [leases, running] = await Promise.all([deps.leases.activeLeases(now), deps.runner.running()]);
  const plan = planRuns(leases, running, now, deps.runner.resizable);
  const result: Reconciled = {
    started: [],
    extended: [],
    stopped: [],
    waiting: plan.wait.map((t) => t.agentId),
    failed: [],
    leased: new Set(leases.map((l) => l.agentId)).size,
    running: running.length,
  };
  const each = async <T>(items: readonly T[], agentOf: (item: T) => string, step: (item: T) => Promise<void>, done: string[]) => {
    for (const item of items) {
      try {
        await step(item);
        done.push(agentOf(item));
      } catch (err) {
        result.failed.push({ agentId: agentOf(item), error: err instanceof Error ? err.message : String(err) });
      }
    }
  };
  // Expired runs first: nothing that fails below may keep one running past its end.
  await each(plan.stop, (r) => r.agentId, (run) => stopRun(deps, run), result.stopped);
  await each(plan.extend, (e) => e.run.agentId, (e) => extendRun(deps, e.run, e.target), result.extended);
  // Not started here: the new run waits until the old one is gone (see the top of this file).
  await each(plan.replace, (e) => e.run.agentId, (e) => stopRun(deps, e.run), result.stopped);
  // A runner whose runs finish after `stop` (a Fargate task saves its workspace as it stops): a run
  // is gone when its end is seen and its credential revoked (or expired), whatever the runner's
  // list says. ECS may list a task as stopped before its supervisor has finished (moto does at once).
  const start = deps.runner.finishesAfterStop ? await withoutLiveRuns(deps, plan.start, now, result) : plan.start;
  await each(start, (t) => t.agentId, (target) => startRun(deps, target), result.started);
  return result;
}

/** The targets whose agent has no live run; the others wait (or failed, if that could not be read). */
async function withoutLiveRuns(deps: LauncherDeps, targets: readonly RunTarget[], now: number, result: Reconciled): Promise<RunTarget[]> {
  const ready: RunTarget[] = [];
  for (const target of targets) {
    try {
      if ((await deps.credentials.liveRun(target.agentId, now)) === undefined) ready.push(target);
      else result.waiting.push(target.agentId);
    } catch (err) {
      result.failed.push({ agentId: target.agentId, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return ready;
}

async function stopRun(deps: LauncherDeps, run: RunningAgent): Promise<void> {
  await deps.runner.stop(run.agentId);
  // A run that finishes after `stop` needs its supervisor token for its last report and upload: it
  // is revoked when the run's end is seen (and expires in any case).
  if (!deps.runner.finishesAfterStop) await deps.credentials.revoke(run.agentId, run.runId);
}

async function startRun(deps: LauncherDeps, target: RunTarget): Promise<void> {
  const secrets = await deps.credentials.issue(target.agentId, target.endsAt + CREDENTIAL_GRACE_MS);
  try {
    await deps.runner.start({ ...target, ...secrets });
  } catch (err) {
    await deps.credentials.revoke(target.agentId, secrets.runId);
    throw err;
  }
}

async function extendRun(deps: LauncherDeps, run: RunningAgent, target: RunTarget): Promise<void> {
  // The credential first: the run must never outlive it.
  await deps.credentials.extend(run.agentId, run.runId, target.endsAt + CREDENTIAL_GRACE_MS);
  await deps.runner.extend({ ...target, runId: run.runId });
}

/**
 * At a run's end, asked by whoever keeps its clock: the renewal that continues it, if one has been
 * won by now, however late. Its credential is extended before it is returned; undefined means the
 * run is over.
 */
export async function continuation(
  deps: { leases: Pick<LeaseBook, 'agentLeases'>; clock: Clock; credentials: RunCredentials },
  run: Pick<RunningAgent, 'agentId' | 'runId' | 'endsAt'>,
): Promise<RunTarget | undefined> {
  const now = deps.clock.now();
  const leases = await deps.leases.agentLeases(run.agentId, now);
  const current = activeLease(leases, now);
  const endsAt = runEndsAt(leases, now);
  if (!current || endsAt === undefined || endsAt <= run.endsAt) return undefined;
  await deps.credentials.extend(run.agentId, run.runId, endsAt + CREDENTIAL_GRACE_MS);
  return { agentId: run.agentId, leaseId: current.leaseId, bundle: current.bundle, endsAt };
}

/**
 * A run exited: its credential stops working. One that died before its lease ended (out of
 * memory, a crash) closes the lease it was in, so its resources return to the market (a renewal
 * yet to start keeps its own). A run stopped by the host (the local stack shutting down) keeps its
 * lease, so the agent runs again when the stack does.
 */
export async function onRunExit(deps: Pick<LauncherDeps, 'leases' | 'credentials'>, exit: RunExit): Promise<void> {
  await deps.credentials.revoke(exit.agentId, exit.runId);
  if (exit.reason !== 'out-of-memory' && exit.reason !== 'crashed') return;
  const lease = activeLease(await deps.leases.agentLeases(exit.agentId, exit.at), exit.at);
  if (lease) await deps.leases.closeLease({ agentId: exit.agentId, leaseId: lease.leaseId, at: exit.at, reason: exit.reason });
}
