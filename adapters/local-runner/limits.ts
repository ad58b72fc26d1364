/**
 * Real limits for local agent processes: a cgroup with a CPU quota and a memory limit (cgroup v2
 * if this host lets us write it, else v1), else `prlimit` (memory as RLIMIT_DATA; CPU only as a
 * total of CPU seconds, vCPU × lease length, since rlimits cannot cap a rate). The process joins
 * its cgroup before `exec`, so it never runs a moment outside its limits.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type LimiterKind = 'cgroup-v2' | 'cgroup-v1' | 'prlimit' | 'none';

export interface Limits {
  /** CPU units (1024 per vCPU). */
  cpuUnits: number;
  memoryBytes: number;
  /** For prlimit: the lease's length, to turn a CPU share into CPU seconds. */
  seconds: number;
}

/** How a process will be confined: the command to run it with, and how to read and undo the confinement. */
export interface Confinement {
  kind: LimiterKind;
  wrap(command: string, args: string[]): { command: string; args: string[] };
  update(limits: Limits): void;
  /** Whether the kernel killed a process of this group for memory. */
  oomKilled(): boolean;
  dispose(): void;
}

const V2_ROOT = '/sys/fs/cgroup';
const V1_MEMORY = '/sys/fs/cgroup/memory';
const V1_CPU = '/sys/fs/cgroup/cpu';
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
  if (existsSync(join(V1_MEMORY, 'memory.limit_in_bytes')) && existsSync(join(V1_CPU, 'cpu.cfs_quota_us')) && writable(V1_MEMORY) && writable(V1_CPU)) {
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

function counter(file: string, key: string): number {
  try {
    const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${key} `));
    return line ? Number(line.split(' ')[1]) : 0;
  } catch {
    return 0;
  }
}

export function confine(kind: LimiterKind, name: string, limits: Limits): Confinement {
  switch (kind) {
    case 'cgroup-v2':
      return cgroupV2(name, limits);
    case 'cgroup-v1':
      return cgroupV1(name, limits);
    case 'prlimit':
      return {
        kind,
        wrap: (command, args) => ({
          command: 'prlimit',
          args: [`--data=${limits.memoryBytes}`, `--cpu=${Math.max(1, Math.ceil((limits.cpuUnits / 1024) * limits.seconds))}`, '--', command, ...args],
        }),
        update: () => undefined, // rlimits cannot be changed from outside; a renewal keeps the first limits
        oomKilled: () => false,
        dispose: () => undefined,
      };
    case 'none':
      return { kind, wrap: (command, args) => ({ command, args }), update: () => undefined, oomKilled: () => false, dispose: () => undefined };
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
  tryWrite(join(parent, 'cgroup.subtree_control'), '+cpu +memory');
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  const update = (l: Limits) => {
    writeFileSync(join(dir, 'memory.max'), String(l.memoryBytes));
    tryWrite(join(dir, 'memory.swap.max'), '0');
    writeFileSync(join(dir, 'cpu.max'), `${Math.round((l.cpuUnits / 1024) * PERIOD_US)} ${PERIOD_US}`);
  };
  update(limits);
  return {
    kind: 'cgroup-v2',
    wrap: (command, args) => joinThenExec([join(dir, 'cgroup.procs')], command, args),
    update,
    oomKilled: () => counter(join(dir, 'memory.events'), 'oom_kill') > 0,
    dispose: () => {
      tryRmdir(dir);
      tryRmdir(parent);
    },
  };
}

function cgroupV1(name: string, limits: Limits): Confinement {
  const memory = join(V1_MEMORY, groupRoot, name);
  const cpu = join(V1_CPU, groupRoot, name);
  mkdirSync(memory, { recursive: true });
  mkdirSync(cpu, { recursive: true });
  let oomBefore = 0;
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
  oomBefore = counter(join(memory, 'memory.oom_control'), 'oom_kill');
  return {
    kind: 'cgroup-v1',
    wrap: (command, args) => joinThenExec([join(memory, 'cgroup.procs'), join(cpu, 'cgroup.procs')], command, args),
    update,
    oomKilled: () => counter(join(memory, 'memory.oom_control'), 'oom_kill') > oomBefore || Number(readFileSync(join(memory, 'memory.failcnt'), 'utf8')) > 0,
    dispose: () => {
      for (const dir of [memory, cpu]) tryRmdir(dir);
      for (const root of [join(V1_MEMORY, groupRoot), join(V1_CPU, groupRoot)]) tryRmdir(root);
    },
  };
}

function tryRmdir(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // not empty yet (another agent still runs) or already gone
  }
}
