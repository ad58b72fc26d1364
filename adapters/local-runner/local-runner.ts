/**
 * The local runner: each run is a child process of the agent runtime, confined to its lease's
 * vCPU and memory (see limits.ts). Shortly before the run ends it gets SIGTERM (to save its state
 * and send its last usage report); at the end it is killed, hard. A renewal moves the end and the
 * limits of the same process. Each exit is reported with its reason, out-of-memory included.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ExitReason, RunExit, Runner, RunningAgent, RunSpec } from '../../economy/ports.js';
import { bundleQuantities, type Bundle } from '../../economy/resources.js';
import { confine, detectLimiter, type Confinement, type LimiterKind, type Limits } from './limits.js';

export interface LocalRunnerOptions {
  /** The bundled agent runtime (an .mjs file) to run with this Node. */
  runtime: string;
  /** Where agents' workspaces (`<dir>/<agentId>`) and logs live. */
  dataDir: string;
  /** A workspace without `agent.mjs` starts as a copy of this one (the genesis agent). */
  seedWorkspace: string;
  /** Environment every run gets: API URL, metering queue, SDK endpoints and credentials. */
  env: Record<string, string>;
  limiter?: LimiterKind;
  /** SIGTERM this long before the end (ms), so the runtime can save and report. */
  graceMs?: number;
  onExit?: (exit: RunExit) => void;
}

interface Run {
  spec: Omit<RunSpec, 'credential'>;
  child: ChildProcess;
  confinement: Confinement;
  termTimer?: NodeJS.Timeout;
  killTimer?: NodeJS.Timeout;
  /** Why we are stopping it, if we are. */
  stopping?: ExitReason;
  exited: Promise<void>;
}

export class LocalRunner implements Runner {
  readonly resizable = true;
  readonly limiter: LimiterKind;
  private readonly runs = new Map<string, Run>();

  constructor(private readonly options: LocalRunnerOptions) {
    this.limiter = options.limiter ?? detectLimiter();
  }

  workspaceOf(agentId: string): string {
    return join(this.options.dataDir, 'workspaces', agentId);
  }

  start(spec: RunSpec): Promise<void> {
    if (this.runs.has(spec.agentId)) return Promise.reject(new Error(`agent ${spec.agentId} is already running`));
    const workspace = this.workspaceOf(spec.agentId);
    if (!existsSync(join(workspace, 'agent.mjs'))) {
      mkdirSync(workspace, { recursive: true });
      cpSync(this.options.seedWorkspace, workspace, { recursive: true });
    }
    const logs = join(this.options.dataDir, 'logs');
    mkdirSync(logs, { recursive: true });

    const confinement = confine(this.limiter, `${spec.agentId}-${Date.now()}`, limitsOf(spec.bundle, spec.endsAt));
    const { command, args } = confinement.wrap(process.execPath, [this.options.runtime]);
    const child = spawn(command, args, {
      cwd: workspace,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        ...this.options.env,
        SYNTROPISM_AGENT_ID: spec.agentId,
        SYNTROPISM_LEASE_ID: spec.leaseId,
        SYNTROPISM_LEASE_ENDS_AT: String(spec.endsAt),
        SYNTROPISM_CREDENTIAL: spec.credential,
        SYNTROPISM_WORKSPACE: workspace,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: a Ctrl-C meant for the stack reaches the stack, which stops agents itself.
      detached: true,
    });
    const log = createWriteStream(join(logs, `${spec.agentId}.log`), { flags: 'a' });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });

    const { credential: _secret, ...kept } = spec;
    const run: Run = {
      spec: kept,
      child,
      confinement,
      exited: new Promise((resolve) => {
        child.once('exit', (code, signal) => {
          this.finish(run, code, signal);
          log.end();
          resolve();
        });
      }),
    };
    this.runs.set(spec.agentId, run);
    this.schedule(run);
    return new Promise((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', reject);
    });
  }

  extend(spec: Omit<RunSpec, 'credential'>): Promise<void> {
    const run = this.runs.get(spec.agentId);
    if (!run) return Promise.reject(new Error(`agent ${spec.agentId} is not running`));
    run.spec = spec;
    run.confinement.update(limitsOf(spec.bundle, spec.endsAt));
    this.schedule(run);
    return Promise.resolve();
  }

  async stop(agentId: string): Promise<void> {
    const run = this.runs.get(agentId);
    if (!run) return;
    run.stopping = 'stopped';
    run.child.kill('SIGTERM');
    const kill = setTimeout(() => run.child.kill('SIGKILL'), this.options.graceMs ?? 3000);
    await run.exited;
    clearTimeout(kill);
  }

  running(): Promise<RunningAgent[]> {
    return Promise.resolve(
      [...this.runs.values()].map((r) => ({
        agentId: r.spec.agentId,
        leaseId: r.spec.leaseId,
        endsAt: r.spec.endsAt,
        vcpu: r.spec.bundle.vcpu,
        memoryMiB: r.spec.bundle.memoryMiB,
      })),
    );
  }

  /** The process of a running agent (for tests and the status line). */
  pid(agentId: string): number | undefined {
    return this.runs.get(agentId)?.child.pid;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.runs.keys()].map((id) => this.stop(id)));
  }

  /** (Re)arms the timers: SIGTERM a grace period before the end, SIGKILL at the end. */
  private schedule(run: Run): void {
    clearTimeout(run.termTimer);
    clearTimeout(run.killTimer);
    const left = run.spec.endsAt - Date.now();
    const grace = Math.min(this.options.graceMs ?? 3000, Math.max(0, left / 2));
    run.termTimer = setTimeout(() => {
      run.stopping = 'lease-ended';
      run.child.kill('SIGTERM');
    }, Math.max(0, left - grace));
    run.killTimer = setTimeout(() => {
      run.stopping = 'lease-ended';
      run.child.kill('SIGKILL');
    }, Math.max(0, left));
  }

  private finish(run: Run, code: number | null, signal: NodeJS.Signals | null): void {
    clearTimeout(run.termTimer);
    clearTimeout(run.killTimer);
    this.runs.delete(run.spec.agentId);
    const at = Date.now();
    const reason: ExitReason = run.stopping
      ? run.stopping
      : signal === 'SIGKILL' && run.confinement.oomKilled()
        ? 'out-of-memory'
        : code === 0 && at >= run.spec.endsAt - (this.options.graceMs ?? 3000)
          ? 'lease-ended'
          : 'crashed';
    run.confinement.dispose();
    this.options.onExit?.({
      agentId: run.spec.agentId,
      leaseId: run.spec.leaseId,
      at,
      reason,
      detail: `exit code ${String(code)}, signal ${String(signal)}, limiter ${run.confinement.kind}`,
    });
  }
}

function limitsOf(bundle: Bundle, endsAt: number): Limits {
  const q = bundleQuantities(bundle);
  return { cpuUnits: q.vcpu, memoryBytes: q.memoryMiB * 1024 * 1024, seconds: Math.max(1, Math.ceil((endsAt - Date.now()) / 1000)) };
}
