/**
 * The launcher's decisions and a run credential's life: issued when a run starts, extended with
 * each renewal (however late: at the run's end too), revoked when the run ends or is replaced.
 * Expired runs are stopped before anything else, and one agent's failure never stops the others.
 * An agent's new run starts only once its previous one is gone (a resize hands the workspace over).
 */
import { describe, expect, it } from 'vitest';
import { continuation, CREDENTIAL_GRACE_MS, onRunExit, planRuns, reconcile, type LauncherDeps } from '../../economy/launcher.js';
import type { Lease } from '../../economy/market.js';
import type { Runner, RunningAgent, RunSpec, RunTarget } from '../../economy/ports.js';
import { MemoryRunCredentials } from '../support/run-credentials.js';

const T = 10_000_000;

const lease = (agentId: string, id: string, startsAt: number, seconds = 60, memoryMiB = 512): Lease => ({
  leaseId: id,
  agentId,
  bidId: id,
  payerId: agentId,
  bundle: { vcpu: 0.25, memoryMiB, tokens: 0, attention: 0, durationSeconds: seconds },
  round: 1,
  startsAt,
  endsAt: startsAt + seconds * 1000,
  payment: 1,
});

/**
 * A runner that keeps its runs in memory and can be told to fail for one agent. One whose runs
 * finish after `stop` (as Fargate tasks do) keeps a stopped run as `stopping` until `finish`.
 */
class FakeRunner implements Runner {
  readonly runs = new Map<string, RunningAgent & { credential?: string }>();
  readonly log: string[] = [];
  failFor = new Set<string>();
  constructor(
    readonly resizable = true,
    readonly finishesAfterStop = false,
  ) {}
  start(spec: RunSpec): Promise<void> {
    if (this.failFor.has(spec.agentId)) return Promise.reject(new Error('quota'));
    this.log.push(`start ${spec.agentId}`);
    this.runs.set(spec.agentId, { agentId: spec.agentId, runId: spec.runId, leaseId: spec.leaseId, endsAt: spec.endsAt, vcpu: spec.bundle.vcpu, memoryMiB: spec.bundle.memoryMiB, credential: spec.credential });
    return Promise.resolve();
  }
  extend(spec: RunTarget & { runId: string }): Promise<void> {
    this.log.push(`extend ${spec.agentId}`);
    const run = this.runs.get(spec.agentId)!;
    this.runs.set(spec.agentId, { ...run, leaseId: spec.leaseId, endsAt: spec.endsAt, vcpu: spec.bundle.vcpu, memoryMiB: spec.bundle.memoryMiB });
    return Promise.resolve();
  }
  stop(agentId: string): Promise<void> {
    this.log.push(`stop ${agentId}`);
    const run = this.runs.get(agentId);
    if (run && this.finishesAfterStop) this.runs.set(agentId, { ...run, stopping: true });
    else this.runs.delete(agentId);
    return Promise.resolve();
  }
  /** A stopping run has saved its workspace and is gone. */
  finish(agentId: string): void {
    if (this.runs.get(agentId)?.stopping) this.runs.delete(agentId);
  }
  running(): Promise<RunningAgent[]> {
    return Promise.resolve([...this.runs.values()].map(({ credential: _c, ...r }) => r));
  }
}

function world(leases: Lease[], now: { t: number }, runner = new FakeRunner()) {
  const credentials = new MemoryRunCredentials();
  const closed: string[] = [];
  const live = () => leases.filter((l) => (l.closedAt ?? l.endsAt) > now.t);
  const deps: LauncherDeps = {
    leases: {
      activeLeases: () => Promise.resolve(live()),
      agentLeases: (agentId: string) => Promise.resolve(live().filter((l) => l.agentId === agentId)),
      closeLease: (req: { agentId: string; leaseId: string; at: number; reason: string }) => {
        closed.push(req.leaseId);
        const l = leases.find((x) => x.leaseId === req.leaseId)!;
        l.closedAt = req.at;
        return Promise.resolve(l);
      },
    },
    runner,
    clock: { now: () => now.t },
    credentials,
  };
  return { deps, runner, credentials, closed };
}

describe('planning runs', () => {
  it('starts, extends, replaces and stops as the leases say', () => {
    const running: RunningAgent[] = [
      { agentId: 'renewing', runId: 'r1', leaseId: 'r-1', endsAt: T + 5_000, vcpu: 0.25, memoryMiB: 512 },
      { agentId: 'growing', runId: 'r2', leaseId: 'g-1', endsAt: T + 5_000, vcpu: 0.25, memoryMiB: 512 },
      { agentId: 'over', runId: 'r3', leaseId: 'o-1', endsAt: T - 1, vcpu: 0.25, memoryMiB: 512 },
    ];
    const leases = [
      lease('renewing', 'r-1', T - 55_000),
      lease('renewing', 'r-2', T + 5_000),
      lease('growing', 'g-2', T - 1_000, 60, 1024),
      lease('new', 'n-1', T - 10),
      lease('later', 'l-1', T + 30_000),
    ];
    const plan = planRuns(leases, running, T, false);
    expect(plan.stop.map((r) => r.agentId)).toEqual(['over']);
    expect(plan.extend).toEqual([{ run: running[0], target: { agentId: 'renewing', leaseId: 'r-1', bundle: leases[0]!.bundle, endsAt: T + 65_000 } }]);
    expect(plan.replace.map((r) => r.target.leaseId)).toEqual(['g-2']);
    expect(plan.start.map((t) => t.agentId)).toEqual(['new']);
    // A runner that can resize extends the growing run instead.
    expect(planRuns(leases, running, T, true).extend.map((e) => e.run.agentId)).toEqual(['renewing', 'growing']);
  });
});

describe('a run credential', () => {
  it('lives as long as the run, through every renewal, and stops when the run ends', async () => {
    const now = { t: T };
    const leases = [lease('a', 'l1', T, 10)];
    const { deps, runner, credentials } = world(leases, now);
    await reconcile(deps);
    const credential = runner.runs.get('a')!.credential!;
    const renewals = 40;
    for (let i = 1; i <= renewals; i += 1) {
      // Each renewal is won a little before the end; the credential must work right up to the next end.
      leases.push(lease('a', `l${i + 1}`, T + i * 10_000, 10));
      now.t = T + i * 10_000 - 500;
      await reconcile(deps);
      for (const t of [now.t, T + i * 10_000, T + (i + 1) * 10_000 - 1]) expect(credentials.valid(credential, t)).toBe(true);
    }
    const end = T + (renewals + 1) * 10_000;
    expect(credentials.valid(credential, end + CREDENTIAL_GRACE_MS + 1)).toBe(false);
    now.t = end + 1;
    await reconcile(deps);
    expect(runner.log.filter((l) => l === 'start a')).toHaveLength(1);
    expect(credentials.valid(credential, now.t)).toBe(false); // revoked when stopped
  });

  it('is extended at the end when a renewal was won in the last moment, without a round in between', async () => {
    const now = { t: T };
    const leases = [lease('a', 'l1', T, 10)];
    const { deps, runner, credentials } = world(leases, now);
    await reconcile(deps);
    const run = (await runner.running())[0]!;
    leases.push(lease('a', 'l2', T + 10_000, 10));
    now.t = T + 10_000; // the run's end: whoever keeps the clock asks
    expect(await continuation(deps, run)).toEqual({ agentId: 'a', leaseId: 'l2', bundle: leases[1]!.bundle, endsAt: T + 20_000 });
    expect(credentials.valid(runner.runs.get('a')!.credential!, T + 19_999)).toBe(true);
    now.t = T + 20_000;
    expect(await continuation(deps, { ...run, endsAt: T + 20_000 })).toBeUndefined();
  });

  it('is revoked when its run exits, and a crash closes the lease it was in, not its renewal', async () => {
    const now = { t: T };
    const leases = [lease('a', 'l1', T, 10), lease('a', 'l2', T + 10_000, 10)];
    const { deps, runner, credentials, closed } = world(leases, now);
    await reconcile(deps);
    const run = runner.runs.get('a')!;
    now.t = T + 12_000;
    await onRunExit(deps, { agentId: 'a', runId: run.runId, leaseId: 'l1', at: now.t, reason: 'crashed' });
    expect(closed).toEqual(['l2']);
    expect(credentials.valid(run.credential!, now.t)).toBe(false);
    // A run stopped by the host keeps its lease but not its credential.
    leases.push(lease('b', 'b1', T + 12_000, 10));
    await reconcile(deps);
    const b = runner.runs.get('b')!;
    await onRunExit(deps, { agentId: 'b', runId: b.runId, leaseId: 'b1', at: now.t, reason: 'stopped' });
    expect(closed).toEqual(['l2']);
    expect(credentials.valid(b.credential!, now.t)).toBe(false);
  });
});

describe('reconciling', () => {
  it('stops expired runs first, and one failure stops no other agent', async () => {
    const now = { t: T };
    const leases = [lease('old', 'o1', T - 60_000, 60), lease('x', 'x1', T, 60), lease('y', 'y1', T, 60)];
    const runner = new FakeRunner();
    const { deps, credentials } = world(leases, now, runner);
    now.t = T - 30_000;
    await reconcile(deps);
    now.t = T + 1;
    runner.failFor.add('x');
    runner.log.length = 0;
    const result = await reconcile(deps);
    expect(runner.log[0]).toBe('stop old');
    expect(result).toEqual({ stopped: ['old'], extended: [], started: ['y'], waiting: [], failed: [{ agentId: 'x', error: 'quota' }], leased: 2, running: 1 });
    // The failed start leaves no credential behind.
    expect(credentials.runs.has('x')).toBe(false);
    runner.failFor.clear();
    expect((await reconcile(deps)).started).toEqual(['x']);
  });

  it('hands a resized run over whole: the new run starts only once the old one has finished stopping', async () => {
    const now = { t: T };
    const leases = [lease('a', 'a1', T, 60, 512)];
    const runner = new FakeRunner(false, true); // as Fargate: no resizing; a stopped task still saves the workspace
    const { deps, credentials } = world(leases, now, runner);
    await reconcile(deps);
    const old = runner.runs.get('a')!;
    // A renewal of another size, running from the old lease's end.
    leases.push(lease('a', 'a2', T + 60_000, 60, 1024));
    now.t = T + 60_000;
    runner.log.length = 0;
    expect(await reconcile(deps)).toEqual({ stopped: ['a'], extended: [], started: [], waiting: [], failed: [], leased: 1, running: 1 });
    expect(runner.log).toEqual(['stop a']);
    // The old run's secrets stay while it saves the workspace: revoked when its end is seen.
    expect(credentials.valid(old.credential!, now.t)).toBe(true);
    // Still stopping at the next reconcile: the agent waits, its old run is left alone.
    now.t += 5_000;
    expect(await reconcile(deps)).toEqual({ stopped: [], extended: [], started: [], waiting: ['a'], failed: [], leased: 1, running: 1 });
    expect(runner.log).toEqual(['stop a']);
    // Gone from the runner's list, but its end not seen yet: still waiting (ECS may list a task as
    // stopped before its supervisor has finished; moto does at once).
    runner.finish('a');
    expect(await reconcile(deps)).toMatchObject({ started: [], waiting: ['a'] });
    // Its end seen (the task-stopped event revokes the run): the new run starts, at the new size, with new secrets.
    await credentials.revoke('a', old.runId);
    expect((await reconcile(deps)).started).toEqual(['a']);
    expect(runner.runs.get('a')).toMatchObject({ leaseId: 'a2', memoryMiB: 1024, vcpu: 0.25 });
    expect(runner.runs.get('a')!.runId).not.toBe(old.runId);
    expect(credentials.valid(old.credential!, now.t)).toBe(false);
  });

  it('waits for a run that stopped at its end before starting the next, won after it', async () => {
    const now = { t: T };
    const leases = [lease('a', 'a1', T, 60)];
    const runner = new FakeRunner(false, true);
    const { deps, credentials } = world(leases, now, runner);
    await reconcile(deps);
    const first = runner.runs.get('a')!;
    // Its supervisor stopped it at the end and is saving the workspace when a later lease begins.
    runner.runs.set('a', { ...first, stopping: true });
    leases.push(lease('a', 'a2', T + 70_000, 60));
    now.t = T + 70_000;
    expect(await reconcile(deps)).toMatchObject({ started: [], stopped: [], waiting: ['a'] });
    runner.finish('a');
    await credentials.revoke('a', first.runId);
    expect(await reconcile(deps)).toMatchObject({ started: ['a'], waiting: [] });
  });

  it('takes a run whose end was never seen as gone once its credential has expired', async () => {
    const now = { t: T };
    const leases = [lease('a', 'a1', T, 60)];
    const runner = new FakeRunner(false, true);
    const { deps } = world(leases, now, runner);
    await reconcile(deps);
    // The task is gone from ECS's list, and its stopped event was lost: no revocation.
    runner.runs.delete('a');
    leases.push(lease('a', 'a2', T + 61_000, 60));
    now.t = T + 61_000;
    expect(await reconcile(deps)).toMatchObject({ started: [], waiting: ['a'] });
    now.t = T + 60_000 + CREDENTIAL_GRACE_MS;
    expect(await reconcile(deps)).toMatchObject({ started: ['a'], waiting: [] });
  });
});
