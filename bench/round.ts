/**
 * One oracle round at scale, on DynamoDB Local: N agents and M pending bids (`ROUND_BENCH_SIZES`,
 * default `1000x10000`; e.g. `1000x10000,10000x50000`). Agents and bids are made through the real
 * adapters (the same transactions the API makes), a third of the bids before each of three
 * rounds, so that the third round, the one measured, clears every pending bid, settles its
 * winners, expires the bids placed before round 1 and judges the agents (1% are born destitute
 * just before it and must die). Each phase of a round is timed and its DynamoDB traffic counted
 * (bench/capacity-meter.ts), then projected to DynamoDB's per-partition limits: the round cannot
 * finish faster than its busiest partition allows (3,000 RCU / 1,000 WCU per second).
 * `ROUND_BENCH_SEED_CONCURRENCY` (default 32) bounds the requests in flight while seeding.
 */
import { randomUUID } from 'node:crypto';
import { ensureTables, makeDocumentClient } from '../adapters/dynamodb/client.js';
import { tableDefinitions } from '../adapters/dynamodb/tables.js';
import { OfflineProvider } from '../adapters/llm/offline.js';
import { loadConfig } from '../economy/config.js';
import { runRound, type RoundDeps, type RoundReport } from '../economy/round.js';
import { dynamoDeps } from '../wiring/deps.js';
import { startDynamoDbLocal } from '../local/dynamodb-local.js';
import { CapacityMeter, hottest, type Usage } from './capacity-meter.js';
import { measure, seededRandom } from './stats.js';

const BUNDLE = { vcpu: 0.25, memoryMiB: 512, tokens: 0, attention: 0, durationSeconds: 60 };
const ROUND_SECONDS = 60;
const PARTITION_RCU = 3000;
const PARTITION_WCU = 1000;

/** Which port call starts which phase of a round (phases follow each other in `runRound`). */
const PHASE_STARTS: Record<string, string> = {
  'rounds.state': 'begin',
  'rounds.get': 'clear',
  'rounds.saveOutcome:after': 'settle',
  'bids.dueBids': 'expire',
  'bids.expireBid': 'expire',
  'prompts.expirePrompts': 'prompts',
  'prompts.expirePrompts:after': 'fates',
  'rounds.finish': 'finish',
};

interface PhaseTrace {
  phase: string;
  started: number;
  usages: Map<string, { ms: number; usage: Usage }>;
}

/** The round's ports, each call noting the phase it starts (and the meter's count so far going to the phase before). */
function traced(deps: RoundDeps, meter: CapacityMeter, trace: PhaseTrace): RoundDeps {
  const enter = (phase: string) => {
    if (phase === trace.phase) return;
    const now = performance.now();
    const usage = meter.take();
    const prior = trace.usages.get(trace.phase);
    trace.usages.set(trace.phase, { ms: (prior?.ms ?? 0) + now - trace.started, usage: prior ? merge(prior.usage, usage) : usage });
    trace.phase = phase;
    trace.started = now;
  };
  const wrap = <T extends object>(name: string, port: T): T =>
    new Proxy(port, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        const key = `${name}.${String(prop)}`;
        return async (...args: unknown[]) => {
          const starts = PHASE_STARTS[key];
          if (starts) enter(starts);
          const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          const after = PHASE_STARTS[`${key}:after`];
          if (after) enter(after);
          return result;
        };
      },
    });
  return {
    ...deps,
    rounds: wrap('rounds', deps.rounds),
    bids: wrap('bids', deps.bids),
    leases: wrap('leases', deps.leases),
    prompts: wrap('prompts', deps.prompts),
    agents: wrap('agents', deps.agents),
    ledger: wrap('ledger', deps.ledger),
  };
}

function merge(a: Usage, b: Usage): Usage {
  const calls = { ...a.calls };
  for (const [k, v] of Object.entries(b.calls)) calls[k] = (calls[k] ?? 0) + v;
  const maps = (x: Map<string, number>, y: Map<string, number>) => {
    const m = new Map(x);
    for (const [k, v] of y) m.set(k, (m.get(k) ?? 0) + v);
    return m;
  };
  return {
    calls,
    itemsRead: a.itemsRead + b.itemsRead,
    itemsWritten: a.itemsWritten + b.itemsWritten,
    rcu: a.rcu + b.rcu,
    wcu: a.wcu + b.wcu,
    readByPartition: maps(a.readByPartition, b.readByPartition),
    writeByPartition: maps(a.writeByPartition, b.writeByPartition),
  };
}

/** The least time DynamoDB needs for this traffic: the busiest partition at its limits. */
function bound(u: Usage): { seconds: number; by: string } {
  const r = hottest(u.readByPartition);
  const w = hottest(u.writeByPartition);
  return r.units / PARTITION_RCU >= w.units / PARTITION_WCU
    ? { seconds: r.units / PARTITION_RCU, by: `${r.partition} ${r.units.toFixed(0)} RCU` }
    : { seconds: w.units / PARTITION_WCU, by: `${w.partition} ${w.units.toFixed(0)} WCU` };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function printRound(label: string, report: RoundReport, ms: number, trace: PhaseTrace): void {
  const all = [...trace.usages.values()].map((p) => p.usage).reduce(merge);
  const b = bound(all);
  const counts = report.ran ? `winners ${report.winners}, settled ${report.settled}, expired ${report.expired}, died ${report.died}` : report.reason;
  console.log(`${label}: ${(ms / 1000).toFixed(1)} s; ${counts}`);
  console.log(
    `  total: ${fmt(all.itemsRead)} items read, ${fmt(all.itemsWritten)} written; ${fmt(all.rcu)} RCU, ${fmt(all.wcu)} WCU; busiest partition ${b.by} → ≥ ${b.seconds.toFixed(2)} s on DynamoDB`,
  );
  for (const [phase, { ms: phaseMs, usage }] of trace.usages) {
    const pb = bound(usage);
    const calls = Object.entries(usage.calls)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    console.log(
      `  ${phase.padEnd(8)} ${(phaseMs / 1000).toFixed(2).padStart(7)} s  read ${fmt(usage.itemsRead).padStart(7)}  written ${fmt(usage.itemsWritten).padStart(7)}  ${fmt(usage.rcu).padStart(6)} RCU ${fmt(usage.wcu).padStart(6)} WCU  ≥ ${pb.seconds.toFixed(2)} s (${pb.by})  [${calls}]`,
    );
  }
}

async function benchOne(endpoint: string, agents: number, bids: number, concurrency: number): Promise<void> {
  const client = makeDocumentClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  const meter = new CapacityMeter();
  meter.attach(client);
  const suffix = randomUUID().slice(0, 8);
  const tables = { ledger: `ledger-${suffix}`, journal: `journal-${suffix}`, records: `records-${suffix}` };
  await ensureTables(client, tableDefinitions(tables));
  let t = Date.UTC(2026, 11, 1, 12, 0, 0);
  const clock = { now: () => t };
  const config = loadConfig({ ROUND_SECONDS: String(ROUND_SECONDS), SYNTROPISM_SUPPLY_VCPU: '16', SYNTROPISM_SUPPLY_MEMORY_MIB: '32768' }, 'aws');
  const deps = dynamoDeps({ client, tables, config, clock, operatorToken: () => Promise.resolve('bench'), llm: new OfflineProvider() });
  const random = seededRandom(agents * 31 + bids);
  const born = async (i: number, endowment: number) =>
    deps.agents.createAgent({ idempotencyKey: `born-${i}`, filesHash: 'bench', agentId: `agent-${i}`, credentialHash: `hash-${suffix}-${i}`, endowment, round: 0 });
  try {
    console.log(`\n${fmt(agents)} agents, ${fmt(bids)} pending bids (supply 16 vCPU: 64 quarter-vCPU leases a round)`);
    const seedStart = performance.now();
    await measure(agents, concurrency, (i) => born(i, 1_000_000_000));
    const third = Math.ceil(bids / 3);
    let placed = 0;
    for (let round = 1; round <= 3; round += 1) {
      const count = Math.min(third, bids - placed);
      const from = placed;
      await measure(count, concurrency, (k) => {
        const i = from + k;
        const agentId = `agent-${i % agents}`;
        return deps.bids.placeBid({ idempotencyKey: `bid-${i}`, payerId: agentId, agentId, bundle: BUNDLE, amount: 20_000 + Math.floor(random() * 400_000) });
      });
      placed += count;
      if (round === 3) {
        // Born with nothing and bidding for nothing: the round must find them and bury them.
        const destitute = Math.max(10, Math.floor(agents / 100));
        await measure(destitute, concurrency, (k) => born(agents + k, 0));
      }
      console.log(`  seeded up to round ${round}: ${fmt(placed)} bids placed, ${((performance.now() - seedStart) / 1000).toFixed(0)} s so far`);
      t += ROUND_SECONDS * 1000;
      meter.take();
      const trace: PhaseTrace = { phase: 'begin', started: performance.now(), usages: new Map() };
      const started = performance.now();
      const report = await runRound(traced(deps, meter, trace), Math.floor(t / (ROUND_SECONDS * 1000)));
      const ms = performance.now() - started;
      const last = meter.take();
      const prior = trace.usages.get(trace.phase);
      trace.usages.set(trace.phase, { ms: (prior?.ms ?? 0) + performance.now() - trace.started, usage: prior ? merge(prior.usage, last) : last });
      printRound(`  round ${round}`, report, ms, trace);
    }
    meter.take();
    const audit = await deps.ledger.audit();
    console.log(`  audit: ok=${String(audit.ok)} drift=${audit.drift} entries=${audit.entries}`);
  } finally {
    client.destroy();
  }
}

export async function benchRound(): Promise<void> {
  const sizes = (process.env.ROUND_BENCH_SIZES ?? '1000x10000').split(',').map((s) => s.split('x').map(Number) as [number, number]);
  const concurrency = Number(process.env.ROUND_BENCH_SEED_CONCURRENCY ?? 32);
  const dynamodb = await startDynamoDbLocal();
  try {
    console.log('one oracle round at scale, on DynamoDB Local');
    for (const [agents, bids] of sizes) await benchOne(dynamodb.endpoint, agents, bids, concurrency);
  } finally {
    await dynamodb.stop();
  }
}
