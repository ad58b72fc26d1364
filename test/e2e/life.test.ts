/**
 * The whole life of the economy, with short rounds and leases so that a few minutes hold dozens of
 * lease boundaries: the genesis agent, a second first agent whose strategy renews as late as it
 * can, and a scripted human who rewards every prompt through the API. The same test in both ways
 * the economy runs here:
 * - `npm start`'s local stack (sandboxed agents under real limits, the oracle on its timer);
 * - `npm start -- --cloud`, the synthesised template's wiring (its functions, schedules and event
 *   sources; agents as ECS tasks in moto, run by the Fargate stand-in; local/cloud/).
 * Throughout: no living agent is ever refused (401); one agent lives through at least 10 lease
 * boundaries; every renewal keeps the same process, those won in the last second included; a
 * child born with a first bid runs; no agent with credits dies
 * of dormancy; the audit shows no drift. (`npm run soak` does the same for longer, with the
 * default settings.)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCloudStack } from '../../local/cloud/stack.js';
import { freePort } from '../../local/free-port.js';
import { genesisStrategy } from '../../local/genesis.js';
import { localLifeSubject, watchLife, type LifeSubject } from '../../local/life.js';
import { startLocalStack } from '../../local/stack.js';
import { hasMoto, MOTO_MISSING } from '../support/moto.js';

const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(stops.map((stop) => stop()));
}, 60_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Mode {
  name: string;
  skip?: string;
  start(dataDir: string, lines: string[], leaseSeconds: number): Promise<LifeSubject>;
  /** How long it is watched, and the length of the leases the two first agents buy. */
  seconds: number;
  leaseSeconds: number;
  /** The least each count must reach in that time. */
  least: { boundaries: number; ofOneAgent: number; renewals: number; lastSecondRenewals: number };
}

const MODES: Mode[] = [
  {
    name: '`npm start`',
    seconds: 120,
    leaseSeconds: 10,
    least: { boundaries: 30, ofOneAgent: 10, renewals: 20, lastSecondRenewals: 3 },
    start: async (dataDir, lines, leaseSeconds) => {
      const stack = await startLocalStack({
        port: await freePort(),
        dataDir,
        env: { ...process.env, ROUND_SECONDS: '1', SYNTROPISM_GENESIS_LEASE_SECONDS: String(leaseSeconds), SYNTROPISM_OPERATOR_TOKEN: '' },
        log: (line) => lines.push(line),
        onCrash: (what) => lines.push(`CRASH ${what}`),
      });
      stops.push(() => stack.stop());
      return localLifeSubject(stack);
    },
  },
  {
    name: '`npm start -- --cloud`',
    ...(hasMoto ? {} : { skip: MOTO_MISSING }),
    // A task's start (sandbox, unsealing, workspace) takes seconds under load: leases as long as npm start's.
    seconds: 130,
    leaseSeconds: 10,
    least: { boundaries: 10, ofOneAgent: 10, renewals: 8, lastSecondRenewals: 1 },
    start: async (dataDir, lines, leaseSeconds) => {
      const stack = await startCloudStack({
        port: await freePort(),
        dataDir,
        context: { roundSeconds: 1, localCloud: true, llmProvider: 'offline' },
        genesisLeaseSeconds: leaseSeconds,
        log: (line) => lines.push(line),
        onCrash: (what) => lines.push(`CRASH ${what}`),
      });
      stops.push(() => stack.stop());
      return stack;
    },
  },
];

describe.each(MODES)('the economy under $name', (mode) => {
  it.skipIf(Boolean(mode.skip))(`stays alive through dozens of lease boundaries: renewals, children, rewards${mode.skip ? ` (${mode.skip})` : ''}`, { timeout: 420_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'syntropism-life-'));
    const lines: string[] = [];
    const stack = await mode.start(dataDir, lines, mode.leaseSeconds);
    // A human who answers one prompt every few seconds, generously.
    const watch = watchLife(stack, { dataDir, human: { everyMs: 3000, perLook: 1, score: 8 } });

    // A second first agent, on the genesis code, that renews as late as it can: bids with about a
    // round and a half left, so its renewals are won in the last second of its lease.
    const late = await fetch(`${stack.url}/admin/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.operatorToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        endowment: 200_000_000,
        files: { 'strategy.json': JSON.stringify({ ...genesisStrategy(), leaseSeconds: mode.leaseSeconds, renewRounds: 1.6, spawnAboveCredits: 1_000_000 }) },
        bid: { bundle: { ...genesisStrategy().bundle, durationSeconds: mode.leaseSeconds }, amount: 5_000_000 },
      }),
    });
    expect(late.status).toBe(201);

    await sleep(mode.seconds * 1000);
    const report = await watch.finish();
    console.log(JSON.stringify(report, null, 2));
    if (report.problems.length > 0) console.log(lines.join('\n'));
    expect(lines.filter((l) => l.startsWith('CRASH'))).toEqual([]);
    expect(report.problems).toEqual([]);
    expect(report.boundaries).toBeGreaterThanOrEqual(mode.least.boundaries);
    expect(report.mostBoundariesOfOneAgent).toBeGreaterThanOrEqual(mode.least.ofOneAgent);
    expect(report.renewals).toBeGreaterThanOrEqual(mode.least.renewals);
    expect(report.lastSecondRenewals).toBeGreaterThanOrEqual(mode.least.lastSecondRenewals);
    expect(report.agents.childrenThatRan).toBeGreaterThanOrEqual(1);
    expect(report.prompts.rewarded).toBeGreaterThanOrEqual(2);
    expect(report.audit).toMatchObject({ ok: true, drift: 0 });
  });
});
