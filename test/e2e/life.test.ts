/**
 * The whole life of the economy, as `npm start` runs it (sandboxed agents under real limits, the
 * oracle on its schedule), with short rounds and leases so that a few minutes hold dozens of lease
 * boundaries: the genesis agent, a second first agent whose strategy renews in the last second,
 * and a scripted human who rewards every prompt through the API. Across at least 30 boundaries: no
 * living agent is ever refused (401); every renewal keeps the same process, those won in the last
 * second included; a child born with a first bid runs; no agent with credits dies of dormancy; the
 * audit shows no drift. (`npm run soak` does the same for longer, with the default settings.)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/free-port.js';
import { genesisStrategy } from '../../local/genesis.js';
import { watchLife } from '../../local/life.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';

let stack: LocalStack | undefined;
afterAll(async () => {
  await stack?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the economy', () => {
  it('stays alive through dozens of lease boundaries: renewals, children, rewards', { timeout: 400_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'syntropism-life-'));
    const lines: string[] = [];
    stack = await startLocalStack({
      port: await freePort(),
      dataDir,
      env: { ...process.env, ROUND_SECONDS: '1', SYNTROPISM_GENESIS_LEASE_SECONDS: '10', SYNTROPISM_OPERATOR_TOKEN: '' },
      log: (line) => lines.push(line),
      onCrash: (what) => lines.push(`CRASH ${what}`),
    });
    // A human who answers one prompt every few seconds, generously.
    const watch = watchLife(stack, { dataDir, human: { everyMs: 3000, perLook: 1, score: 8 } });

    // A second first agent, on the genesis code, that renews as late as it can: bids with about a
    // round and a half left, so its renewals are won in the last second of its lease.
    const late = await fetch(`${stack.url}/admin/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.operatorToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        endowment: 200_000_000,
        files: { 'strategy.json': JSON.stringify({ ...genesisStrategy(), leaseSeconds: 10, renewRounds: 1.6, spawnAboveCredits: 1_000_000 }) },
        bid: { bundle: { ...genesisStrategy().bundle, durationSeconds: 10 }, amount: 5_000_000 },
      }),
    });
    expect(late.status).toBe(201);

    await sleep(170_000);
    const report = await watch.finish();
    console.log(JSON.stringify(report, null, 2));
    if (report.problems.length > 0) console.log(lines.join('\n'));
    expect(lines.filter((l) => l.startsWith('CRASH'))).toEqual([]);
    expect(report.problems).toEqual([]);
    expect(report.boundaries).toBeGreaterThanOrEqual(30);
    expect(report.renewals).toBeGreaterThanOrEqual(20);
    expect(report.lastSecondRenewals).toBeGreaterThanOrEqual(3);
    expect(report.agents.childrenThatRan).toBeGreaterThanOrEqual(1);
    expect(report.prompts.rewarded).toBeGreaterThanOrEqual(2);
    expect(report.audit).toMatchObject({ ok: true, drift: 0 });
  });
});
