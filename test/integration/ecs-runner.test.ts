/**
 * The ECS runner against moto's ECS control plane and KMS: RunTask with a valid Fargate size as
 * overrides, the credential sealed (never in plain text in the task's environment), renewals
 * retagged, StopTask at the end; the launcher stopping tasks past their end before it starts any,
 * one agent's throttled RunTask failing that agent alone; and the launcher replacing a task when a
 * renewal changes size, the new task started only once the old one has stopped.
 */
import { CreateClusterCommand, DescribeTasksCommand, ECSClient, ListTasksCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { CreateSecurityGroupCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateKeyCommand, DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AwsError, AwsService } from '../../adapters/aws/service.js';
import { ECS, EcsRunner, fargateSize, KMS } from '../../adapters/ecs/ecs-runner.js';
import { CREDENTIAL_GRACE_MS, reconcile } from '../../economy/launcher.js';
import type { Lease } from '../../economy/market.js';
import type { LeaseBook } from '../../economy/ports.js';
import { awsTestConfig, hasMoto, MOTO_MISSING, startMoto, type Moto } from '../support/moto.js';
import { MemoryRunCredentials } from '../support/run-credentials.js';

const CREDENTIAL = `syn_${'x'.repeat(43)}`;
const SUPERVISOR_TOKEN = `syn_${'y'.repeat(43)}`;

describe.skipIf(!hasMoto)(`the ECS runner${hasMoto ? '' : ` (${MOTO_MISSING})`}`, () => {
  let moto: Moto;
  let ecs: ECSClient;
  let kms: KMSClient;
  let runner: EcsRunner;
  /** The runner's ECS API, where a test can put a fault. */
  let runnerEcs: AwsService;

  beforeAll(async () => {
    moto = await startMoto();
    ecs = new ECSClient(awsTestConfig(moto.endpoint));
    kms = new KMSClient(awsTestConfig(moto.endpoint));
  });
  afterAll(async () => {
    ecs.destroy();
    kms.destroy();
    await moto.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    await ecs.send(new CreateClusterCommand({ clusterName: 'agents' }));
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'agent',
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        // moto sizes tasks from container-level cpu/memory, which Fargate does not need.
        containerDefinitions: [{ name: 'runtime', image: 'agent-runtime:latest', essential: true, cpu: 256, memory: 512 }],
      }),
    );
    const key = await kms.send(new CreateKeyCommand({ Description: 'run credentials' }));
    // moto checks the network: use its default VPC's subnets and a security group in it.
    const ec2 = new EC2Client(awsTestConfig(moto.endpoint));
    const { Subnets = [] } = await ec2.send(new DescribeSubnetsCommand({}));
    const group = await ec2.send(new CreateSecurityGroupCommand({ GroupName: `agents-${Date.now()}`, Description: 'agents', VpcId: Subnets[0]!.VpcId! }));
    ec2.destroy();
    runnerEcs = new AwsService(ECS, awsTestConfig(moto.endpoint));
    runner = new EcsRunner({
      ecs: runnerEcs,
      kms: new AwsService(KMS, awsTestConfig(moto.endpoint)),
      kmsKeyId: key.KeyMetadata!.KeyId!,
      cluster: 'agents',
      taskDefinition: 'agent',
      containerName: 'runtime',
      subnets: [Subnets[0]!.SubnetId!],
      securityGroups: [group.GroupId!],
      assignPublicIp: true,
      env: { SYNTROPISM_API_URL: 'https://api.example', METERING_QUEUE_URL: 'https://sqs.example/q' },
    });
  });

  async function describeAll() {
    const { taskArns = [] } = await ecs.send(new ListTasksCommand({ cluster: 'agents' }));
    if (taskArns.length === 0) return [];
    return (await ecs.send(new DescribeTasksCommand({ cluster: 'agents', tasks: taskArns, include: ['TAGS'] }))).tasks ?? [];
  }

  it('runs a lease as a Fargate task of its size, with the credential sealed', async () => {
    await runner.start({ agentId: 'agent-1', runId: 'run-1', leaseId: 'lease-1', bundle: { vcpu: 1, memoryMiB: 4096, tokens: 0, attention: 0, durationSeconds: 60 }, endsAt: 1_800_000_000_000, credential: CREDENTIAL, supervisorToken: SUPERVISOR_TOKEN });
    const [task] = await describeAll();
    expect(task?.overrides).toMatchObject({ cpu: '1024', memory: '4096' });
    const environment = task!.overrides!.containerOverrides![0]!.environment!;
    const env = Object.fromEntries(environment.map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ SYNTROPISM_AGENT_ID: 'agent-1', SYNTROPISM_RUN_ID: 'run-1', SYNTROPISM_LEASE_ID: 'lease-1', SYNTROPISM_LEASE_ENDS_AT: '1800000000000', SYNTROPISM_API_URL: 'https://api.example' });
    expect(environment.some((e) => e.value?.includes(CREDENTIAL) || e.value?.includes(SUPERVISOR_TOKEN))).toBe(false);
    expect(env.SYNTROPISM_CREDENTIAL).toBeUndefined();
    // Only KMS, with the agent's id as context, turns it back into the run's secrets.
    const opened = await kms.send(new DecryptCommand({ CiphertextBlob: Buffer.from(env.SYNTROPISM_SEALED_SECRETS, 'base64'), EncryptionContext: { agentId: 'agent-1' } }));
    expect(JSON.parse(Buffer.from(opened.Plaintext!).toString())).toEqual({ credential: CREDENTIAL, supervisorToken: SUPERVISOR_TOKEN });
    await expect(
      kms.send(new DecryptCommand({ CiphertextBlob: Buffer.from(env.SYNTROPISM_SEALED_SECRETS, 'base64'), EncryptionContext: { agentId: 'agent-2' } })),
    ).rejects.toThrow();

    expect(await runner.running()).toEqual([{ agentId: 'agent-1', runId: 'run-1', leaseId: 'lease-1', endsAt: 1_800_000_000_000, vcpu: 1, memoryMiB: 4096 }]);
    await runner.extend({ agentId: 'agent-1', runId: 'run-1', leaseId: 'lease-2', bundle: { vcpu: 1, memoryMiB: 4096, tokens: 0, attention: 0, durationSeconds: 60 }, endsAt: 1_800_000_060_000 });
    expect(await runner.running()).toMatchObject([{ leaseId: 'lease-2', endsAt: 1_800_000_060_000 }]);

    await runner.stop('agent-1');
    expect(await runner.running()).toEqual([]);
  });

  it('refuses a size Fargate does not have, listing the valid ones', async () => {
    expect(() => fargateSize({ vcpu: 0.25, memoryMiB: 4096 })).toThrow(/0.25 vCPU: 512, 1024, 2048 MiB/);
    await expect(
      runner.start({ agentId: 'a', runId: 'r', leaseId: 'l', bundle: { vcpu: 3, memoryMiB: 8192, tokens: 0, attention: 0, durationSeconds: 60 }, endsAt: 1, credential: CREDENTIAL, supervisorToken: SUPERVISOR_TOKEN }),
    ).rejects.toThrow(/not a Fargate size/);
    expect(await describeAll()).toEqual([]);
    for (const [vcpu, memoryMiB] of [[0.25, 512], [0.5, 4096], [2, 16384], [4, 30720]] as const) {
      expect(fargateSize({ vcpu, memoryMiB })).toEqual({ cpu: String(vcpu * 1024), memory: String(memoryMiB) });
    }
  });

  it("stops a task past its end before starting any, and one agent's throttled RunTask stops no other", async () => {
    let now = 1_000_000;
    let leases: Lease[] = [];
    const leaseBook = { activeLeases: () => Promise.resolve(leases.filter((l) => l.endsAt > now)) } as unknown as LeaseBook;
    const deps = { leases: leaseBook, runner, clock: { now: () => now }, credentials: new MemoryRunCredentials() };
    const lease = (agentId: string, startsAt: number): Lease => ({
      leaseId: `${agentId}-lease`, agentId, bidId: agentId, payerId: agentId, round: 1, startsAt, endsAt: startsAt + 60_000, payment: 1,
      bundle: { vcpu: 0.25, memoryMiB: 512, tokens: 0, attention: 0, durationSeconds: 60 },
    });
    leases = [lease('agent-old', now)];
    expect((await reconcile(deps)).started).toEqual(['agent-old']);
    // The old lease is over; two agents' leases begin. ECS throttles RunTask for one of them (moto
    // never throttles: the fault is put into the runner's ECS API, as it throws after its retries).
    now += 61_000;
    leases.push(lease('agent-x', now), lease('agent-y', now));
    const calls: string[] = [];
    const json = runnerEcs.json.bind(runnerEcs);
    const fault = vi.spyOn(runnerEcs, 'json').mockImplementation((operation: string, input: object, signal?: AbortSignal) => {
      const startedBy = (input as { startedBy?: string }).startedBy;
      calls.push(`${operation} ${startedBy ?? ''}`.trim());
      if (operation === 'RunTask' && startedBy === 'agent-x') return Promise.reject(new AwsError('ThrottlingException', 'Rate exceeded', 400));
      return json(operation, input, signal);
    });
    try {
      expect(await reconcile(deps)).toEqual({ started: ['agent-y'], extended: [], stopped: ['agent-old'], waiting: [], failed: [{ agentId: 'agent-x', error: 'ThrottlingException: Rate exceeded' }], leased: 2, running: 1 });
      expect(calls.filter((c) => /^(Stop|Run)Task/.test(c))).toEqual(['StopTask', 'RunTask agent-x', 'RunTask agent-y']);
    } finally {
      fault.mockRestore();
    }
    expect((await runner.running()).map((r) => r.agentId)).toEqual(['agent-y']);
    // Tried again at the next reconcile.
    expect((await reconcile(deps)).started).toEqual(['agent-x']);
  });

  it('lets the launcher start, renew and replace tasks to match the leases', async () => {
    let now = 1_000_000;
    let leases: Lease[] = [];
    const leaseBook = { activeLeases: () => Promise.resolve(leases.filter((l) => l.endsAt > now)) } as unknown as LeaseBook;
    const credentials = new MemoryRunCredentials();
    const deps = { leases: leaseBook, runner, clock: { now: () => now }, credentials };
    const lease = (leaseId: string, startsAt: number, memoryMiB: number): Lease => ({
      leaseId, agentId: 'agent-9', bidId: leaseId, payerId: 'agent-9', round: 1, startsAt, endsAt: startsAt + 60_000, payment: 1,
      bundle: { vcpu: 0.5, memoryMiB, tokens: 0, attention: 0, durationSeconds: 60 },
    });
    leases = [lease('a', now, 1024)];
    expect(await reconcile(deps)).toEqual({ started: ['agent-9'], extended: [], stopped: [], waiting: [], failed: [], leased: 1, running: 0 });
    leases.push(lease('b', now + 60_000, 1024));
    expect(await reconcile(deps)).toEqual({ started: [], extended: ['agent-9'], stopped: [], waiting: [], failed: [], leased: 1, running: 1 });
    expect((await describeAll()).length).toBe(1);
    // The next renewal needs more memory: a Fargate task cannot grow, so it is replaced: stopped
    // now, and its successor started once it has stopped (moto stops a task at once).
    leases.push(lease('c', now + 120_000, 2048));
    now += 120_000;
    expect(await reconcile(deps)).toEqual({ started: [], extended: [], stopped: ['agent-9'], waiting: [], failed: [], leased: 1, running: 1 });
    expect(await runner.running()).toEqual([]);
    // Gone from moto's list at once, but its end not seen: the successor waits for the task-stopped event.
    expect(await reconcile(deps)).toMatchObject({ started: [], waiting: ['agent-9'] });
    await credentials.revoke('agent-9', 'run-1');
    expect(await reconcile(deps)).toEqual({ started: ['agent-9'], extended: [], stopped: [], waiting: [], failed: [], leased: 1, running: 0 });
    expect(await runner.running()).toEqual([{ agentId: 'agent-9', runId: 'run-2', leaseId: 'c', endsAt: 1_000_000 + 180_000, vcpu: 0.5, memoryMiB: 2048 }]);
    // The replaced run kept its secrets for its supervisor's last upload, until the task-stopped
    // event ended them; then the new run got its own.
    expect(credentials.calls).toEqual([
      `issue agent-9 run-1 until ${1_000_000 + 60_000 + CREDENTIAL_GRACE_MS}`,
      `extend agent-9 run-1 until ${1_000_000 + 120_000 + CREDENTIAL_GRACE_MS}`,
      `revoke agent-9 run-1`,
      `issue agent-9 run-2 until ${1_000_000 + 180_000 + CREDENTIAL_GRACE_MS}`,
    ]);
    now += 60_000;
    expect(await reconcile(deps)).toEqual({ started: [], extended: [], stopped: ['agent-9'], waiting: [], failed: [], leased: 0, running: 1 });
    expect(await runner.running()).toEqual([]);
  });
});
