/**
 * The local runner: the trusted supervisor of local agent runs. Each run is one process of the
 * agent runtime, in its sandbox (sandbox.ts) and under its lease's limits (limits.ts). The runner,
 * never the agent, keeps the lease clock: at the run's end it asks whether a renewal has been won
 * (however late), and if so the same process goes on under the renewal's limits; if not, the
 * process gets SIGTERM and, a moment later, every process of the run is killed, within 2 s of the
 * end. It measures the run's usage from its cgroup (CPU time, peak memory) and reports it at least
 * every 10 s and at exit. Each exit is reported with its reason, out-of-memory included.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, cpSync, createWriteStream, existsSync, lchownSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { UsageReport } from '../../economy/metering.js';
import type { ExitReason, RunExit, Runner, RunningAgent, RunSpec, RunTarget } from '../../economy/ports.js';
import { bundleQuantities, type Bundle } from '../../economy/resources.js';
import { RENEWAL_GRACE_MS, RENEWAL_POLL_MS } from '../../economy/run-grace.js';
import { confine, detectLimiter, type Confinement, type LimiterKind, type Limits } from './limits.js';
import { DEFAULT_AGENT_UID, SANDBOX_PATHS, sandboxCommand } from './sandbox.js';
import { tiedCommand } from './tied-process.js';

export interface LocalRunnerOptions {
  /** The bundled agent runtime (an .mjs file) to run with this Node. */
  runtime: string;
  /** Where agents' workspaces (`<dir>/<agentId>`) live. */
  workspaces: string;
  /** Where agents' logs (`<dir>/<agentId>.log`) go. */
  logs: string;
  /** A workspace without `agent.mjs` starts as a copy of this one (the genesis agent). */
  seedWorkspace: string;
  /**
   * How agent code reaches the agent API: in a sandbox, only through the API's unix socket; without
   * one (`--unsafe-no-sandbox`), over loopback HTTP.
   */
  api: { sandbox: true; socket: string } | { sandbox: false; url: string };
  /** The uid agents run as when the runner is root. */
  agentUid?: number;
  limiter?: LimiterKind;
  /** How long after SIGTERM every process of the run is killed (ms); at most 2 s after the end in all. */
  killAfterMs?: number;
  /** How often usage is measured and reported (ms). */
  meterMs?: number;
  /** At a run's end: the renewal that continues it, if one was won (see `continuation` in economy/launcher.ts). */
  continuation?: (run: RunningAgent) => Promise<RunTarget | undefined>;
  /** How long a run is held, frozen, past its end for its renewal (economy/run-grace.ts; ms). */
  renewalGraceMs?: number;
  /** Where measured usage goes (the metering queue). */
  onUsage?: (report: UsageReport) => Promise<void>;
  onExit?: (exit: RunExit) => void;
  /** Non-fatal trouble (a failed usage report, a renewal check that timed out). */
  log?: (line: string) => void;
}

interface Run {
  spec: Omit<RunSpec, 'credential'>;
  child: ChildProcess;
  confinement: Confinement;
  endTimer?: NodeJS.Timeout;
  meterTimer?: NodeJS.Timeout;
  killTimer?: NodeJS.Timeout;
  /** Why we are stopping it, if we are. */
  stopping?: ExitReason;
  exitedAt?: number;
  exited: Promise<void>;
  reports: number;
  cpuReported: number;
}

/** How long one check for a renewal may take at a run's end. */
const RENEWAL_CHECK_MS = 800;

export class LocalRunner implements Runner {
  readonly resizable = true;
  /** `stop` returns once the run has exited (its state saved in its workspace, which stays here). */
  readonly finishesAfterStop = false;
  readonly limiter: LimiterKind;
  private readonly runs = new Map<string, Run>();

  constructor(private readonly options: LocalRunnerOptions) {
    this.limiter = options.limiter ?? detectLimiter();
  }

  workspaceOf(agentId: string): string {
    return join(this.options.workspaces, agentId);
  }

  start(spec: RunSpec): Promise<void> {
    if (this.runs.has(spec.agentId)) return Promise.reject(new Error(`agent ${spec.agentId} is already running`));
    const workspace = this.prepareWorkspace(spec.agentId);
    mkdirSync(this.options.logs, { recursive: true });
    const confinement = confine(this.limiter, `${spec.agentId}-${spec.runId}`, limitsOf(spec.bundle, spec.endsAt));
    const { command, args, env } = this.command(spec, workspace);
    const wrapped = confinement.wrap(command, args);
    // Tied to the stack's life: if the stack is killed, the run dies with it.
    const tied = tiedCommand(wrapped.command, wrapped.args);
    const child = spawn(tied.command, tied.args, {
      cwd: workspace,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: a Ctrl-C meant for the stack reaches the stack, which stops agents itself.
      detached: true,
    });
    const log = createWriteStream(join(this.options.logs, `${spec.agentId}.log`), { flags: 'a' });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });

    const { credential: _secret, ...kept } = spec;
    const run: Run = {
      spec: kept,
      child,
      confinement,
      reports: 0,
      cpuReported: 0,
      exited: new Promise((resolve) => {
        child.once('exit', (code, signal) => {
          void this.finish(run, code, signal).finally(() => {
            log.end();
            resolve();
          });
        });
      }),
    };
    this.runs.set(spec.agentId, run);
    this.scheduleEnd(run);
    run.meterTimer = setInterval(() => void this.report(run, false), this.options.meterMs ?? 10_000);
    return new Promise((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', reject);
    });
  }

  extend(spec: RunTarget & { runId: string }): Promise<void> {
    const run = this.runs.get(spec.agentId);
    if (!run || run.spec.runId !== spec.runId) return Promise.reject(new Error(`run ${spec.runId} of agent ${spec.agentId} is not running`));
    if (run.stopping) return Promise.reject(new Error(`agent ${spec.agentId} is stopping`));
    this.apply(run, spec);
    return Promise.resolve();
  }

  async stop(agentId: string): Promise<void> {
    const run = this.runs.get(agentId);
    if (!run) return;
    this.terminate(run, 'stopped');
    await run.exited;
  }

  running(): Promise<RunningAgent[]> {
    return Promise.resolve([...this.runs.values()].filter((r) => !r.stopping).map(view));
  }

  /** The first process of a running agent's run (for tests and the status line). */
  pid(agentId: string): number | undefined {
    return this.runs.get(agentId)?.child.pid;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.runs.keys()].map((id) => this.stop(id)));
  }

  /** The agent's workspace, seeded with the genesis code when it has none, owned by the agent's uid. */
  private prepareWorkspace(agentId: string): string {
    const workspace = this.workspaceOf(agentId);
    if (!existsSync(join(workspace, 'agent.mjs'))) {
      mkdirSync(workspace, { recursive: true });
      cpSync(this.options.seedWorkspace, workspace, { recursive: true, force: false });
    }
    if (this.options.api.sandbox && process.getuid?.() === 0) chownTree(workspace, this.options.agentUid ?? DEFAULT_AGENT_UID);
    return workspace;
  }

  /** The command and the whole environment of an agent process: nothing of the stack's own. */
  private command(spec: RunSpec, workspace: string): { command: string; args: string[]; env: Record<string, string> } {
    const node = realpathSync(process.execPath);
    const common = { PATH: '/usr/local/bin:/usr/bin:/bin', SYNTROPISM_AGENT_ID: spec.agentId, SYNTROPISM_CREDENTIAL: spec.credential, NODE_ENV: 'production' };
    if (!this.options.api.sandbox) {
      return {
        command: node,
        args: [this.options.runtime],
        env: { ...common, HOME: workspace, SYNTROPISM_WORKSPACE: workspace, SYNTROPISM_API_URL: this.options.api.url },
      };
    }
    const sandboxed = sandboxCommand({
      workspace,
      runtime: this.options.runtime,
      apiSocket: this.options.api.socket,
      uid: this.options.agentUid ?? DEFAULT_AGENT_UID,
      args: [node, SANDBOX_PATHS.runtime],
    });
    return { ...sandboxed, env: { ...common, HOME: '/tmp', SYNTROPISM_WORKSPACE: SANDBOX_PATHS.workspace, SYNTROPISM_API_SOCKET: SANDBOX_PATHS.apiSocket } };
  }

  /** A renewal: the same process goes on to the new end, under the new lease's limits. */
  private apply(run: Run, target: RunTarget): void {
    run.spec = { ...run.spec, leaseId: target.leaseId, bundle: target.bundle, endsAt: target.endsAt };
    run.confinement.update(limitsOf(target.bundle, target.endsAt));
    this.scheduleEnd(run);
  }

  private scheduleEnd(run: Run): void {
    clearTimeout(run.endTimer);
    run.endTimer = setTimeout(() => void this.atEnd(run), Math.max(0, run.spec.endsAt - Date.now()));
  }

  /**
   * The end of the run's lease: go on if a renewal was won by now; else hold the run, frozen, while
   * the round at this boundary settles (economy/run-grace.ts), and go on if it renews the run, or stop.
   */
  private async atEnd(run: Run): Promise<void> {
    if (isOver(run)) return;
    const endsAt = run.spec.endsAt;
    const unchanged = () => !isOver(run) && run.spec.endsAt === endsAt; // not stopped or extended meanwhile
    let next = await this.renewalOf(run);
    if (!next && unchanged()) {
      const until = endsAt + (this.options.renewalGraceMs ?? RENEWAL_GRACE_MS);
      this.signal(run, 'SIGSTOP');
      try {
        while (!next && unchanged() && Date.now() < until) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(RENEWAL_POLL_MS, Math.max(0, until - Date.now()))));
          next = await this.renewalOf(run);
        }
      } finally {
        this.signal(run, 'SIGCONT');
      }
    }
    if (!unchanged()) return;
    if (next && next.endsAt > endsAt) this.apply(run, next);
    else this.terminate(run, 'lease-ended');
  }

  /** The renewal that continues the run, if one has been won by now. */
  private async renewalOf(run: Run): Promise<RunTarget | undefined> {
    if (!this.options.continuation) return undefined;
    try {
      return await withTimeout(this.options.continuation(view(run)), RENEWAL_CHECK_MS);
    } catch (err) {
      this.options.log?.(`agent ${run.spec.agentId}: the renewal check failed (${err instanceof Error ? err.message : String(err)})`);
      return undefined;
    }
  }

  /** A signal to the agent runtime and what it started, past bwrap (which passes no signal on: it would die of it, and the sandbox with it). */
  private signal(run: Run, signal: NodeJS.Signals): void {
    for (const pid of [run.child.pid, ...descendants(run.child.pid)].filter((p): p is number => p !== undefined && command(p) !== 'bwrap')) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
  }

  /** SIGTERM to the agent, then every process of the run killed, by `killAfterMs` at the latest. */
  private terminate(run: Run, reason: ExitReason): void {
    if (run.exitedAt !== undefined) return;
    run.stopping ??= reason;
    clearTimeout(run.endTimer);
    this.signal(run, 'SIGTERM');
    this.signal(run, 'SIGCONT'); // a held run, to act on it
    // The runtime finishes its step, saves its state and exits; whatever is left is killed.
    run.killTimer ??= setTimeout(() => run.confinement.killAll(run.child.pid), this.options.killAfterMs ?? 1000);
  }

  /** Measures the run from outside and reports what it used since the last report. */
  private async report(run: Run, final: boolean): Promise<void> {
    if (!this.options.onUsage) return;
    const measured = run.confinement.usage(run.child.pid);
    const cpuMicros = Math.max(0, measured.cpuMicros - run.cpuReported);
    run.cpuReported = Math.max(run.cpuReported, measured.cpuMicros);
    run.reports += 1;
    const report: UsageReport = {
      reportId: `${run.spec.runId}-${run.reports}`,
      agentId: run.spec.agentId,
      leaseId: run.spec.leaseId,
      at: Date.now(),
      cpuMicros,
      llmTokens: 0, // counted where tokens are spent: the LLM gateway
      peakMemoryBytes: measured.peakMemoryBytes,
      ...(final ? { final: true } : {}),
    };
    try {
      await this.options.onUsage(report);
    } catch (err) {
      this.options.log?.(`agent ${run.spec.agentId}: usage report ${report.reportId} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async finish(run: Run, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    run.exitedAt = Date.now();
    clearTimeout(run.endTimer);
    clearInterval(run.meterTimer);
    // Anything the run left behind (a daemonised child) goes with it.
    run.confinement.killAll(undefined);
    clearTimeout(run.killTimer);
    const at = run.exitedAt;
    // In a sandbox the kernel's kill reaches the agent's process, and bwrap exits with its status.
    const reason: ExitReason =
      run.stopping ?? (run.confinement.oomKilled() ? 'out-of-memory' : code === 0 && at >= run.spec.endsAt ? 'lease-ended' : 'crashed');
    await this.report(run, true);
    await run.confinement.dispose();
    this.runs.delete(run.spec.agentId);
    this.options.onExit?.({
      agentId: run.spec.agentId,
      runId: run.spec.runId,
      leaseId: run.spec.leaseId,
      at,
      reason,
      detail: `exit code ${String(code)}, signal ${String(signal)}, limiter ${run.confinement.kind}`,
    });
  }
}

/** Whether a run is stopping or has exited. */
const isOver = (run: Run): boolean => run.stopping !== undefined || run.exitedAt !== undefined;

function view(run: Run): RunningAgent {
  return {
    agentId: run.spec.agentId,
    runId: run.spec.runId,
    leaseId: run.spec.leaseId,
    endsAt: run.spec.endsAt,
    vcpu: run.spec.bundle.vcpu,
    memoryMiB: run.spec.bundle.memoryMiB,
  };
}

function limitsOf(bundle: Bundle, endsAt: number): Limits {
  const q = bundleQuantities(bundle);
  return { cpuUnits: q.vcpu, memoryBytes: q.memoryMiB * 1024 * 1024, seconds: Math.max(1, Math.ceil((endsAt - Date.now()) / 1000)) };
}

/** Gives the workspace to the agent's uid (it was written by the stack: seeded, or inherited from a parent). */
function chownTree(dir: string, uid: number): void {
  const stat = statSync(dir);
  if (stat.uid !== uid) chownSync(dir, uid, uid);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) chownTree(path, uid);
    else lchownSync(path, uid, uid);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** A process's command name ('' once it is gone). */
function command(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Every live descendant of a process, from the kernel's list of each one's children. */
function descendants(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  let children: number[] = [];
  try {
    children = readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    // gone, or no /proc here
  }
  return children.flatMap((child) => [child, ...descendants(child)]);
}
