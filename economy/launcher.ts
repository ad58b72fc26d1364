/**
 * The launcher: after each round (and whenever a run exits), makes the running agents match the
 * leases. An agent whose lease covers now is started if it is not running, or extended if a
 * renewal moved its end; a running agent without a lease is stopped. A run that dies before its
 * lease ends closes that lease, so its resources return to the market at the next round.
 */
import { leaseEnd, runEndsAt, type Lease } from './market.js';
import type { BidBook, Clock, RunExit, Runner } from './ports.js';

export interface LauncherDeps {
  bids: BidBook;
  runner: Runner;
  clock: Clock;
  /** A fresh credential for one run, valid until `expiresAt`. */
  issueRunCredential(agentId: string, expiresAt: number): Promise<string>;
}

export interface Reconciled {
  started: string[];
  extended: string[];
  stopped: string[];
}

export async function reconcile(deps: LauncherDeps): Promise<Reconciled> {
  const now = deps.clock.now();
  const [leases, running] = await Promise.all([deps.bids.activeLeases(now), deps.runner.running()]);
  const byAgent = new Map<string, Lease[]>();
  for (const lease of leases) byAgent.set(lease.agentId, [...(byAgent.get(lease.agentId) ?? []), lease]);
  const runs = new Map(running.map((r) => [r.agentId, r]));
  const result: Reconciled = { started: [], extended: [], stopped: [] };

  for (const [agentId, agentLeases] of byAgent) {
    const current = agentLeases.find((l) => l.startsAt <= now && now < leaseEnd(l));
    const endsAt = runEndsAt(agentLeases, now);
    if (!current || endsAt === undefined) continue; // only future leases: nothing to run yet
    const run = runs.get(agentId);
    const spec = { agentId, leaseId: current.leaseId, bundle: current.bundle, endsAt };
    const resized = run !== undefined && (run.vcpu !== current.bundle.vcpu || run.memoryMiB !== current.bundle.memoryMiB);
    if (run && resized && !deps.runner.resizable) {
      // A renewal of another size on a runner that cannot resize: a new run under the new limits.
      await deps.runner.stop(agentId);
      await deps.runner.start({ ...spec, credential: await deps.issueRunCredential(agentId, endsAt) });
      result.started.push(agentId);
    } else if (!run) {
      await deps.runner.start({ ...spec, credential: await deps.issueRunCredential(agentId, endsAt) });
      result.started.push(agentId);
    } else if (run.endsAt !== endsAt || run.leaseId !== current.leaseId) {
      await deps.runner.extend(spec);
      result.extended.push(agentId);
    }
    runs.delete(agentId);
  }
  for (const agentId of runs.keys()) {
    await deps.runner.stop(agentId);
    result.stopped.push(agentId);
  }
  return result;
}

/**
 * A run that died before its lease ended (out of memory, a crash) closes the lease: the agent no
 * longer holds its resources. A run stopped by the host (the local stack shutting down) keeps its
 * lease, so the agent runs again when the stack does.
 */
export async function onRunExit(deps: Pick<LauncherDeps, 'bids'>, exit: RunExit): Promise<void> {
  if (exit.reason !== 'out-of-memory' && exit.reason !== 'crashed') return;
  await deps.bids.closeLease({ agentId: exit.agentId, leaseId: exit.leaseId, at: exit.at, reason: exit.reason });
}
