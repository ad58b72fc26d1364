/**
 * The local stand-in for Fargate under `npm start -- --cloud`: it watches the agents' cluster in
 * moto's ECS and runs each task the oracle starts there as the task's container would run it: the
 * supervisor bundle (the Dockerfile's `node /app/supervisor.mjs`), with the image's environment,
 * the task definition's container environment and the RunTask overrides, under the overrides' cpu
 * and memory as real limits (a cgroup, adapters/local-runner/limits.ts). When the oracle stops a
 * task (StopTask), the supervisor gets SIGTERM, as ECS sends it; when the supervisor exits, the
 * task is marked stopped in moto, and one "ECS Task State Change" event goes to the template's
 * rule for it, with the exit code, the reason and the overrides, as ECS sends it.
 *
 * Not a sandbox. The supervisor runs agent code as another uid when this process is root (as the
 * container does), else as this process's own uid, where agent code could read the supervisor's
 * environment. And agent code shares this machine's network: it can reach the emulators, which
 * accept any credentials. `--cloud` is for proving the template's wiring with agents we wrote;
 * hostile agent code belongs to `npm start`'s sandboxed runner, or to Fargate (docs/SECURITY.md).
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { DescribeTaskDefinitionCommand, DescribeTasksCommand, ListTasksCommand, StopTaskCommand, type ECSClient, type Task } from '@aws-sdk/client-ecs';
import { confine, detectLimiter, type Confinement } from '../../adapters/local-runner/limits.js';
import { DEFAULT_AGENT_UID } from '../../adapters/local-runner/sandbox.js';
import { spawnTied } from '../../adapters/local-runner/tied-process.js';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './intrinsics.js';
import type { Json } from './template.js';

/** What ECS says of a task whose essential container exited by itself. */
export const CONTAINER_EXITED = 'Essential container in task exited';

export interface FargateStandInOptions {
  ecs: ECSClient;
  /** The cluster's ARN. */
  cluster: string;
  /** The bundled supervisor and runtime, and the genesis files (the image's /app). */
  supervisor: string;
  runtime: string;
  genesis: string;
  /** What Fargate's platform gives every task: region, credentials, and here the emulators' endpoints. */
  taskEnv: Record<string, string>;
  /** Tasks' workspaces (`tasks/<id>`) and agents' logs (`logs/<agentId>.log`). */
  dataDir: string;
  /** Where each task-state-change event goes (the template's rule). */
  onStopped: (event: Json) => Promise<void>;
  log: (line: string) => void;
  pollMs?: number;
}

interface RunningTask {
  task: Task;
  agentId: string;
  child: ChildProcess;
  confinement: Confinement;
  /** Set once the supervisor got SIGTERM for a StopTask. */
  stopping: boolean;
  exited: Promise<void>;
}

export interface FargateStandIn {
  /** The supervisor's process of each running task, by the agent it runs. */
  processes(): ReadonlyMap<string, number>;
  stop(): Promise<void>;
}

const MIB = 1024 * 1024;

export function startFargateStandIn(options: FargateStandInOptions): FargateStandIn {
  const { ecs, cluster, log } = options;
  const running = new Map<string, RunningTask>();
  /** Every task started here: a task runs once (moto lists it as running until its StopTask goes through). */
  const started = new Set<string>();
  const limiter = detectLimiter();
  const agentUid = process.getuid?.() === 0 ? DEFAULT_AGENT_UID : (process.getuid?.() ?? DEFAULT_AGENT_UID);
  if (agentUid !== DEFAULT_AGENT_UID) log(`UNSAFE: not root, so the Fargate stand-in's agent code runs as the supervisor's own uid (${agentUid})`);
  const state = { stopped: false };

  const describe = async (taskArns: string[]): Promise<Task[]> =>
    taskArns.length === 0 ? [] : ((await ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns, include: ['TAGS'] }))).tasks ?? []);

  const start = async (task: Task) => {
    const taskId = task.taskArn!.split('/').pop()!;
    started.add(taskId);
    const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: task.taskDefinitionArn! }));
    const container = taskDefinition!.containerDefinitions![0]!;
    const overrides = task.overrides?.containerOverrides?.find((c) => c.name === container.name);
    const pairs = (list: { name?: string; value?: string }[] | undefined) => (list ?? []).map((e) => [e.name!, e.value ?? ''] as const);
    const workspace = join(options.dataDir, 'tasks', taskId, 'workspace');
    mkdirSync(workspace, { recursive: true, mode: 0o711 });
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      // The image's ENV (agent-container/Dockerfile), at this machine's paths.
      NODE_ENV: 'production',
      SYNTROPISM_WORKSPACE: workspace,
      SYNTROPISM_GENESIS: options.genesis,
      SYNTROPISM_RUNTIME: options.runtime,
      SYNTROPISM_AGENT_UID: String(agentUid),
      ...Object.fromEntries(pairs(container.environment)),
      ...Object.fromEntries(pairs(overrides?.environment)),
      ...options.taskEnv,
    };
    const agentId = env.SYNTROPISM_AGENT_ID ?? taskId;
    const cpuUnits = Number(task.overrides?.cpu ?? taskDefinition!.cpu ?? 256);
    const memoryMiB = Number(task.overrides?.memory ?? taskDefinition!.memory ?? 512);
    const seconds = Math.max(1, Math.ceil((Number(env.SYNTROPISM_LEASE_ENDS_AT ?? 0) - Date.now()) / 1000));
    const confinement = confine(limiter, `task-${taskId}`, { cpuUnits, memoryBytes: memoryMiB * MIB, seconds });
    const wrapped = confinement.wrap(process.execPath, [options.supervisor]);
    const child = spawnTied(wrapped.command, wrapped.args, { env, cwd: workspace, stdio: ['ignore', 'pipe', 'pipe'] });
    mkdirSync(join(options.dataDir, 'logs'), { recursive: true });
    const output = createWriteStream(join(options.dataDir, 'logs', `${agentId}.log`), { flags: 'a' });
    child.stdout?.pipe(output, { end: false });
    child.stderr?.pipe(output, { end: false });
    const exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        void finish(taskId, code ?? (signal ? 137 : 1)).finally(() => {
          output.end();
          resolve();
        });
      });
    });
    running.set(taskId, { task, agentId, child, confinement, stopping: false, exited });
    log(`task ${taskId}: agent ${agentId} started (${cpuUnits / 1024} vCPU, ${memoryMiB} MiB)`);
  };

  /** After the supervisor's exit: the task stopped in moto, and its event sent once. */
  const finish = async (taskId: string, exitCode: number) => {
    const run = running.get(taskId)!;
    running.delete(taskId);
    const outOfMemory = run.confinement.oomKilled();
    run.confinement.killAll(run.child.pid);
    await run.confinement.dispose().catch(() => undefined);
    try {
      let [task] = await describe([run.task.taskArn!]);
      if (task?.desiredStatus !== 'STOPPED') {
        task = (await ecs.send(new StopTaskCommand({ cluster, task: run.task.taskArn!, reason: CONTAINER_EXITED }))).task;
      }
      const stoppedReason = run.stopping && task?.stoppedReason ? task.stoppedReason : CONTAINER_EXITED;
      await options.onStopped({
        version: '0',
        id: randomUUID(),
        'detail-type': 'ECS Task State Change',
        source: 'aws.ecs',
        account: LOCAL_ACCOUNT,
        time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: LOCAL_REGION,
        resources: [run.task.taskArn],
        detail: {
          clusterArn: cluster,
          taskArn: run.task.taskArn,
          taskDefinitionArn: run.task.taskDefinitionArn,
          group: run.task.group,
          startedBy: run.task.startedBy,
          lastStatus: 'STOPPED',
          desiredStatus: 'STOPPED',
          stoppedReason,
          stopCode: run.stopping ? 'UserInitiated' : 'EssentialContainerExited',
          stoppedAt: new Date().toISOString(),
          containers: [{ name: run.task.overrides?.containerOverrides?.[0]?.name ?? 'agent', exitCode, ...(outOfMemory ? { reason: 'OutOfMemoryError: Container killed due to memory usage' } : {}) }],
          overrides: run.task.overrides,
        },
      });
    } catch (err) {
      log(`task ${taskId}: after it stopped: ${err instanceof Error ? err.message : String(err)}`);
    }
    log(`task ${taskId}: agent ${run.agentId} stopped (exit ${exitCode}${outOfMemory ? ', out of memory' : ''})`);
  };

  const poll = async () => {
    const listed = (await ecs.send(new ListTasksCommand({ cluster, desiredStatus: 'RUNNING' }))).taskArns ?? [];
    const fresh = listed.filter((arn) => !started.has(arn.split('/').pop()!));
    for (const task of await describe(fresh)) {
      if (!state.stopped && task.desiredStatus === 'RUNNING') await start(task);
    }
    // Those the oracle stopped: SIGTERM to the supervisor, which ends the run as at the lease's end.
    const gone = [...running.entries()].filter(([, run]) => !run.stopping && !listed.includes(run.task.taskArn!));
    for (const task of await describe(gone.map(([, run]) => run.task.taskArn!))) {
      const run = running.get(task.taskArn!.split('/').pop()!);
      if (run && task.desiredStatus === 'STOPPED') {
        run.stopping = true;
        run.child.kill('SIGTERM');
      }
    }
  };

  const loop = (async () => {
    while (!state.stopped) {
      try {
        await poll();
      } catch (err) {
        log(`Fargate stand-in: ${err instanceof Error ? err.message : String(err)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
    }
  })();

  return {
    processes: () => new Map([...running.values()].flatMap((run) => (run.child.pid ? [[run.agentId, run.child.pid] as const] : []))),
    stop: async () => {
      state.stopped = true;
      await loop;
      const runs = [...running.values()];
      for (const run of runs) {
        run.stopping = true;
        run.child.kill('SIGTERM');
      }
      // The container's stopTimeout is 60 s; here 10 s, then every process of the task is killed.
      const killer = setTimeout(() => runs.forEach((run) => run.confinement.killAll(run.child.pid)), 10_000);
      await Promise.all(runs.map((run) => run.exited));
      clearTimeout(killer);
    },
  };
}
