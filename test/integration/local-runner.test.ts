/**
 * Real agent processes under real limits: the local runner runs the bundled agent runtime for
 * leases won at auction, meters their usage through SQS, stops them at the lease's end, lets the
 * kernel kill one that outgrows its memory (and closes its lease), and keeps a renewed run alive.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onRunExit, reconcile } from '../../economy/launcher.js';
import type { RunExit } from '../../economy/ports.js';
import { LocalRunner } from '../../adapters/local-runner/local-runner.js';
import { credentialHash, newCredential } from '../../lambdas/http/auth.js';
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
const exits: RunExit[] = [];
const dataDir = join(tmpdir(), `syntropism-runner-${process.pid}-${Date.now()}`);

beforeAll(async () => {
  [stack, sqs] = await Promise.all([startTestStack({ ROUND_SECONDS: '1' }, new RealClock()), startSqs()]);
  client = sqsClient(sqs.endpoint);
  const { queueUrl } = await createQueueWithDlq(client, 'metering', { maxReceiveCount: 3, visibilityTimeoutSeconds: 2 });
  consumer = startSqsConsumer({ client, queueUrl, handler: makeMetering(stack.deps), waitSeconds: 1 });
  runner = new LocalRunner({
    runtime: await bundleRuntime(join(dataDir, 'runtime')),
    dataDir,
    seedWorkspace: GENESIS_WORKSPACE,
    graceMs: 1000,
    env: {
      SYNTROPISM_API_URL: stack.gateway.url,
      METERING_QUEUE_URL: queueUrl,
      SYNTROPISM_METER_SECONDS: '1',
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    onExit: (exit) => {
      exits.push(exit);
      void onRunExit(stack.deps, exit);
    },
  });
});

afterAll(async () => {
  await runner.stopAll();
  await consumer.stop();
  client.destroy();
  await Promise.all([stack.close(), sqs.stop()]);
});

const launcher = () => ({
  bids: stack.deps.bids,
  runner,
  clock: stack.deps.clock,
  issueRunCredential: async (agentId: string, expiresAt: number) => {
    const credential = newCredential();
    await stack.deps.agents.addRunCredential({ agentId, credentialHash: credentialHash(credential), expiresAt: expiresAt + 60_000 });
    return credential;
  },
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for the next whole second, so the oracle sees a new schedule tick. */
const nextTick = () => sleep(1000 - (Date.now() % 1000) + 20);

async function until<T>(check: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
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
  return { ...agent, workspace, bid };
}

async function round() {
  await nextTick();
  const report = await stack.oracle();
  expect(report.ran).toBe(true);
  return reconcile(launcher());
}

const WORKER = `
export async function step(ctx) {
  ctx.state.steps = (ctx.state.steps ?? 0) + 1;
  let x = 0;
  for (let i = 0; i < 3e6; i += 1) x += i % 7;
  ctx.state.last = x;
  await ctx.sleep(50);
}`;

describe('the local runner', () => {
  it('confines agents with a real limiter and reports which', () => {
    expect(['cgroup-v2', 'cgroup-v1', 'prlimit']).toContain(runner.limiter);
  });

  it('runs a winner for its lease, meters its usage, and stops it at the end', async () => {
    // A quarter vCPU makes even Node's start-up slow: give it long enough to report twice.
    const agent = await agentWith(WORKER, { vcpu: 0.25, memoryMiB: 512, durationSeconds: 6 });
    expect((await agent.bid()).status).toBe(201);
    const launched = await round();
    expect(launched.started).toEqual([agent.agentId]);
    const lease = (await stack.api.call('GET', '/me', { token: agent.credential })).body.lease;
    expect(runner.pid(agent.agentId)).toBeGreaterThan(0);

    const exit = await until(() => exits.find((e) => e.agentId === agent.agentId), 'the run to end');
    expect(exit.reason).toBe('lease-ended');
    const endsAt = Number(lease.endsAt);
    expect(exit.at).toBeGreaterThanOrEqual(endsAt - 1500);
    expect(exit.at).toBeLessThan(endsAt + 1500);
    expect(runner.pid(agent.agentId)).toBeUndefined();

    const state = JSON.parse(readFileSync(join(agent.workspace, 'state.json'), 'utf8'));
    expect(state.steps).toBeGreaterThan(0);
    const usage = await until(async () => {
      const u = await stack.deps.usage.get(agent.agentId, lease.leaseId);
      return u?.final ? u : undefined;
    }, 'the final usage report');
    expect(usage.reports).toBeGreaterThanOrEqual(2);
    expect(usage.cpuMicros).toBeGreaterThan(100_000);
    expect(usage.peakMemoryBytes).toBeGreaterThan(10 * 1024 * 1024);
  });

  it('lets the kernel kill a run that outgrows its memory, and closes its lease', async () => {
    const hog = await agentWith(
      `const kept = [];
       export async function step(ctx) { kept.push(Buffer.alloc(32 * 1024 * 1024, 1)); await ctx.sleep(20); }`,
      { vcpu: 0.25, memoryMiB: 512, durationSeconds: 30 },
    );
    expect((await hog.bid()).status).toBe(201);
    expect((await round()).started).toEqual([hog.agentId]);
    const lease = (await stack.api.call('GET', '/me', { token: hog.credential })).body.lease;
    const exit = await until(() => exits.find((e) => e.agentId === hog.agentId), 'the hog to die', 20_000);
    expect(exit.reason, exit.detail).toBe(runner.limiter === 'prlimit' ? 'crashed' : 'out-of-memory');
    expect(exit.at).toBeLessThan(Number(lease.endsAt) - 10_000);
    const closed = await until(async () => {
      const leases = await stack.deps.bids.agentLeases(hog.agentId, 0);
      return leases.find((l) => l.leaseId === lease.leaseId && l.closedAt);
    }, 'the lease to close');
    expect(closed.closeReason).toBe(exit.reason);
    // Closed, it no longer counts as the agent's lease, nor against supply.
    expect((await stack.api.call('GET', '/me', { token: hog.credential })).body.lease).toBeNull();
    expect((await stack.deps.bids.activeLeases(Date.now())).some((l) => l.leaseId === lease.leaseId)).toBe(false);
  });

  it('keeps the same process through a renewal', async () => {
    const agent = await agentWith(WORKER, { vcpu: 0.25, memoryMiB: 512, durationSeconds: 3 });
    expect((await agent.bid()).status).toBe(201);
    expect((await round()).started).toEqual([agent.agentId]);
    const pid = runner.pid(agent.agentId);
    const first = (await stack.api.call('GET', '/me', { token: agent.credential })).body.lease;

    expect((await agent.bid()).status).toBe(201);
    expect((await round()).extended).toEqual([agent.agentId]);
    const me = (await stack.api.call('GET', '/me', { token: agent.credential })).body;
    expect(me.runsUntil).toBe(Number(first.endsAt) + 3000);

    await sleep(Number(first.endsAt) - Date.now() + 800);
    expect(runner.pid(agent.agentId)).toBe(pid);
    expect(exits.find((e) => e.agentId === agent.agentId)).toBeUndefined();

    const exit = await until(() => exits.find((e) => e.agentId === agent.agentId), 'the renewed run to end');
    expect(exit.reason).toBe('lease-ended');
    expect(exit.at).toBeGreaterThanOrEqual(Number(first.endsAt) + 3000 - 1500);
  });
});
