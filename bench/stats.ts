/** Small helpers to time things and print the numbers benchmarks report. */
export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const index = Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1);
  return sortedMs[Math.max(0, index)]!;
}

export interface LatencySummary {
  count: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
}

/** Latencies of calls and the wall time they took. */
export interface Timings {
  latencies: number[];
  seconds: number;
}

/** Runs `task(i)` for i in [first, first + total) with at most `concurrency` in flight, timing each call. */
export async function time(total: number, concurrency: number, task: (i: number) => Promise<unknown>, first = 0): Promise<Timings> {
  const latencies: number[] = [];
  let next = first;
  const end = first + total;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < end) {
        const i = next++;
        const t0 = performance.now();
        await task(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

/** Throughput and latency over one or several timed runs (their calls and wall times added up). */
export function summarize(runs: readonly Timings[]): LatencySummary {
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const seconds = runs.reduce((sum, r) => sum + r.seconds, 0);
  return { count: latencies.length, seconds, perSecond: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** Runs `task(i)` for i in [0, total) with at most `concurrency` in flight, timing each call. */
export async function measure(total: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<LatencySummary> {
  return summarize([await time(total, concurrency, task)]);
}

/**
 * Two ways of doing the same thing, measured in alternating slices (A B B A A B...), so that the
 * load of anything else on the machine falls on both alike, after one unmeasured slice of each
 * (the warm-up: JIT, connections, each caller's first request).
 */
export async function measurePair(
  total: number,
  concurrency: number,
  slices: number,
  a: (i: number) => Promise<unknown>,
  b: (i: number) => Promise<unknown>,
  /** Told which side the next slice measures (undefined: the warm-up). */
  measuring: (which: 0 | 1 | undefined) => void = () => undefined,
): Promise<[LatencySummary, LatencySummary]> {
  const runs: [Timings[], Timings[]] = [[], []];
  const size = Math.ceil(total / slices);
  measuring(undefined);
  await time(size, concurrency, a, total);
  await time(size, concurrency, b, total);
  for (let slice = 0; slice < slices; slice += 1) {
    const first = slice * size;
    const count = Math.min(size, total - first);
    for (const which of slice % 2 === 0 ? ([0, 1] as const) : ([1, 0] as const)) {
      measuring(which);
      runs[which].push(await time(count, concurrency, which === 0 ? a : b, first));
    }
  }
  return [summarize(runs[0]), summarize(runs[1])];
}

export function formatSummary(name: string, s: LatencySummary): string {
  return `${name.padEnd(44)} ${s.count.toString().padStart(6)} ops  ${s.perSecond.toFixed(0).padStart(6)} ops/s  p50 ${s.p50.toFixed(1).padStart(6)} ms  p99 ${s.p99.toFixed(1).padStart(6)} ms`;
}

/** A small deterministic generator (mulberry32), so that every run measures the same rounds. */
export function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
