/**
 * The oracle under repetition, overlap and crashes: the same market, set up identically on three
 * stacks, is cleared once cleanly, once by two invocations at the same time, and once by an
 * invocation that dies after half its captures followed by one that finishes the round. All three
 * must end in the same state.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { BidBook } from '../../economy/ports.js';
import { runRound } from '../../economy/round.js';
import { OPERATOR_TOKEN, startTestStack, type TestStack } from '../support/stack.js';

const ENV = { SYNTROPISM_SUPPLY_VCPU: '2', SYNTROPISM_SUPPLY_MEMORY_MIB: '8192' };
const QUARTER = { vcpu: 0.25, memoryMiB: 512, tokens: 0, attention: 0, durationSeconds: 60 };
const AGENTS = 12; // 12 bids of a quarter vCPU for 2 vCPU: 8 win, 4 lose

const stacks: TestStack[] = [];
afterAll(async () => {
  await Promise.all(stacks.map((s) => s.close()));
});

/** The same agents and bids on a fresh stack, in the same order, at the same times. */
async function market(): Promise<{ stack: TestStack; credentials: string[] }> {
  const stack = await startTestStack(ENV);
  stacks.push(stack);
  const credentials: string[] = [];
  for (let i = 0; i < AGENTS; i += 1) {
    const { credential } = await stack.api.createAgent(1_000_000);
    credentials.push(credential);
    stack.clock.advance(1);
    const placed = await stack.api.call('POST', '/bids', { token: credential, body: { bundle: QUARTER, amount: 100_000 + 10_000 * ((i * 7) % AGENTS) } });
    expect(placed.status).toBe(201);
  }
  return { stack, credentials };
}

/** Everything a round changes, without the ids that differ between stacks. */
async function observe({ stack, credentials }: { stack: TestStack; credentials: string[] }) {
  const agents = await Promise.all(
    credentials.map(async (token) => {
      const me = (await stack.api.call('GET', '/me', { token })).body;
      const bids = (await stack.api.call('GET', '/bids', { token })).body.items;
      const journal = (await stack.api.call('GET', '/journal', { token })).body.items;
      return {
        available: me.available,
        held: me.held,
        lease: me.lease && { startsAt: me.lease.startsAt, endsAt: me.lease.endsAt, payment: me.lease.payment },
        bids: bids.map((b: Record<string, unknown>) => ({ state: b.state, amount: b.amount, payment: b.payment })),
        journal: journal.map((e: Record<string, unknown>) => `${String(e.kind)}:${String(e.amount)}`).sort(),
      };
    }),
  );
  const { problems, ok, drift, minted, burned, circulating, pendingHolds } = (await stack.api.call('GET', '/admin/audit', { token: OPERATOR_TOKEN })).body;
  const round = await stack.deps.rounds.get(1);
  return { agents, audit: { problems, ok, drift, minted, burned, circulating, pendingHolds }, state: await stack.deps.rounds.state(), status: round?.status };
}

/** A bid book whose settlement dies after `n` captures, as a Lambda timing out would. */
function crashingAfter(n: number, bids: BidBook): BidBook {
  let settled = 0;
  return new Proxy(bids, {
    get(target, prop, receiver) {
      if (prop === 'settleWinner') {
        return async (...args: Parameters<BidBook['settleWinner']>) => {
          if (settled >= n) throw new Error('injected crash');
          settled += 1;
          return target.settleWinner(...args);
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}

describe('the oracle', () => {
  it('ends in the same state whether run once, twice at once, or crashed half-way and resumed', async () => {
    const clean = await market();
    expect(await clean.stack.oracle()).toMatchObject({ ran: true, round: 1, winners: 8, settled: 8 });
    const expected = await observe(clean);
    expect(expected.audit).toMatchObject({ ok: true, drift: 0, pendingHolds: 4 });
    expect(expected.agents.filter((a) => a.lease).length).toBe(8);
    expect(expected.status).toBe('settled');

    const overlapping = await market();
    const reports = await Promise.all([overlapping.stack.oracle(), overlapping.stack.oracle()]);
    expect(reports.filter((r) => r.ran).length).toBeGreaterThanOrEqual(1);
    expect(await observe(overlapping)).toEqual(expected);

    const crashed = await market();
    const { deps } = crashed.stack;
    await expect(runRound({ ...deps, bids: crashingAfter(4, deps.bids) })).rejects.toThrow('injected crash');
    const halfWay = await observe(crashed);
    expect(halfWay.state).toMatchObject({ lastRound: 1, status: 'clearing' });
    expect(halfWay.agents.filter((a) => a.lease).length).toBe(4);
    expect(halfWay.audit).toMatchObject({ ok: true, drift: 0 });
    // The next invocation (a later tick) finishes round 1 rather than starting round 2.
    crashed.stack.clock.advance(0.5);
    expect(await crashed.stack.oracle()).toMatchObject({ ran: true, round: 1, resumed: true, settled: 8 });
    expect(await observe(crashed)).toEqual(expected);
  });
});
