/**
 * A local stand-in for Fargate, for `npm start -- --cloud`: it runs the tasks that the oracle
 * starts through the ECS control plane emulator (moto), as Fargate would run the agent image
 * (agent-container/Dockerfile), and reports each one's end as ECS does, with an "ECS Task State
 * Change" event for the task-stopped function.
 *
 * It polls the cluster (ListTasks, DescribeTasks) and, for each task it has not run yet, starts the
 * image's command, `node /app/supervisor.mjs`, with the image's environment, the task definition's
 * container environment, the RunTask overrides' and the platform's (`taskEnv`: region, emulator
 * endpoints, credentials), and nothing of this process's own. Each task is a mount namespace with
 * the image's layout (task-layout.ts): the bundled supervisor, runtime and genesis code read-only
 * under /app, its own empty /workspace (`<dataDir>/tasks/<taskId>/workspace`), the host's /usr and
 * /etc read-only, the host's /proc, and the host's network, which the supervisor needs for KMS and
 * the API. The task's cpu and memory (the overrides', else the task definition's) are real limits
 * on the whole task through a cgroup (adapters/local-runner/limits.ts), which also kills whatever
 * the task leaves behind; the kernel's OOM kill is reported as ECS reports it. Output goes to
 * `<dataDir>/logs/<agentId>.log`.
 *
 * When a task is told to stop (StopTask: its desired status STOPPED), its supervisor gets SIGTERM
 * and, `stopTimeoutMs` later (ECS's stopTimeout, 60 s), everything in the task SIGKILL. When the
 * supervisor exits by itself, the task is stopped in the emulator ("Essential container in task
 * exited"). Either way one STOPPED event follows, with the exit code and the stop reason that
 * DescribeTasks gives (the oracle's own, if it stopped the task).
 *
 * Isolation. The supervisor is trusted, as in the container: root in the task's namespace, with the
 * host's network and processes. Agent code is hostile, and gets what it gets under `npm start`:
 * with `apiSocket`, the supervisor's SYNTROPISM_RUNTIME is a launcher (agent-launcher.ts) that runs
 * the real runtime in sandbox.ts's bubblewrap sandbox, as the unprivileged `agentUid`
 * (DEFAULT_AGENT_UID) in a user namespace of its own: no network but the API's socket (none of the
 * emulators on loopback, which trust anyone), nothing to see but its workspace, /usr and the
 * runtime, its own PIDs, no capabilities. Without `apiSocket`, agent code still runs as `agentUid`,
 * so it can read neither the supervisor's environment nor anything of the data dir but its
 * workspace, but it has the host's network, emulators included, and sees the host's processes and
 * /etc: each such task is logged as UNSAFE. Either way the CPU and memory limits are the task's,
 * agent and supervisor together, as in Fargate.
 *
 * Run as root only. The supervisor runs agent code as another uid, which only root can, and the
 * task's namespace is made as root; not as root, there is no task without the one boundary that
 * matters (agent code as another user than the one that has every secret), so each task fails to
 * start, as ECS fails a task it cannot start: stopped with a CannotStartContainerError reason and
 * stop code TaskFailedToStart, logged with why.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, realpathSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { AwsService } from '../../adapters/aws/service.js';
import { confine, detectLimiter, type Confinement, type LimiterKind } from '../../adapters/local-runner/limits.js';
import { DEFAULT_AGENT_UID, nodeBinds, openDirs, systemDirs } from '../../adapters/local-runner/sandbox.js';
import { tiedCommand } from '../../adapters/local-runner/tied-process.js';
import { bundleAgentLauncher } from '../runtime-bundle.js';
import { TASK_PATHS } from './task-layout.js';

type KeyValue = { name?: string; value?: string };

/** What the stand-in reads of a task (DescribeTasks). */
export interface EcsTask {
  taskArn?: string;
  clusterArn?: string;
  taskDefinitionArn?: string;
  desiredStatus?: string;
  lastStatus?: string;
  stoppedReason?: string;
  startedBy?: string;
  group?: string;
  launchType?: string;
  cpu?: string;
  memory?: string;
  createdAt?: number | string;
  overrides?: { cpu?: string; memory?: string; containerOverrides?: { name?: string; environment?: KeyValue[] }[] };
  tags?: { key?: string; value?: string }[];
}

/** The EventBridge event ECS sends when a task has stopped (what lambdas/ecs-task-stopped.ts reads, and more). */
export interface EcsTaskStoppedEvent {
  version: '0';
  id: string;
  'detail-type': 'ECS Task State Change';
  source: 'aws.ecs';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    clusterArn: string;
    taskArn: string;
    taskDefinitionArn?: string;
    lastStatus: 'STOPPED';
    desiredStatus: 'STOPPED';
    stoppedReason: string;
    stopCode: 'UserInitiated' | 'EssentialContainerExited' | 'TaskFailedToStart';
    stoppingAt: string;
    stoppedAt: string;
    startedAt?: string;
    launchType: 'FARGATE';
    cpu?: string;
    memory?: string;
    containers: { name: string; taskArn: string; lastStatus: 'STOPPED'; exitCode?: number; reason?: string }[];
    overrides: NonNullable<EcsTask['overrides']>;
    group?: string;
    startedBy?: string;
    tags?: { key?: string; value?: string }[];
  };
}

export interface FargateStandInOptions {
  /** The ECS control plane (moto). */
  ecs: AwsService;
  /** The cluster whose tasks this runs: name or ARN. */
  cluster: string;
  /** What Fargate's platform gives every task: AWS_REGION, credentials, AWS_ENDPOINT_URL_KMS... */
  taskEnv: Record<string, string>;
  /** The bundled supervisor, runtime (local/runtime-bundle.ts) and the genesis agent's dir. */
  supervisor: string;
  runtime: string;
  genesis: string;
  /** Where tasks' workspaces (`tasks/<taskId>/workspace`), logs (`logs/<agentId>.log`) and the launcher go. */
  dataDir: string;
  /** The agent API's unix socket: agent code is sandboxed with it as its only way out. Without it: UNSAFE. */
  apiSocket?: string;
  /** Called once per task, when it has stopped. */
  onStopped: (event: EcsTaskStoppedEvent) => void | Promise<void>;
  log: (line: string) => void;
  /** The uid agent code runs as (the supervisor's SYNTROPISM_AGENT_UID). */
  agentUid?: number;
  /** How often the cluster is polled (ms). */
  pollMs?: number;
  /** How long after SIGTERM a stopping task is killed (ms): ECS's stopTimeout, 60 s. */
  stopTimeoutMs?: number;
  limiter?: LimiterKind;
}

export interface StandInTask {
  taskArn: string;
  agentId: string | undefined;
  /** The supervisor's pid, once known. */
  pid: number | undefined;
  /** The task's /workspace on this host. */
  workspace: string;
  cpu: number;
  memoryMiB: number;
  stopping: boolean;
}

export interface FargateStandIn {
  /** Tasks whose supervisor runs here. */
  running(): StandInTask[];
  /** Stops polling and every task (SIGTERM, then SIGKILL after `stopTimeoutMs`); no STOPPED events. */
  stop(): Promise<void>;
}

export const ESSENTIAL_EXITED = 'Essential container in task exited';
export const OUT_OF_MEMORY = 'OutOfMemoryError: Container killed due to memory usage';

/** The image's environment (Dockerfile ENV, and the PATH and HOME of node:22-slim as root). */
const IMAGE_ENV = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/root',
  NODE_ENV: 'production',
  SYNTROPISM_WORKSPACE: TASK_PATHS.workspace,
  SYNTROPISM_GENESIS: TASK_PATHS.genesis,
  SYNTROPISM_RUNTIME: TASK_PATHS.runtime,
};

interface Task {
  arn: string;
  described: EcsTask;
  agentId: string | undefined;
  workspace: string;
  cpu: number;
  memoryMiB: number;
  containerName: string;
  startedAt: number;
  child?: ChildProcess;
  confinement?: Confinement;
  supervisorPid?: number;
  /** The stop reason, once the task is told to stop. */
  stopReason?: string;
  stoppingAt?: number;
  killTimer?: NodeJS.Timeout;
  exited: Promise<void>;
}

export async function startFargateStandIn(options: FargateStandInOptions): Promise<FargateStandIn> {
  const { ecs, cluster, log } = options;
  const pollMs = options.pollMs ?? 1000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 60_000;
  const agentUid = options.agentUid ?? DEFAULT_AGENT_UID;
  const limiter = options.limiter ?? detectLimiter();
  const launcher = options.apiSocket ? await bundleAgentLauncher(join(options.dataDir, 'fargate')) : undefined;
  if (limiter !== 'cgroup-v1' && limiter !== 'cgroup-v2') log(`fargate: no writable cgroup here (limiter ${limiter}): tasks' cpu and memory are not limited as Fargate limits them, nor out of memory told apart`);
  const cannotStart = whyNoTasks();
  if (cannotStart) log(`fargate: no task can start here: ${cannotStart}`);

  const tasks = new Map<string, Task>();
  /** Every task ever started here: a stopped one stays listed as RUNNING until StopTask has gone through. */
  const seen = new Set<string>();
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<void> = Promise.resolve();

  const describe = async (arns: string[]): Promise<EcsTask[]> => {
    const out: EcsTask[] = [];
    for (let i = 0; i < arns.length; i += 100) {
      const page = await ecs.json<{ tasks?: EcsTask[] }>('DescribeTasks', { cluster, tasks: arns.slice(i, i + 100), include: ['TAGS'] });
      out.push(...(page.tasks ?? []));
    }
    return out;
  };

  const listRunning = async (): Promise<string[]> => {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await ecs.json<{ taskArns?: string[]; nextToken?: string }>('ListTasks', { cluster, desiredStatus: 'RUNNING', ...(nextToken ? { nextToken } : {}) });
      arns.push(...(page.taskArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return arns;
  };

  /** One look at the cluster: new tasks started, tasks told to stop stopped. */
  const poll = async (): Promise<void> => {
    const listed = await listRunning();
    const fresh = listed.filter((arn) => !seen.has(arn));
    // moto quirk: each DescribeTasks moves lastStatus on (RUNNING, DEACTIVATING... STOPPED) while
    // the task is still meant to run: only desiredStatus says anything.
    for (const task of await describe(fresh)) {
      if (stopping || !task.taskArn || seen.has(task.taskArn) || task.desiredStatus !== 'RUNNING') continue;
      seen.add(task.taskArn);
      await start(task);
    }
    const unlisted = [...tasks.values()].filter((t) => t.stopReason === undefined && !listed.includes(t.arn));
    for (const task of await describe(unlisted.map((t) => t.arn))) {
      const ours = task.taskArn ? tasks.get(task.taskArn) : undefined;
      if (ours && task.desiredStatus === 'STOPPED') terminate(ours, task.stoppedReason ?? '');
    }
  };

  const schedule = () => {
    if (stopping) return;
    timer = setTimeout(() => {
      polling = poll()
        .catch((err: unknown) => log(`fargate: polling the cluster failed: ${message(err)}`))
        .finally(schedule);
    }, pollMs);
  };

  async function start(described: EcsTask): Promise<void> {
    const arn = described.taskArn!;
    const taskId = arn.split('/').at(-1)!;
    const overrides = described.overrides ?? {};
    const overrideEnv = (overrides.containerOverrides ?? []).flatMap((c) => c.environment ?? []);
    const agentId = overrideEnv.find((e) => e.name === 'SYNTROPISM_AGENT_ID')?.value;
    const workspace = join(options.dataDir, 'tasks', taskId, 'workspace');
    let resolveExited!: () => void;
    const task: Task = {
      arn,
      described,
      agentId,
      workspace,
      cpu: Number(overrides.cpu ?? described.cpu ?? 0),
      memoryMiB: Number(overrides.memory ?? described.memory ?? 0),
      containerName: overrides.containerOverrides?.[0]?.name ?? '',
      startedAt: Date.now(),
      exited: new Promise((resolve) => (resolveExited = resolve)),
    };
    tasks.set(arn, task);
    try {
      if (cannotStart) throw new Error(cannotStart);
      const definition = await containerDefinition(described);
      task.containerName = definition.name;
      if (!(task.cpu > 0 && task.memoryMiB > 0)) throw new Error(`the task has no cpu and memory (cpu ${String(overrides.cpu)}, memory ${String(overrides.memory)})`);
      mkdirSync(workspace, { recursive: true, mode: 0o755 });
      mkdirSync(join(options.dataDir, 'logs'), { recursive: true });
      const env: Record<string, string> = {
        ...IMAGE_ENV,
        ...(launcher ? { SYNTROPISM_RUNTIME: TASK_PATHS.launcher } : {}),
        SYNTROPISM_AGENT_UID: String(agentUid),
        ...pairs(definition.environment),
        ...pairs(overrideEnv),
        ...options.taskEnv,
      };
      if (!launcher) log(`fargate: UNSAFE: task ${taskId}${agentId ? ` (agent ${agentId})` : ''} runs agent code with the host's network, emulators included: give the stand-in the API's socket to sandbox it`);
      const confinement = confine(limiter, `task-${taskId}`, { cpuUnits: task.cpu, memoryBytes: task.memoryMiB * 1024 * 1024, seconds: 3600 });
      task.confinement = confinement;
      const bwrap = taskCommand(workspace, launcher, env);
      const wrapped = confinement.wrap(bwrap.command, bwrap.args);
      const tied = tiedCommand(wrapped.command, wrapped.args);
      const logFd = openSync(join(options.dataDir, 'logs', `${agentId ?? taskId}.log`), 'a');
      let child: ChildProcess;
      try {
        child = spawn(tied.command, tied.args, { cwd: '/', env, stdio: ['ignore', logFd, logFd, 'pipe'], detached: true });
      } finally {
        closeSync(logFd);
      }
      task.child = child;
      let info = '';
      (child.stdio[3] as Readable).on('data', (chunk: Buffer) => {
        info += chunk.toString();
        const pid = /"child-pid"\s*:\s*(\d+)/.exec(info)?.[1];
        if (pid) task.supervisorPid = Number(pid);
      });
      child.once('error', (err) => log(`fargate: task ${taskId}: ${err.message}`));
      child.once('exit', (code, signal) => {
        void finish(task, code ?? 128 + (signal ? constants.signals[signal] : 0)).finally(resolveExited);
      });
      log(`fargate: task ${taskId} started${agentId ? ` for agent ${agentId}` : ''} (${task.cpu} cpu units, ${task.memoryMiB} MiB, limiter ${confinement.kind})`);
    } catch (err) {
      log(`fargate: task ${taskId} could not start: ${message(err)}`);
      tasks.delete(arn);
      await failed(task, message(err)).finally(resolveExited);
    }
  }

  async function containerDefinition(task: EcsTask): Promise<{ name: string; environment?: KeyValue[] }> {
    const out = await ecs.json<{ taskDefinition?: { containerDefinitions?: { name?: string; essential?: boolean; environment?: KeyValue[] }[] } }>('DescribeTaskDefinition', {
      taskDefinition: task.taskDefinitionArn,
    });
    const containers = out.taskDefinition?.containerDefinitions ?? [];
    const name = task.overrides?.containerOverrides?.[0]?.name;
    const container = containers.find((c) => c.name === name) ?? containers.find((c) => c.essential !== false) ?? containers[0];
    if (!container?.name) throw new Error(`task definition ${String(task.taskDefinitionArn)} has no container`);
    return { name: container.name, ...(container.environment ? { environment: container.environment } : {}) };
  }

  /** The task's namespace, as root: the image's layout, the host's network; the supervisor's pid on fd 3. */
  function taskCommand(workspace: string, launcherFile: string | undefined, env: Record<string, string>): { command: string; args: string[] } {
    const args = [
      ...systemDirs(),
      ...nodeBinds(),
      '--ro-bind', '/etc', '/etc',
      // The host's /proc: a fresh one would have parts covered (bwrap covers /proc/sys...), and the
      // kernel lets the agent's sandbox mount a /proc of its own only where /proc is all visible.
      '--bind', '/proc', '/proc',
      '--dev', '/dev',
      '--tmpfs', '/tmp',
      // The supervisor measures the task's usage from its own cgroup.
      ...openDirs('/sys/fs/cgroup/x'),
      '--ro-bind', '/sys/fs/cgroup', '/sys/fs/cgroup',
      ...openDirs(TASK_PATHS.supervisor, TASK_PATHS.apiSocket),
      '--bind', workspace, TASK_PATHS.workspace,
      '--ro-bind', options.supervisor, TASK_PATHS.supervisor,
      '--ro-bind', options.runtime, TASK_PATHS.runtime,
      '--ro-bind', options.genesis, TASK_PATHS.genesis,
      ...(launcherFile && options.apiSocket ? ['--ro-bind', launcherFile, TASK_PATHS.launcher, '--ro-bind', options.apiSocket, TASK_PATHS.apiSocket] : []),
      '--unshare-ipc',
      '--die-with-parent',
      '--info-fd', '3',
      '--chdir', '/app',
      // bwrap sets PWD: the task's environment is the task's own.
      '--', ...('PWD' in env ? [] : ['/usr/bin/env', '-u', 'PWD']), realpathSync(process.execPath), TASK_PATHS.supervisor,
    ];
    return { command: 'bwrap', args };
  }

  /** Told to stop: SIGTERM to the supervisor, and everything in the task killed after the stop timeout. */
  function terminate(task: Task, reason: string): void {
    if (task.stopReason !== undefined) return;
    task.stopReason = reason;
    task.stoppingAt = Date.now();
    log(`fargate: task ${taskId(task)} told to stop (${reason || 'no reason'})`);
    signal(task, 'SIGTERM');
    task.killTimer = setTimeout(() => task.confinement?.killAll(task.child?.pid), stopTimeoutMs);
  }

  function signal(task: Task, name: NodeJS.Signals): void {
    try {
      if (task.supervisorPid !== undefined) process.kill(task.supervisorPid, name);
      else task.confinement?.killAll(task.child?.pid); // not yet started: nothing to save
    } catch {
      // already gone
    }
  }

  /** The supervisor has exited: the rest of the task killed, the task stopped in ECS, the event sent. */
  async function finish(task: Task, exitCode: number): Promise<void> {
    clearTimeout(task.killTimer);
    task.confinement?.killAll(undefined);
    const outOfMemory = task.confinement?.oomKilled() ?? false;
    await task.confinement?.dispose();
    tasks.delete(task.arn);
    log(`fargate: task ${taskId(task)} exited (${exitCode}${outOfMemory ? ', out of memory' : ''})`);
    if (stopping) return; // the stand-in stops with the stack: no task is over for the economy
    let reason = task.stopReason;
    let stopCode: EcsTaskStoppedEvent['detail']['stopCode'] = 'UserInitiated';
    if (reason === undefined) {
      stopCode = 'EssentialContainerExited';
      reason = ESSENTIAL_EXITED;
      try {
        // Told to stop meanwhile? Then that reason stands (moto's StopTask would overwrite it).
        const [now] = await describe([task.arn]);
        if (now?.desiredStatus === 'STOPPED') ({ reason, stopCode } = { reason: now.stoppedReason ?? '', stopCode: 'UserInitiated' });
        else await ecs.json('StopTask', { cluster, task: task.arn, reason: ESSENTIAL_EXITED });
      } catch (err) {
        log(`fargate: could not mark task ${taskId(task)} stopped: ${message(err)}`);
      }
    }
    await emit(task, {
      stopCode,
      stoppedReason: reason,
      container: { exitCode, ...(outOfMemory ? { reason: OUT_OF_MEMORY } : {}) },
    });
  }

  /** A task that could not start: stopped in ECS with why, as ECS stops one whose container cannot start. */
  async function failed(task: Task, why: string): Promise<void> {
    const reason = `CannotStartContainerError: ${why}`;
    try {
      await ecs.json('StopTask', { cluster, task: task.arn, reason });
    } catch (err) {
      log(`fargate: could not mark task ${taskId(task)} stopped: ${message(err)}`);
    }
    if (!stopping) await emit(task, { stopCode: 'TaskFailedToStart', stoppedReason: reason, container: { reason: why } });
  }

  async function emit(task: Task, end: { stopCode: EcsTaskStoppedEvent['detail']['stopCode']; stoppedReason: string; container: { exitCode?: number; reason?: string } }) {
    const d = task.described;
    const clusterArn = d.clusterArn ?? '';
    const [, , , region = '', account = ''] = clusterArn.split(':');
    const now = new Date();
    const event: EcsTaskStoppedEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'ECS Task State Change',
      source: 'aws.ecs',
      account,
      time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region,
      resources: [task.arn],
      detail: {
        clusterArn,
        taskArn: task.arn,
        ...(d.taskDefinitionArn ? { taskDefinitionArn: d.taskDefinitionArn } : {}),
        lastStatus: 'STOPPED',
        desiredStatus: 'STOPPED',
        stoppedReason: end.stoppedReason,
        stopCode: end.stopCode,
        stoppingAt: new Date(task.stoppingAt ?? now.getTime()).toISOString(),
        stoppedAt: now.toISOString(),
        ...(task.child ? { startedAt: new Date(task.startedAt).toISOString() } : {}),
        launchType: 'FARGATE',
        cpu: String(task.cpu),
        memory: String(task.memoryMiB),
        containers: [{ name: task.containerName, taskArn: task.arn, lastStatus: 'STOPPED', ...end.container }],
        overrides: d.overrides ?? {},
        ...(d.group ? { group: d.group } : {}),
        ...(d.startedBy ? { startedBy: d.startedBy } : {}),
        ...(d.tags ? { tags: d.tags } : {}),
      },
    };
    try {
      await options.onStopped(event);
    } catch (err) {
      log(`fargate: the stop event of task ${taskId(task)} failed: ${message(err)}`);
    }
  }

  schedule();

  return {
    running: () =>
      [...tasks.values()]
        .filter((t) => t.child)
        .map((t) => ({ taskArn: t.arn, agentId: t.agentId, pid: t.supervisorPid, workspace: t.workspace, cpu: t.cpu, memoryMiB: t.memoryMiB, stopping: t.stopReason !== undefined })),
    stop: async () => {
      stopping = true;
      clearTimeout(timer);
      await polling;
      const all = [...tasks.values()];
      for (const task of all) terminate(task, 'the stand-in stops');
      await Promise.all(all.map((t) => t.exited));
    },
  };
}

const taskId = (task: Task) => task.arn.split('/').at(-1)!;

function pairs(list: KeyValue[] | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).filter((e): e is { name: string; value?: string } => !!e.name).map((e) => [e.name, e.value ?? '']));
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}


/** Why this host can run no task, if it cannot. */
function whyNoTasks(): string | undefined {
  if (process.getuid?.() !== 0) {
    return 'the Fargate stand-in must run as root: its supervisor runs agent code as another user (SYNTROPISM_AGENT_UID), which only root can, and without that agent code could read every secret the supervisor holds';
  }
  if (spawnSync('bwrap', ['--version'], { stdio: 'ignore' }).status !== 0) return 'bwrap is not installed (Debian/Ubuntu: apt-get install -y bubblewrap)';
  if (!existsSync('/proc/self/ns/mnt')) return 'this kernel has no mount namespaces';
  return undefined;
}
