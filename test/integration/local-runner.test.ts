/**
 * Real agent processes in their sandbox, under real limits: the local runner runs the bundled
 * agent runtime for leases won at auction; it measures their usage from outside and reports it
 * through SQS; it keeps the lease clock, so a renewal, even one won in the run's last second and
 * never reconciled, goes on in the same process with a credential that keeps working; at the end
 * it stops the run within 2 s, whatever the agent does, and the credential stops working; the
 * kernel kills a run that outgrows its memory and its lease closes.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRunner } from '../../adapters/local-runner/local-runner.js';
import { sandboxAvailability } from '../../adapters/local-runner/sandbox.js';
import { continuation, onRunExit, reconcile, type LauncherDeps } from '../../economy/launcher.js';
import type { RunExit } from '../../economy/ports.js';
import { makeHandler as makeMetering } from '../../lambdas/metering.js';
import { bundleRuntime, GENESIS_WORKSPACE } from '../../local/runtime-bundle.js';
import { startSqsConsumer, type SqsConsumer } from '../../local/sqs-consumer.js';
import { createQueueWithDlq, sqsClient, startSqs, type LocalSqs } from '../../local/sqs.js';
import { RealClock, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let sqs: LocalSqs;
let client: SQSClient;
let consumer: SqsConsumer;
let runner: LocalRunner;
let launcher: LauncherDeps;
const exits: RunExit[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'syntropism-runner-'));
chmodSync(dataDir, 0o700);

beforeAll(async () => {
  const socketPath = join(dataDir, 'api.sock');
  [stack, sqs] = await Promise.all([startTestStack({ ROUND_SECONDS: '1' }, new RealClock(), { socketPath }), startSqs()]);
  client = sqsClient(sqs.endpoint);
  const { queueUrl } = await createQueueWithDlq(client, 'metering', { maxReceiveCount: 3, visibilityTimeoutSeconds: 2 });
  consumer = startSqsConsumer({ client, queueUrl, handler: makeMetering(stack.deps), waitSeconds: 1 });
  runner = new LocalRunner({
    runtime: await bundleRuntime(join(dataDir, 'runtime')),
    workspaces: join(dataDir, 'workspaces'),
    logs: join(dataDir, 'logs'),
    seedWorkspace: GENESIS_WORKSPACE,
    api: { sandbox: true, socket: socketPath },
    meterMs: 1000,
    continuation: (run) => continuation(launcher, run),
    renewalGraceMs: HOLD_MS,
    onUsage: async (report) => {
      await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(report) }));
    },
    onExit: (exit) => {
      exits.push(exit);
      void onRunExit(launcher, exit);
    },
  });
  launcher = { leases: stack.deps.leases, runner, clock: stack.deps.clock, credentials: stack.deps.credentials };
});

afterAll(async () => {
  await runner.stopAll();
  await consumer.stop();
  client.destroy();
  await Promise.all([stack.close(), sqs.stop()]);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** How long a run without a renewal is held past its end here (economy/run-grace.ts: 10 s by default). */
const HOLD_MS = 3000;

/** The states (/proc's third field: R, S, T…) of the run's processes inside its sandbox. */
function sandboxStates(pid: number): string[] {
  const children = (p: number): number[] => {
    try {
      return readdirSync(`/proc/${p}/task`).flatMap((t) => readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
    } catch {
      return [];
    }
  };
  const all = (p: number): number[] => children(p).flatMap((c) => [c, ...all(c)]);
  return all(pid)
    .map((p) => {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'bwrap' ? '' : stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      } catch {
        return '';
      }
    })
    .filter(Boolean);
}

/** Waits for the next whole second, so the oracle sees a new schedule tick. */
const nextTick = () => sleep(1000 - (Date.now() % 1000) + 20);

async function until<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** An agent with the given code in its workspace, bidding for a lease of `bundle`. */
async function agentWith(code: string, bundle: { vcpu: number; memoryMiB: number; durationSeconds: number }) {
  const agent = await stack.api.createAgent(100_000_000);
  const workspace = runner.workspaceOf(agent.agentId);
  mkdirSync(workspace, { recursive: true });
  writeFileSync(join(workspace, 'agent.mjs'), code);
  const bid = () => stack.api.call('POST', '/bids', { token: agent.credential, body: { bundle: { tokens: 0, attention: 0, ...bundle }, amount: 50_000_000 } });
  const state = () => JSON.parse(readFileSync(join(workspace, 'state.json'), 'utf8'));
  return { ...agent, workspace, bid, state };
}

async function round(options: { launch?: boolean } = {}) {
  await nextTick();
  const report = await stack.oracle();
  expect(report.ran).toBe(true);
  return options.launch === false ? undefined : reconcile(launcher);
}

/** Works a little, and keeps the run's credential and every status the API answered it with. */
const WORKER = `
export async function step(ctx) {
  ctx.state.credential = process.env.SYNTROPISM_CREDENTIAL;
  const res = await fetch(process.env.SYNTROPISM_API_URL + '/me', { headers: { authorization: 'Bearer ' + process.env.SYNTROPISM_CREDENTIAL } });
  ctx.state.statuses = { ...ctx.state.statuses, [res.status]: (ctx.state.statuses?.[res.status] ?? 0) + 1 };
  let x = 0;
  for (let i = 0; i < 3e6; i += 1) x += i % 7;
  ctx.state.last = x;
  await ctx.sleep(100);
}`;

const me = (credential: string) => stack.api.call('GET', '/me', { token: credential });

describe('the local runner', () => {
  it('runs agents in a sandbox, under a real limiter', () => {
    expect(sandboxAvailability()).toEqual({ available: true });
    expect(['cgroup-v2', 'cgroup-v1', 'prlimit']).toContain(runner.limiter);
  });

  it('runs a winner for its lease, measures its usage from outside, and stops it within 2 s of the end of its hold for a renewal', async () => {
    // A quarter vCPU makes even Node's start-up slow: give it long enough to report twice.
    const agent = await agentWith(WORKER, { vcpu: 0.25, memoryMiB: 512, durationSeconds: 6 });
    expect((await agent.bid()).status).toBe(201);
    const launched = await round();
    expect(launched?.started).toEqual([agent.agentId]);
    const lease = (await me(agent.credential)).body.lease;
    expect(runner.pid(agent.agentId)).toBeGreaterThan(0);

    const exit = await until(() => exits.find((e) => e.agentId === agent.agentId), 'the run to end');
    expect(exit.reason).toBe('lease-ended');
    const endsAt = Number(lease.endsAt);
    expect(exit.at).toBeGreaterThanOrEqual(endsAt + HOLD_MS);
    expect(exit.at).toBeLessThan(endsAt + HOLD_MS + 2000);
    expect(runner.pid(agent.agentId)).toBeUndefined();
    // The runtime itself heard SIGTERM (not only bwrap, which passes no signal on) and finished its step.
    expect(readFileSync(join(dataDir, 'logs', `${agent.agentId}.log`), 'utf8')).toContain('SIGTERM: finishing the current step');

    const state = agent.state();
    expect(state.statuses).toEqual({ 200: expect.any(Number) });
    // The run's credential worked while it ran, and stops working when it ends.
    await until(async () => (await me(state.credential)).status === 401, 'the run credential to stop working', 5000);
    const usage = await until(async () => {
      const u = await stack.deps.usage.get(agent.agentId, lease.leaseId);
      return u?.final ? u : undefined;
    }, 'the final usage report');
    expect(usage.reports).toBeGreaterThanOrEqual(2);
    expect(usage.cpuMicros).toBeGreaterThan(100_000);
    expect(usage.peakMemoryBytes).toBeGreaterThan(10 * 1024 * 1024);
  });

  it('kills every process of a run that ignores SIGTERM within 2 s of the end of its hold', async () => {
    const marker = String(900_000 + Math.floor(Math.random() * 99_999));
    const stubborn = await agentWith(
      `import { spawn } from 'node:child_process';
       export async function step(ctx) {
         spawn('sleep', ['${marker}'], { detached: true, stdio: 'ignore' }).unref();
         for (;;) {} // never yields: SIGTERM cannot be heard
       }`,
      { vcpu: 0.25, memoryMiB: 512, durationSeconds: 4 },
    );
    expect((await stubborn.bid()).status).toBe(201);
    expect((await round())?.started).toEqual([stubborn.agentId]);
    const lease = (await me(stubborn.credential)).body.lease;
    const exit = await until(() => exits.find((e) => e.agentId === stubborn.agentId), 'the stubborn run to end');
    expect(exit.reason).toBe('lease-ended');
    expect(exit.at).toBeLessThan(Number(lease.endsAt) + HOLD_MS + 2000);
    const { execSync } = await import('node:child_process');
    expect(execSync(`ps -eo args | grep -c "^sleep ${marker}$" || true`).toString().trim()).toBe('0');
  });

  it('lets the kernel kill a run that outgrows its memory, and closes its lease', async () => {
    const hog = await agentWith(
      `const kept = [];
       export async function step(ctx) { kept.push(Buffer.alloc(32 * 1024 * 1024, 1)); await ctx.sleep(20); }`,
      { vcpu: 0.25, memoryMiB: 512, durationSeconds: 30 },
    );
    expect((await hog.bid()).status).toBe(201);
    expect((await round())?.started).toEqual([hog.agentId]);
    const lease = (await me(hog.credential)).body.lease;
    const exit = await until(() => exits.find((e) => e.agentId === hog.agentId), 'the hog to die', 20_000);
    expect(exit.reason, exit.detail).toBe(runner.limiter === 'prlimit' ? 'crashed' : 'out-of-memory');
    expect(exit.at).toBeLessThan(Number(lease.endsAt) - 10_000);
    const closed = await until(async () => {
      const leases = await stack.deps.leases.agentLeases(hog.agentId, 0);
      return leases.find((l) => l.leaseId === lease.leaseId && l.closedAt);
    }, 'the lease to close');
    expect(closed.closeReason).toBe(exit.reason);
    // Closed, it no longer counts as the agent's lease, nor against supply.
    expect((await me(hog.credential)).body.lease).toBeNull();
    expect((await stack.deps.leases.activeLeases(Date.now())).some((l) => l.leaseId === lease.leaseId)).toBe(false);
  });

  it('keeps the same process and credential through renewals, even one won in the last second and never reconciled', async () => {
    const agent = await agentWith(WORKER, { vcpu: 0.25, memoryMiB: 512, durationSeconds: 4 });
    expect((await agent.bid()).status).toBe(201);
    expect((await round())?.started).toEqual([agent.agentId]);
    const pid = runner.pid(agent.agentId);
    const first = (await me(agent.credential)).body.lease;

    // A renewal the launcher extends after the round.
    expect((await agent.bid()).status).toBe(201);
    expect((await round())?.extended).toEqual([agent.agentId]);
    const second = Number(first.endsAt) + 4000;
    expect((await me(agent.credential)).body.runsUntil).toBe(second);

    // A renewal won in the run's last second, whose round never reaches the launcher: the runner
    // finds it at the end by itself.
    expect((await agent.bid()).status).toBe(201);
    await sleep(second - Date.now() - 1500);
    await round({ launch: false });
    expect(second - Date.now()).toBeLessThan(1000);
    expect((await me(agent.credential)).body.runsUntil).toBe(second + 4000);

    await sleep(second - Date.now() + 800);
    expect(runner.pid(agent.agentId)).toBe(pid);
    expect(exits.find((e) => e.agentId === agent.agentId)).toBeUndefined();

    const exit = await until(() => exits.find((e) => e.agentId === agent.agentId), 'the renewed run to end');
    expect(exit.reason).toBe('lease-ended');
    expect(exit.at).toBeGreaterThanOrEqual(second + 4000);
    expect(exit.at).toBeLessThan(second + 4000 + HOLD_MS + 2000);
    // Never refused while it ran, across both renewals.
    expect(agent.state().statuses).toEqual({ 200: expect.any(Number) });
  });

  it('holds a run past its end, frozen, for the round at that boundary, and goes on in the same process when that round renews it', async () => {
    const agent = await agentWith(WORKER, { vcpu: 0.25, memoryMiB: 512, durationSeconds: 4 });
    expect((await agent.bid()).status).toBe(201);
    expect((await round())?.started).toEqual([agent.agentId]);
    const pid = runner.pid(agent.agentId)!;
    const endsAt = Number((await me(agent.credential)).body.lease.endsAt);
    expect((await agent.bid()).status).toBe(201);

    // Past the end, no round yet: the run is held, every process of it stopped (T), and it says nothing.
    await sleep(endsAt - Date.now() + 1200);
    expect(runner.pid(agent.agentId)).toBe(pid);
    const held = sandboxStates(pid);
    expect(held.length).toBeGreaterThan(0);
    expect(held.every((state) => state === 'T'), held.join(',')).toBe(true);
    const heard = agent.state().statuses[200];

    // The round at the boundary, late: it renews the run, which goes on in the same process.
    await round({ launch: false });
    const renewedUntil = Number((await me(agent.credential)).body.runsUntil);
    expect(renewedUntil).toBeGreaterThan(endsAt);
    await until(() => sandboxStates(pid).some((state) => state !== 'T'), 'the run to go on', 3000);
    await until(() => agent.state().statuses[200] > heard, 'the renewed run to call the API again', 10_000);
    expect(runner.pid(agent.agentId)).toBe(pid);
    expect(exits.find((e) => e.agentId === agent.agentId)).toBeUndefined();

    const exit = await until(() => exits.find((e) => e.agentId === agent.agentId), 'the renewed run to end');
    expect(exit.reason).toBe('lease-ended');
    expect(exit.at).toBeGreaterThanOrEqual(renewedUntil + HOLD_MS);
    expect(agent.state().statuses).toEqual({ 200: expect.any(Number) });
  });

  it('closes the lease of a run that crashes, and revokes its credential at once', async () => {
    const crasher = await agentWith(
      `export async function step(ctx) {
         ctx.state.credential = process.env.SYNTROPISM_CREDENTIAL;
         ctx.state.steps = (ctx.state.steps ?? 0) + 1;
         if (ctx.state.steps > 3) process.exit(3);
         await ctx.sleep(100);
       }`,
      { vcpu: 0.25, memoryMiB: 512, durationSeconds: 30 },
    );
    expect((await crasher.bid()).status).toBe(201);
    expect((await round())?.started).toEqual([crasher.agentId]);
    const exit = await until(() => exits.find((e) => e.agentId === crasher.agentId), 'the crash');
    expect(exit.reason).toBe('crashed');
    await until(async () => (await stack.deps.leases.agentLeases(crasher.agentId, Date.now())).length === 0, 'the lease to close');
    await until(async () => (await me(crasher.state().credential)).status === 401, 'the credential to be revoked', 5000);
  });
});
