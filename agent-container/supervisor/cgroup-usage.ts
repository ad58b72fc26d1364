/**
 * What the processes of one cgroup have used: CPU time and the most memory held at once, read from
 * the kernel's own counters (cgroup v2, or v1's cpuacct and memory controllers). Agent code cannot
 * change these numbers; they are how usage is measured, not reported.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MeasuredUsage {
  cpuMicros: number;
  peakMemoryBytes: number;
}

const ROOT = '/sys/fs/cgroup';

/** A number a kernel file holds (0 when it is missing or unreadable). */
export function readNumber(file: string): number {
  try {
    return Number(readFileSync(file, 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

/** The value of `key` in a kernel file of `key value` lines (0 when missing). */
export function counter(file: string, key: string): number {
  try {
    const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${key} `));
    return line ? Number(line.split(' ')[1]) : 0;
  } catch {
    return 0;
  }
}

/** A cgroup v2 directory's usage; `peakSoFar` covers kernels without memory.peak (before 5.19). */
export function cgroupV2Usage(dir: string, peakSoFar = 0): MeasuredUsage {
  const memory = readNumber(join(dir, existsSync(join(dir, 'memory.peak')) ? 'memory.peak' : 'memory.current'));
  return { cpuMicros: counter(join(dir, 'cpu.stat'), 'usage_usec'), peakMemoryBytes: Math.max(peakSoFar, memory) };
}

/** A cgroup v1 group's usage, from its cpuacct and memory directories. */
export function cgroupV1Usage(cpuacct: string | undefined, memory: string): MeasuredUsage {
  return {
    cpuMicros: cpuacct ? Math.floor(readNumber(join(cpuacct, 'cpuacct.usage')) / 1000) : 0,
    peakMemoryBytes: readNumber(join(memory, 'memory.max_usage_in_bytes')),
  };
}

/**
 * A reader of this process's own cgroup, found through /proc/self/cgroup (in a container, the
 * container's: its cgroup namespace makes it the root). It measures the supervisor and everything
 * it runs: the whole task, which is what the lease bought.
 */
export function ownCgroupUsage(): () => MeasuredUsage {
  const lines = readFileSync('/proc/self/cgroup', 'utf8').split('\n').filter(Boolean);
  const pathOf = (controller: string) => lines.map((l) => l.split(':')).find(([, controllers]) => controllers!.split(',').includes(controller))?.[2];
  const unified = lines.find((l) => l.startsWith('0::'))?.slice(3);
  const memory = pathOf('memory');
  if (memory === undefined && unified !== undefined) {
    let peak = 0;
    return () => {
      const usage = cgroupV2Usage(join(ROOT, unified), peak);
      peak = usage.peakMemoryBytes;
      return usage;
    };
  }
  const cpuacctPath = pathOf('cpuacct');
  const cpuacctRoot = ['cpuacct', 'cpu,cpuacct', 'cpuacct,cpu'].map((m) => join(ROOT, m)).find((m) => existsSync(join(m, 'cpuacct.usage')));
  return () => cgroupV1Usage(cpuacctRoot && cpuacctPath !== undefined ? join(cpuacctRoot, cpuacctPath) : undefined, join(ROOT, 'memory', memory ?? '/'));
}
