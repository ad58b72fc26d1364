/**
 * Real limits for local agent runs, set from outside the sandbox: a cgroup with a CPU quota, a
 * memory limit and a cap on processes (cgroup v2 if this host lets us write it, else v1), else
 * `prlimit` (memory as RLIMIT_DATA; CPU only as a total of CPU seconds, vCPU × lease length,
 * since rlimits cannot cap a rate). The run joins its cgroup before `exec`, so it never runs a
 * moment outside its limits. The same cgroup measures the run's usage (CPU time, peak memory) and
 * is how every process of the run is killed at once.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupV1Usage, cgroupV2Usage, counter, readNumber, type MeasuredUsage } from '../../agent-container/supervisor/cgroup-usage.js';

export type LimiterKind = 'cgroup-v2' | 'cgroup-v1' | 'prlimit' | 'none';

export interface Limits {
  /** CPU units (1024 per vCPU). */
  cpuUnits: number;
  memoryBytes: number;
  /** For prlimit: the lease's length, to turn a CPU share into CPU seconds. */
  seconds: number;
}

export type { MeasuredUsage };

/** How a run is confined: the command to run it with, and how to measure, kill and undo it. */
export interface Confinement {
  kind: LimiterKind;
  wrap(command: string, args: string[]): { command: string; args: string[] };
  update(limits: Limits): void;
  /** Whether the kernel killed a process of this run for memory. */
  oomKilled(): boolean;
  /** The run's usage; `pid` is the run's first process (used where there is no cgroup). */
  usage(pid: number | undefined): MeasuredUsage;
  /** SIGKILL to every process of the run; `pid` as above. */
  killAll(pid: number | undefined): void;
  /** Removes the run's groups, once the killed processes have left them (the kernel takes a moment). */
  dispose(): Promise<void>;
}

/** The most processes one run may have: enough for any agent, too few for a fork bomb. */
export const MAX_PROCESSES = 256;

const V2_ROOT = '/sys/fs/cgroup';
const V1 = (controller: string) => join('/sys/fs/cgroup', controller);
const PERIOD_US = 100_000;

function writable(dir: string): boolean {
  const probe = join(dir, `syntropism-probe-${process.pid}`);
  try {
    mkdirSync(probe);
    rmdirSync(probe);
    return true;
  } catch {
    return false;
  }
}

export function detectLimiter(): LimiterKind {
  const controllers = join(V2_ROOT, 'cgroup.controllers');
  if (existsSync(controllers)) {
    const available = readFileSync(controllers, 'utf8');
    if (available.includes('memory') && available.includes('cpu') && writable(V2_ROOT)) return 'cgroup-v2';
  }
  if (existsSync(join(V1('memory'), 'memory.limit_in_bytes')) && existsSync(join(V1('cpu'), 'cpu.cfs_quota_us')) && writable(V1('memory')) && writable(V1('cpu'))) {
    return 'cgroup-v1';
  }
  if (spawnSync('prlimit', ['--version'], { stdio: 'ignore' }).status === 0) return 'prlimit';
  return 'none';
}

/** The parent group of all of this process's agents, so that test runs and stacks never collide. */
const groupRoot = `syntropism-${process.pid}`;

function tryWrite(file: string, value: string): void {
  try {
    writeFileSync(file, value);
  } catch {
    // optional knobs (swap limits) may not exist on every kernel
  }
}

function pidsIn(procsFile: string): number[] {
  try {
    return readFileSync(procsFile, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** SIGKILL to every process listed in a cgroup, until none is left (a fork may race the first pass). */
function killGroup(procsFile: string): void {
  for (let pass = 0; pass < 10; pass += 1) {
    const pids = pidsIn(procsFile);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** Whether a process is alive (a group named after a dead one is an orphan). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let swept = false;

/**
 * Removes the empty groups that processes which have since died left behind (killed before they
 * could stop their agents, or stopped while a killed agent was still being reaped): once per
 * process, before its first confinement. Groups that still hold a process stay.
 */
export function sweepOrphanGroups(roots: readonly string[] = [V2_ROOT, ...['memory', 'cpu', 'cpuacct', 'pids'].map(V1)]): number {
  let removed = 0;
  for (const root of roots) {
    let names: string[];
    try {
      names = readdirSync(root);
    } catch {
      continue;
    }
    for (const name of names) {
      const owner = /^syntropism-(\d+)$/.exec(name);
      if (!owner || Number(owner[1]) === process.pid || alive(Number(owner[1]))) continue;
      const group = join(root, name);
      try {
        for (const run of readdirSync(group, { withFileTypes: true })) if (run.isDirectory()) tryRmdir(join(group, run.name));
      } catch {
        continue; // gone meanwhile
      }
      if (tryRmdir(group)) removed += 1;
    }
  }
  return removed;
}

export function confine(kind: LimiterKind, name: string, limits: Limits): Confinement {
  if (!swept && (kind === 'cgroup-v1' || kind === 'cgroup-v2')) {
    swept = true;
    sweepOrphanGroups();
  }
  switch (kind) {
    case 'cgroup-v2':
      return cgroupV2(name, limits);
    case 'cgroup-v1':
      return cgroupV1(name, limits);
    case 'prlimit':
      return {
        ...withoutCgroup(kind),
        wrap: (command, args) => ({
          command: 'prlimit',
          args: [`--data=${limits.memoryBytes}`, `--cpu=${Math.max(1, Math.ceil((limits.cpuUnits / 1024) * limits.seconds))}`, `--nproc=${MAX_PROCESSES}`, '--', command, ...args],
        }),
      };
    case 'none':
      return withoutCgroup(kind);
  }
}

/** Runs `command args` after moving the shell into each of the cgroups' `cgroup.procs`. */
function joinThenExec(procsFiles: string[], command: string, args: string[]) {
  const moves = procsFiles.map((_, i) => `echo $$ > "$${i + 1}"`).join(' && ');
  return { command: '/bin/sh', args: ['-c', `${moves} && shift ${procsFiles.length} && exec "$@"`, 'sh', ...procsFiles, command, ...args] };
}

function cgroupV2(name: string, limits: Limits): Confinement {
  const parent = join(V2_ROOT, groupRoot);
  mkdirSync(parent, { recursive: true });
  tryWrite(join(parent, 'cgroup.subtree_control'), '+cpu +memory +pids');
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  const update = (l: Limits) => {
    writeFileSync(join(dir, 'memory.max'), String(l.memoryBytes));
    tryWrite(join(dir, 'memory.swap.max'), '0');
    writeFileSync(join(dir, 'cpu.max'), `${Math.round((l.cpuUnits / 1024) * PERIOD_US)} ${PERIOD_US}`);
  };
  update(limits);
  tryWrite(join(dir, 'pids.max'), String(MAX_PROCESSES));
  let peak = 0;
  return {
    kind: 'cgroup-v2',
    wrap: (command, args) => joinThenExec([join(dir, 'cgroup.procs')], command, args),
    update,
    oomKilled: () => counter(join(dir, 'memory.events'), 'oom_kill') > 0,
    usage: () => {
      const usage = cgroupV2Usage(dir, peak);
      peak = usage.peakMemoryBytes;
      return usage;
    },
    killAll: () => {
      if (existsSync(join(dir, 'cgroup.kill'))) tryWrite(join(dir, 'cgroup.kill'), '1');
      killGroup(join(dir, 'cgroup.procs'));
    },
    dispose: () => removeWhenEmpty([dir], [parent]),
  };
}

function cgroupV1(name: string, limits: Limits): Confinement {
  const group = (controller: string) => join(V1(controller), groupRoot, name);
  const memory = group('memory');
  const cpu = group('cpu');
  // cpuacct is its own hierarchy on some hosts and mounted with cpu (cpu,cpuacct) on others.
  const cpuacct = existsSync(join(V1('cpu'), 'cpuacct.usage')) ? cpu : existsSync(join(V1('cpuacct'), 'cpuacct.usage')) ? group('cpuacct') : undefined;
  const pids = existsSync(V1('pids')) && writable(V1('pids')) ? group('pids') : undefined;
  const dirs = [...new Set([memory, cpu, ...(cpuacct ? [cpuacct] : []), ...(pids ? [pids] : [])])];
  for (const dir of dirs) mkdirSync(dir, { recursive: true });
  const update = (l: Limits) => {
    // The swap limit (memsw) must stay ≥ the memory limit: order the writes accordingly.
    const current = Number(readFileSync(join(memory, 'memory.limit_in_bytes'), 'utf8'));
    if (l.memoryBytes > current) {
      tryWrite(join(memory, 'memory.memsw.limit_in_bytes'), String(l.memoryBytes));
      writeFileSync(join(memory, 'memory.limit_in_bytes'), String(l.memoryBytes));
    } else {
      writeFileSync(join(memory, 'memory.limit_in_bytes'), String(l.memoryBytes));
      tryWrite(join(memory, 'memory.memsw.limit_in_bytes'), String(l.memoryBytes));
    }
    writeFileSync(join(cpu, 'cpu.cfs_period_us'), String(PERIOD_US));
    writeFileSync(join(cpu, 'cpu.cfs_quota_us'), String(Math.round((l.cpuUnits / 1024) * PERIOD_US)));
  };
  update(limits);
  if (pids) tryWrite(join(pids, 'pids.max'), String(MAX_PROCESSES));
  const oomBefore = counter(join(memory, 'memory.oom_control'), 'oom_kill');
  return {
    kind: 'cgroup-v1',
    wrap: (command, args) => joinThenExec(dirs.map((d) => join(d, 'cgroup.procs')), command, args),
    update,
    oomKilled: () => counter(join(memory, 'memory.oom_control'), 'oom_kill') > oomBefore || readNumber(join(memory, 'memory.failcnt')) > 0,
    usage: () => cgroupV1Usage(cpuacct, memory),
    killAll: () => killGroup(join(memory, 'cgroup.procs')),
    dispose: () => removeWhenEmpty(dirs, ['memory', 'cpu', 'cpuacct', 'pids'].map((controller) => join(V1(controller), groupRoot))),
  };
}

/** Without a cgroup: usage read from /proc for the run's process tree, and its process group killed. */
function withoutCgroup(kind: 'prlimit' | 'none'): Confinement {
  let peak = 0;
  return {
    kind,
    wrap: (command, args) => ({ command, args }),
    update: () => undefined, // rlimits cannot be changed from outside; a renewal keeps the first limits
    oomKilled: () => false,
    usage: (pid) => {
      const tree = pid === undefined ? [] : processTree(pid);
      const ticks = tree.reduce((sum, p) => sum + p.cpuTicks, 0);
      peak = Math.max(peak, tree.reduce((sum, p) => sum + p.rssBytes, 0));
      return { cpuMicros: ticks * 10_000, peakMemoryBytes: peak }; // USER_HZ is 100 on Linux
    },
    killAll: (pid) => {
      if (pid === undefined) return;
      for (const p of processTree(pid).reverse()) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
    dispose: () => Promise.resolve(),
  };
}

/** A process and its live descendants, from /proc: CPU ticks (own and reaped children's) and resident memory. */
function processTree(root: number): { pid: number; cpuTicks: number; rssBytes: number }[] {
  const stats = new Map<number, { ppid: number; cpuTicks: number; rssBytes: number }>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields[1] is ppid; utime, stime, cutime, cstime are fields 11–14; rss (pages) is 21.
      const cpuTicks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
      stats.set(Number(entry), { ppid: Number(fields[1]), cpuTicks, rssBytes: Number(fields[21]) * 4096 });
    } catch {
      // gone meanwhile
    }
  }
  const out: { pid: number; cpuTicks: number; rssBytes: number }[] = [];
  const walk = (pid: number) => {
    const s = stats.get(pid);
    if (!s) return;
    out.push({ pid, cpuTicks: s.cpuTicks, rssBytes: s.rssBytes });
    for (const [child, c] of stats) if (c.ppid === pid) walk(child);
  };
  walk(root);
  return out;
}

/**
 * Removes a run's groups, retrying for up to two seconds while killed processes are still leaving
 * them, then the parents they leave empty (a parent another run still uses stays).
 */
async function removeWhenEmpty(groups: readonly string[], parents: readonly string[]): Promise<void> {
  let left = groups.filter((dir) => !tryRmdir(dir) && existsSync(dir));
  for (let attempt = 0; left.length > 0 && attempt < 40; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = left.filter((dir) => !tryRmdir(dir) && existsSync(dir));
  }
  for (const parent of parents) tryRmdir(parent);
}

function tryRmdir(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch {
    // not empty yet (another agent still runs) or already gone
    return false;
  }
}
