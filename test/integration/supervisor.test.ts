/**
 * The supervisor of an agent's task (what runs in Fargate), run here as a real process, as root,
 * in a cgroup of its own, against the real API (the local gateway), KMS (moto), and S3 and SQS
 * (fauxqs): it unseals its run's secrets, copies the workspace down (seeded with the genesis code
 * for what it lacks), runs agent code as an unprivileged user that can read neither its
 * environment nor its secrets, follows a renewal it was never told of, reports the usage it
 * measures through the API with its own token, stops the agent at the end, and copies the
 * workspace back up. Its token and the agent's credential each open only their own routes, and a
 * replayed report is applied once.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confine, detectLimiter } from '../../adapters/local-runner/limits.js';
import { AwsService } from '../../adapters/aws/service.js';
import { SQS, SqsMeterQueue } from '../../adapters/sqs/meter-queue.js';
import { S3WorkspaceAccess } from '../../adapters/workspace/s3-access.js';
import { S3, S3Bucket } from '../../adapters/workspace/s3-bucket.js';
import { CREDENTIAL_GRACE_MS } from '../../economy/launcher.js';
import { makeHandler as makeMetering } from '../../lambdas/metering.js';
import { bundleRuntime, bundleSupervisor, GENESIS_WORKSPACE } from '../../local/runtime-bundle.js';
import { startSqsConsumer, type SqsConsumer } from '../../local/sqs-consumer.js';
import { createQueueWithDlq, localAws, sqsClient, startSqs, type LocalSqs } from '../../local/sqs.js';
import { awsTestConfig, hasMoto, MOTO_MISSING, startMoto, type Moto } from '../support/moto.js';
import { RealClock, startTestStack, type TestStack } from '../support/stack.js';

const AGENT_UID = 64_000;
let moto: Moto;
let emulator: LocalSqs;
let sqs: SQSClient;
let s3: S3Client;
let kms: KMSClient;
let keyId: string;
let stack: TestStack;
let consumer: SqsConsumer;
const bundles = { runtime: '', supervisor: '' };

beforeAll(async () => {
  if (!hasMoto) return;
  [moto, emulator] = await Promise.all([startMoto(), startSqs()]);
  sqs = sqsClient(emulator.endpoint);
  s3 = new S3Client({ endpoint: emulator.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, requestChecksumCalculation: 'WHEN_REQUIRED' });
  await s3.send(new CreateBucketCommand({ Bucket: 'workspaces' }));
  kms = new KMSClient(awsTestConfig(moto.endpoint));
  keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  const { queueUrl } = await createQueueWithDlq(sqs, 'metering', { maxReceiveCount: 3, visibilityTimeoutSeconds: 2 });
  stack = await startTestStack({ ROUND_SECONDS: '1' }, new RealClock(), { meter: new SqsMeterQueue(new AwsService(SQS, localAws(emulator.endpoint)), queueUrl), workspaceAccess: new S3WorkspaceAccess(new S3Bucket(new AwsService(S3, localAws(emulator.endpoint)), 'workspaces')) });
  consumer = startSqsConsumer({ client: sqs, queueUrl, handler: makeMetering(stack.deps), waitSeconds: 1 });
  const out = mkdtempSync(join(tmpdir(), 'syntropism-bundles-'));
  [bundles.runtime, bundles.supervisor] = await Promise.all([bundleRuntime(out), bundleSupervisor(out)]);
  chmodSync(out, 0o755);
});

afterAll(async () => {
  if (!hasMoto) return;
  await consumer.stop();
  sqs.destroy();
  s3.destroy();
  kms.destroy();
  await Promise.all([stack.close(), emulator.stop(), moto.stop()]);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nextTick = () => sleep(1000 - (Date.now() % 1000) + 20);

/**
 * What the launcher, the ECS runner and Fargate do for a lease: issue the run's secrets, seal them
 * for the task, and run the supervisor as the task's main process, in a cgroup of its own (which
 * it measures), with an empty workspace directory and the API's stage URL (ending in '/').
 */
/** How long the supervisor holds a run past its end for a renewal here (economy/run-grace.ts: 10 s by default). */
const HOLD_MS = 2000;

async function startTask(agentId: string, lease: { leaseId: string; endsAt: number }) {
  const secrets = await stack.deps.credentials.issue(agentId, lease.endsAt + CREDENTIAL_GRACE_MS);
  const sealed = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(JSON.stringify(secrets)), EncryptionContext: { agentId } }));
  const workspace = join(mkdtempSync(join(tmpdir(), 'syntropism-task-')), 'workspace');
  chmodSync(join(workspace, '..'), 0o755);
  const cgroup = confine(detectLimiter(), `task-${secrets.runId}`, { cpuUnits: 256, memoryBytes: 512 * 1024 * 1024, seconds: 20 });
  const command = cgroup.wrap(process.execPath, [bundles.supervisor]);
  let output = '';
  const task = spawn(command.command, command.args, {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      SYNTROPISM_API_URL: `${stack.gateway.url}/`,
      SYNTROPISM_AGENT_ID: agentId,
      SYNTROPISM_RUN_ID: secrets.runId,
      SYNTROPISM_LEASE_ID: lease.leaseId,
      SYNTROPISM_LEASE_ENDS_AT: String(lease.endsAt),
      SYNTROPISM_SEALED_SECRETS: Buffer.from(sealed.CiphertextBlob!).toString('base64'),
      SYNTROPISM_WORKSPACE: workspace,
      SYNTROPISM_GENESIS: GENESIS_WORKSPACE,
      SYNTROPISM_RUNTIME: bundles.runtime,
      SYNTROPISM_AGENT_UID: String(AGENT_UID),
      SYNTROPISM_METER_SECONDS: '1',
      SYNTROPISM_CLOCK_SECONDS: '1',
      SYNTROPISM_RENEWAL_GRACE_SECONDS: String(HOLD_MS / 1000),
      AWS_ENDPOINT_URL_KMS: moto.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/the-task-role',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  task.stdout.on('data', (c: Buffer) => (output += c.toString()));
  task.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => task.once('exit', resolve));
  return { secrets, exited, output: () => output, cgroup };
}

/** Agent code that records who it runs as and what it can see of its supervisor, then works. */
const PROBE = `
import { readFileSync } from 'node:fs';
export async function step(ctx) {
  if (!ctx.state.seen) {
    const tryRead = (path) => { try { return 'ok:' + readFileSync(path, 'utf8').slice(0, 40); } catch (err) { return 'denied:' + err.code; } };
    ctx.state.seen = {
      uid: process.getuid(),
      env: Object.keys(process.env).sort(),
      supervisorEnviron: tryRead('/proc/' + process.ppid + '/environ'),
      pid1Environ: tryRead('/proc/1/environ'),
    };
  }
  ctx.state.steps = (ctx.state.steps ?? 0) + 1;
  await ctx.sleep(200);
}`;

describe.skipIf(!hasMoto)(`the agent task's supervisor${hasMoto ? '' : ` (${MOTO_MISSING})`}`, () => {
  it('runs agent code unprivileged, follows renewals, measures and reports usage, and saves the workspace', { timeout: 90_000 }, async () => {
    const agent = await stack.api.createAgent(100_000_000);
    await s3.send(new PutObjectCommand({ Bucket: 'workspaces', Key: `workspaces/${agent.agentId}/agent.mjs`, Body: PROBE }));
    const bundle = { vcpu: 0.25, memoryMiB: 512, tokens: 0, attention: 0, durationSeconds: 5 };
    const bid = () => stack.api.call('POST', '/bids', { token: agent.credential, body: { bundle, amount: 20_000_000 } });
    expect((await bid()).status).toBe(201);
    await nextTick();
    expect(await stack.oracle()).toMatchObject({ ran: true, winners: 1 });
    const lease = (await stack.api.call('GET', '/me', { token: agent.credential })).body.lease;

    const { secrets, exited, output, cgroup } = await startTask(agent.agentId, lease);

    // A renewal the supervisor is never told of: it finds it by asking the API.
    await sleep(1500);
    expect((await bid()).status).toBe(201);
    await nextTick();
    expect(await stack.oracle()).toMatchObject({ ran: true, winners: 1 });
    const renewedUntil = (await stack.api.call('GET', '/me', { token: agent.credential })).body.runsUntil as number;
    expect(renewedUntil).toBe(lease.endsAt + 5000);

    // A renewal whose round settles after the run's end: the supervisor holds the agent for it, and goes on.
    expect((await bid()).status).toBe(201);
    await sleep(renewedUntil - Date.now() + 300);
    await nextTick();
    expect(await stack.oracle()).toMatchObject({ ran: true, winners: 1 });
    const runsUntil = (await stack.api.call('GET', '/me', { token: agent.credential })).body.runsUntil as number;
    expect(runsUntil).toBeGreaterThan(renewedUntil + 5000);

    expect(await exited, output()).toBe(0);
    const stoppedAt = Date.now();
    await cgroup.dispose();
    expect(output()).toContain('no renewal yet: holding the agent');
    expect(output()).toContain('renewed: the agent goes on');
    expect(stoppedAt).toBeGreaterThanOrEqual(runsUntil + HOLD_MS);
    expect(stoppedAt).toBeLessThan(runsUntil + HOLD_MS + 6000); // the end, its hold, the stop, the last report and the upload

    // The workspace came back up, with what the agent saw.
    const state = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: 'workspaces', Key: `workspaces/${agent.agentId}/state.json` }))).Body!.transformToString());
    expect(state.steps).toBeGreaterThan(5);
    expect(state.seen.uid).toBe(AGENT_UID);
    expect(state.seen.supervisorEnviron).toMatch(/^denied:/);
    expect(state.seen.pid1Environ).toMatch(/^denied:/);
    expect(state.seen.env.filter((k: string) => /AWS|SEALED|SUPERVISOR|TOKEN/.test(k))).toEqual([]);
    // The genesis code filled in what the workspace lacked.
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'workspaces', Key: `workspaces/${agent.agentId}/strategy.json` }))).Body!.transformToString()).toContain('leaseSeconds');

    // Usage measured from the task's cgroup, reported through the API, charged to the run's leases.
    const usage = async (leaseId: string) => stack.deps.usage.get(agent.agentId, leaseId);
    for (let i = 0; i < 50 && !(await usage(lease.leaseId))?.reports; i += 1) await sleep(200);
    const first = await usage(lease.leaseId);
    expect(first?.reports).toBeGreaterThanOrEqual(2);
    expect(first?.cpuMicros).toBeGreaterThan(50_000);
    expect(first?.peakMemoryBytes).toBeGreaterThan(10 * 1024 * 1024);

    // Each secret opens only its own door: the token no agent route, the credentials no supervisor route.
    const call = (path: string, token: string, body?: unknown) => stack.api.call(body === undefined ? 'GET' : 'POST', path, { token, ...(body === undefined ? {} : { body }) });
    expect((await call('/me', secrets.supervisorToken)).status).toBe(401);
    expect((await call('/run/usage', secrets.credential, { seq: 99, cpuMicros: 1, peakMemoryBytes: 1 })).status).toBe(401);
    expect((await call('/run/usage', agent.credential, { seq: 99, cpuMicros: 1, peakMemoryBytes: 1 })).status).toBe(401);
  });

  it('applies a replayed report once, and lets nothing in a report name another agent or lease', async () => {
    const victim = await stack.api.createAgent(100_000_000);
    const agent = await stack.api.createAgent(100_000_000);
    const bundle = { vcpu: 0.25, memoryMiB: 512, tokens: 0, attention: 0, durationSeconds: 30 };
    for (const a of [victim, agent]) expect((await stack.api.call('POST', '/bids', { token: a.credential, body: { bundle, amount: 20_000_000 } })).status).toBe(201);
    await nextTick();
    await stack.oracle();
    const victimLease = (await stack.api.call('GET', '/me', { token: victim.credential })).body.lease;
    const lease = (await stack.api.call('GET', '/me', { token: agent.credential })).body.lease;
    const { supervisorToken } = await stack.deps.credentials.issue(agent.agentId, lease.endsAt);
    const report = (body: unknown) => stack.api.call('POST', '/run/usage', { token: supervisorToken, body });

    expect((await report({ seq: 1, cpuMicros: 1000, peakMemoryBytes: 2048 })).status).toBe(202);
    expect((await report({ seq: 1, cpuMicros: 1000, peakMemoryBytes: 2048 })).status).toBe(202); // replayed
    for (const forged of [
      { seq: 2, cpuMicros: 5, peakMemoryBytes: 5, agentId: victim.agentId },
      { seq: 2, cpuMicros: 5, peakMemoryBytes: 5, leaseId: victimLease.leaseId },
      { seq: 2, cpuMicros: -5, peakMemoryBytes: 5 },
    ]) {
      expect((await report(forged)).status).toBe(400);
    }
    let usage;
    for (let i = 0; i < 50 && !usage; i += 1) {
      usage = await stack.deps.usage.get(agent.agentId, lease.leaseId);
      if (!usage) await sleep(200);
    }
    await sleep(1500); // the replay, had it been applied, would be in by now
    expect(await stack.deps.usage.get(agent.agentId, lease.leaseId)).toMatchObject({ reports: 1, cpuMicros: 1000, peakMemoryBytes: 2048 });
    expect(await stack.deps.usage.get(victim.agentId, victimLease.leaseId)).toBeUndefined();
  });

  it('runs the genesis code for a first agent created with no files (an empty workspace)', { timeout: 60_000 }, async () => {
    const agent = await stack.api.createAgent(100_000_000); // POST /admin/agents {endowment}: nothing written to S3
    const bundle = { vcpu: 0.25, memoryMiB: 512, tokens: 0, attention: 0, durationSeconds: 4 };
    expect((await stack.api.call('POST', '/bids', { token: agent.credential, body: { bundle, amount: 20_000_000 } })).status).toBe(201);
    await nextTick();
    expect(await stack.oracle()).toMatchObject({ ran: true });
    const lease = (await stack.api.call('GET', '/me', { token: agent.credential })).body.lease;
    const { exited, output, cgroup } = await startTask(agent.agentId, lease);
    // Ran its lease out (a runtime that found no agent.mjs would exit at once, failing the task).
    expect(await exited, output()).toBe(0);
    await cgroup.dispose();
    expect(Date.now()).toBeGreaterThanOrEqual(lease.endsAt);
    const saved = async (path: string) => (await s3.send(new GetObjectCommand({ Bucket: 'workspaces', Key: `workspaces/${agent.agentId}/${path}` }))).Body!.transformToString();
    expect(await saved('agent.mjs')).toBe(readFileSync(join(GENESIS_WORKSPACE, 'agent.mjs'), 'utf8'));
    expect(JSON.parse(await saved('state.json'))).toBeTypeOf('object');
  });
});
