/**
 * The local Fargate stand-in against moto's ECS: tasks started as the oracle starts them (the ECS
 * runner's RunTask) run a stand-in supervisor with exactly the task's environment, under the
 * lease's limits; StopTask reaches it as SIGTERM and ends in one event with the oracle's reason; a
 * supervisor that exits by itself stops its task in moto; out of memory is reported as ECS reports
 * it; agent code run the supervisor's way lands in the sandbox, with the API's socket as its only
 * way out; and stop() leaves no process and no cgroup behind.
 */
import { CreateSecurityGroupCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsService } from '../../adapters/aws/service.js';
import { ECS, EcsRunner, KMS, OWN_STOP_REASON } from '../../adapters/ecs/ecs-runner.js';
import { DEFAULT_AGENT_UID } from '../../adapters/local-runner/sandbox.js';
import type { EcsTaskStateChange } from '../../lambdas/ecs-task-stopped.js';
import { ESSENTIAL_EXITED, startFargateStandIn, type EcsTaskStoppedEvent, type FargateStandIn } from '../../local/cloud/fargate.js';
import { awsTestConfig, hasMoto, MOTO_MISSING, startMoto, type Moto } from '../support/moto.js';

const canRun = hasMoto && process.getuid?.() === 0;
const why = !hasMoto ? MOTO_MISSING : 'skipped: the Fargate stand-in runs as root only';

/** In place of the supervisor: reports what it was given, then does what FAKE_MODE says. */
const FAKE_SUPERVISOR = `
import { spawn } from 'node:child_process';
import { chownSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
const ws = process.env.SYNTROPISM_WORKSPACE;
const mode = process.env.FAKE_MODE;
writeFileSync(ws + '/supervisor.json', JSON.stringify({ env: process.env, uid: process.getuid(), cwd: process.cwd(), cgroup: readFileSync('/proc/self/cgroup', 'utf8'), genesis: existsSync(process.env.SYNTROPISM_GENESIS + '/agent.mjs') }));
const waitForTerm = (code) => {
  process.on('SIGTERM', () => { writeFileSync(ws + '/sigterm', ''); process.exit(code); });
  setInterval(() => {}, 1000);
};
if (mode === 'exit') process.exit(3);
if (mode === 'wait') waitForTerm(0);
if (mode === 'stubborn') { process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); }
if (mode === 'hog') { const keep = []; for (;;) keep.push(Buffer.alloc(32 << 20, 1)); }
if (mode === 'agent') {
  // As agent-container/supervisor/main.ts runs the agent.
  const uid = Number(process.env.SYNTROPISM_AGENT_UID);
  writeFileSync(ws + '/probe-port', new URL(process.env.AWS_ENDPOINT_URL_KMS).port);
  chownSync(ws, uid, uid);
  const agent = spawn(process.execPath, [process.env.SYNTROPISM_RUNTIME], {
    cwd: ws, uid, gid: uid, stdio: 'inherit', detached: true,
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: ws, NODE_ENV: 'production', SYNTROPISM_AGENT_ID: process.env.SYNTROPISM_AGENT_ID, SYNTROPISM_CREDENTIAL: 'the-credential', SYNTROPISM_WORKSPACE: ws, SYNTROPISM_API_URL: process.env.SYNTROPISM_API_URL },
  });
  process.once('SIGTERM', () => {
    process.kill(-agent.pid, 'SIGTERM');
    setTimeout(() => { try { process.kill(-agent.pid, 'SIGKILL'); } catch {} }, 1000).unref();
  });
  agent.once('exit', (code, signal) => process.exit(code ?? 100));
}
`;

/** In place of the agent runtime: reports what it can see and reach, and saves on SIGTERM. */
const FAKE_RUNTIME = `
import { connect } from 'node:net';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
const ws = process.env.SYNTROPISM_WORKSPACE;
const reach = (to) => new Promise((resolve) => {
  const socket = connect(to);
  let data = '';
  const timer = setTimeout(() => { socket.destroy(); resolve('connected'); }, 1000);
  socket.on('data', (d) => (data += d));
  socket.on('error', (e) => { clearTimeout(timer); resolve('error ' + e.code); });
  socket.on('end', () => { clearTimeout(timer); resolve('reply ' + data); });
});
process.once('SIGTERM', () => { writeFileSync(ws + '/saved', 'yes'); process.exit(0); });
const report = {
  uid: process.getuid(),
  env: process.env,
  loopback: await reach({ host: '127.0.0.1', port: Number(readFileSync(ws + '/probe-port', 'utf8')) }),
  api: await reach({ path: process.env.SYNTROPISM_API_SOCKET ?? '/nowhere' }),
  sees: { supervisor: existsSync('/app/supervisor.mjs'), etc: existsSync('/etc/passwd'), cgroups: existsSync('/sys/fs/cgroup') },
};
writeFileSync(ws + '/agent.json', JSON.stringify(report));
setInterval(() => {}, 1000);
`;

describe.skipIf(!canRun)(`the Fargate stand-in${canRun ? '' : ` (${why})`}`, () => {
  let moto: Moto;
  let ecs: AwsService;
  let dir: string;
  let network: { subnets: string[]; securityGroups: string[] };
  let kmsKeyId: string;
  let api: Server;
  let standIn: FargateStandIn | undefined;
  const events: EcsTaskStoppedEvent[] = [];
  const lines: string[] = [];

  beforeAll(async () => {
    moto = await startMoto();
    ecs = new AwsService(ECS, awsTestConfig(moto.endpoint));
    dir = mkdtempSync(join(tmpdir(), 'fargate-standin-'));
    writeFileSync(join(dir, 'supervisor.mjs'), FAKE_SUPERVISOR);
    writeFileSync(join(dir, 'runtime.mjs'), FAKE_RUNTIME);
    // The image's genesis dir, which the supervisor seeds workspaces from.
    mkdirSync(join(dir, 'genesis'));
    writeFileSync(join(dir, 'genesis', 'agent.mjs'), 'export const step = () => {};\n');
    api = createServer((socket) => socket.end('pong'));
    await new Promise<void>((resolve) => api.listen(join(dir, 'api.sock'), resolve));
    chmodSync(join(dir, 'api.sock'), 0o666);
  });

  beforeEach(async () => {
    // A task left running by one test would be run by the next one's stand-in.
    await moto.reset();
    await ecs.json('CreateCluster', { clusterName: 'agents' });
    await ecs.json('RegisterTaskDefinition', {
      family: 'agent',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'supervisor', image: 'agent:latest', essential: true, cpu: 256, memory: 512, environment: [{ name: 'FROM_TASK_DEFINITION', value: 'td' }] }],
    });
    const key = await new AwsService(KMS, awsTestConfig(moto.endpoint)).json<{ KeyMetadata: { KeyId: string } }>('CreateKey', { Description: 'runs' });
    kmsKeyId = key.KeyMetadata.KeyId;
    const ec2 = new EC2Client(awsTestConfig(moto.endpoint));
    const { Subnets = [] } = await ec2.send(new DescribeSubnetsCommand({}));
    const group = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'agents', Description: 'agents', VpcId: Subnets[0]!.VpcId! }));
    ec2.destroy();
    network = { subnets: [Subnets[0]!.SubnetId!], securityGroups: [group.GroupId!] };

  });

  afterAll(async () => {
    await new Promise((resolve) => api.close(resolve));
    await moto.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    await standIn?.stop();
    standIn = undefined;
    events.length = 0;
    lines.length = 0;
  });

  async function start(overrides: { stopTimeoutMs?: number } = {}): Promise<FargateStandIn> {
    process.env.FARGATE_TEST_PARENT_ONLY = 'not for tasks';
    standIn = await startFargateStandIn({
      ecs,
      cluster: 'agents',
      taskEnv: { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_ENDPOINT_URL_KMS: moto.endpoint },
      supervisor: join(dir, 'supervisor.mjs'),
      runtime: join(dir, 'runtime.mjs'),
      genesis: join(dir, 'genesis'),
      dataDir: join(dir, 'data'),
      apiSocket: join(dir, 'api.sock'),
      onStopped: (event) => void events.push(event),
      log: (line) => void lines.push(line),
      pollMs: 200,
      ...overrides,
    });
    return standIn;
  }

  /** Starts a run as the oracle does; the task's supervisor does what `mode` says. */
  async function run(agentId: string, mode: string): Promise<EcsRunner> {
    const runner = new EcsRunner({
      ecs,
      kms: new AwsService(KMS, awsTestConfig(moto.endpoint)),
      kmsKeyId,
      cluster: 'agents',
      taskDefinition: 'agent',
      containerName: 'supervisor',
      ...network,
      assignPublicIp: false,
      env: { SYNTROPISM_API_URL: 'http://127.0.0.1:9/api', FAKE_MODE: mode },
    });
    await runner.start({
      agentId,
      runId: `${agentId}-run`,
      leaseId: `${agentId}-lease`,
      bundle: { vcpu: 0.25, memoryMiB: 512, tokens: 0, attention: 0, durationSeconds: 60 },
      endsAt: Date.now() + 60_000,
      credential: 'c',
      supervisorToken: 't',
    });
    return runner;
  }

  const workspaceOf = (agentId: string) => standIn!.running().find((t) => t.agentId === agentId)?.workspace;

  async function until<T>(what: string, check: () => T | undefined | false, ms = 15_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = check();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; log:\n${lines.join('\n')}\ntasks' logs:\n${tasksLogs()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const tasksLogs = () => {
    const logs = join(dir, 'data', 'logs');
    return existsSync(logs) ? readdirSync(logs).map((name) => `${name}:\n${readFileSync(join(logs, name), 'utf8')}`).join('\n') : '';
  };
  const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const fileIn = (agentId: string, name: string) => {
    const ws = workspaceOf(agentId);
    return ws && existsSync(join(ws, name)) ? join(ws, name) : undefined;
  };

  async function runningInMoto(): Promise<string[]> {
    return (await ecs.json<{ taskArns: string[] }>('ListTasks', { cluster: 'agents', desiredStatus: 'RUNNING' })).taskArns;
  }

  it("runs a task with exactly its environment, under its lease's limits, and StopTask ends it with one event", async () => {
    await start();
    const runner = await run('agent-env', 'wait');
    const report = readJson(await until('the supervisor', () => fileIn('agent-env', 'supervisor.json')));
    const env = report.env as Record<string, string>;
    expect(Object.keys(env).sort()).toEqual(
      [
        // The image's
        'PATH', 'HOME', 'NODE_ENV', 'SYNTROPISM_WORKSPACE', 'SYNTROPISM_GENESIS', 'SYNTROPISM_RUNTIME', 'SYNTROPISM_AGENT_UID',
        // the task definition's, the oracle's overrides and the platform's
        'FROM_TASK_DEFINITION',
        'SYNTROPISM_API_URL', 'FAKE_MODE', 'SYNTROPISM_AGENT_ID', 'SYNTROPISM_RUN_ID', 'SYNTROPISM_LEASE_ID', 'SYNTROPISM_LEASE_ENDS_AT', 'SYNTROPISM_SEALED_SECRETS',
        'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ENDPOINT_URL_KMS',
      ].sort(),
    );
    expect(env).toMatchObject({ SYNTROPISM_WORKSPACE: '/workspace', SYNTROPISM_GENESIS: '/app/genesis', SYNTROPISM_RUNTIME: '/app/launcher.mjs', SYNTROPISM_AGENT_UID: String(DEFAULT_AGENT_UID), FROM_TASK_DEFINITION: 'td', SYNTROPISM_AGENT_ID: 'agent-env', AWS_ENDPOINT_URL_KMS: moto.endpoint });
    expect(report).toMatchObject({ uid: 0, genesis: true });

    // The whole task is in a cgroup with the lease's memory (512 MiB) and CPU (0.25 vCPU).
    const memoryGroup = /^\d+:memory:(.+)$/m.exec(report.cgroup as string)?.[1];
    const cpuGroup = /^\d+:cpu(?:,cpuacct)?:(.+)$/m.exec(report.cgroup as string)?.[1];
    expect(memoryGroup).toMatch(/\/syntropism-\d+\/task-/);
    expect(readFileSync(join('/sys/fs/cgroup/memory', memoryGroup!, 'memory.limit_in_bytes'), 'utf8').trim()).toBe(String(512 * 1024 * 1024));
    expect(readFileSync(join('/sys/fs/cgroup/cpu', cpuGroup!, 'cpu.cfs_quota_us'), 'utf8').trim()).toBe('25000');

    const workspace = workspaceOf('agent-env')!;
    await runner.stop('agent-env');
    const [event] = await until('the stop event', () => events.length > 0 && events);
    expect(existsSync(join(workspace, 'sigterm'))).toBe(true);
    expect(event).toMatchObject({ 'detail-type': 'ECS Task State Change', source: 'aws.ecs', account: '123456789012', region: 'us-east-1' });
    expect(event!.detail).toMatchObject({ lastStatus: 'STOPPED', stoppedReason: OWN_STOP_REASON, stopCode: 'UserInitiated', containers: [{ name: 'supervisor', exitCode: 0 }], overrides: { cpu: '256', memory: '512' } });
    // What the task-stopped function reads.
    const detail: EcsTaskStateChange = event!.detail;
    const overrideEnv = detail.overrides!.containerOverrides![0]!.environment!;
    expect(overrideEnv).toContainEqual({ name: 'SYNTROPISM_LEASE_ID', value: 'agent-env-lease' });
    await new Promise((resolve) => setTimeout(resolve, 1000)); // several more polls: still one event
    expect(events).toHaveLength(1);
    expect(standIn!.running()).toEqual([]);
  });

  it('stops in moto a task whose supervisor exits by itself, with one event of its exit code', async () => {
    await start();
    await run('agent-exit', 'exit');
    const [event] = await until('the stop event', () => events.length > 0 && events);
    expect(event!.detail).toMatchObject({ stoppedReason: ESSENTIAL_EXITED, stopCode: 'EssentialContainerExited', containers: [{ exitCode: 3 }] });
    expect(event!.detail.containers[0]!.reason).toBeUndefined();
    expect(await runningInMoto()).toEqual([]);
    const described = await ecs.json<{ tasks: { desiredStatus: string; stoppedReason: string }[] }>('DescribeTasks', { cluster: 'agents', tasks: [event!.detail.taskArn] });
    expect(described.tasks[0]).toMatchObject({ desiredStatus: 'STOPPED', stoppedReason: ESSENTIAL_EXITED });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(events).toHaveLength(1); // not started again
  });

  it('reports a task killed for memory as ECS does', async () => {
    await start();
    await run('agent-hog', 'hog');
    const [event] = await until('the stop event', () => events.length > 0 && events, 30_000);
    expect(event!.detail.containers[0]).toMatchObject({ reason: expect.stringMatching(/^OutOfMemoryError/) as unknown, exitCode: 137 });
    expect(event!.detail.stoppedReason).toBe(ESSENTIAL_EXITED);
  });

  it("runs agent code the supervisor's way in the sandbox: another uid, no network but the API's socket, SIGTERM passed on", async () => {
    await start();
    const runner = await run('agent-code', 'agent');
    const report = readJson(await until('the agent', () => fileIn('agent-code', 'agent.json')));
    const workspace = workspaceOf('agent-code')!;
    expect(statSync(join(workspace, 'agent.json')).uid).toBe(DEFAULT_AGENT_UID);
    expect(report).toMatchObject({ uid: 1000, loopback: 'error ECONNREFUSED', api: 'reply pong', sees: { supervisor: false, etc: false, cgroups: false } });
    const env = report.env as Record<string, string>;
    expect(env).toMatchObject({ SYNTROPISM_CREDENTIAL: 'the-credential', SYNTROPISM_WORKSPACE: '/workspace', SYNTROPISM_API_SOCKET: '/run/syntropism/api.sock' });
    expect(env.SYNTROPISM_API_URL).toBeUndefined();
    expect(env.SYNTROPISM_SEALED_SECRETS).toBeUndefined();
    expect(env.AWS_SECRET_ACCESS_KEY).toBeUndefined();

    await runner.stop('agent-code');
    const [event] = await until('the stop event', () => events.length > 0 && events);
    expect(readFileSync(join(workspace, 'saved'), 'utf8')).toBe('yes');
    expect(event!.detail).toMatchObject({ stoppedReason: OWN_STOP_REASON, containers: [{ exitCode: 0 }] });
  });

  it('leaves no process and no cgroup behind when it stops', async () => {
    const own = await start({ stopTimeoutMs: 1500 });
    await run('agent-calm', 'wait');
    await run('agent-stubborn', 'stubborn');
    await until('both supervisors', () => fileIn('agent-calm', 'supervisor.json') && fileIn('agent-stubborn', 'supervisor.json'));
    const pids = await until('their pids', () => {
      const all = own.running().map((t) => t.pid);
      return all.length === 2 && all.every((p) => p !== undefined) && all;
    });
    const groups = readdirSync('/sys/fs/cgroup/memory').filter((name) => name === `syntropism-${process.pid}`);
    expect(groups).toHaveLength(1);
    await own.stop();
    standIn = undefined;
    for (const pid of pids) expect(running(pid)).toBe(false);
    expect(processesMentioning(dir)).toEqual([]);
    for (const controller of ['memory', 'cpu', 'pids']) expect(existsSync(join('/sys/fs/cgroup', controller, `syntropism-${process.pid}`))).toBe(false);
    expect(events).toEqual([]); // the stack stops: no task is over for the economy
  });
});

/** Whether a process runs (a zombie does not: a killed supervisor waits a moment for init to reap it). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Processes whose command line names `text`. */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(text)) found.push(`${entry}: ${cmdline}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
