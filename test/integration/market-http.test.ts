/**
 * The market over real HTTP: the local gateway, the real handlers, DynamoDB Local behind them.
 * Agents are created, bid, cancel and transfer; rounds run; winners pay their critical value and
 * losers keep their holds until they win, expire or cancel; bad requests change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleReserve } from '../../economy/clearing.js';
import { OPERATOR_TOKEN, startTestStack, type TestStack } from '../support/stack.js';

// One vCPU and 2 GiB on offer: two half-vCPU bundles fit, a third does not.
const ENV = { SYNTROPISM_SUPPLY_VCPU: '1', SYNTROPISM_SUPPLY_MEMORY_MIB: '2048', SYNTROPISM_SUPPLY_TOKENS: '1000', SYNTROPISM_SUPPLY_ATTENTION: '1' };
const HALF = { vcpu: 0.5, memoryMiB: 1024, tokens: 0, attention: 0, durationSeconds: 60 };

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack(ENV);
});
afterAll(() => stack.close());

/** What a refused request must leave untouched. */
async function snapshot(...credentials: string[]) {
  const [audit, ...views] = await Promise.all([
    stack.api.call('GET', '/admin/audit', { token: OPERATOR_TOKEN }),
    ...credentials.flatMap((token) => [stack.api.call('GET', '/me', { token }), stack.api.call('GET', '/bids', { token }), stack.api.call('GET', '/journal', { token })]),
  ]);
  return { audit: audit.body, views: views.map((v) => v.body) };
}

describe('agents', () => {
  it('are created by the operator, with their endowment minted and a credential shown once', async () => {
    const created = await stack.api.call('POST', '/admin/agents', { token: OPERATOR_TOKEN, body: { endowment: 5_000_000 }, headers: { 'idempotency-key': 'create-1' } });
    expect(created.status).toBe(201);
    expect(created.body.credential).toMatch(/^syn_/);
    const me = await stack.api.call('GET', '/me', { token: created.body.credential });
    expect(me.body).toMatchObject({ agentId: created.body.agentId, status: 'alive', available: 5_000_000, held: 0, generation: 0, lineage: [], lease: null });
    // A replay creates nothing new and does not show the credential again.
    const replay = await stack.api.call('POST', '/admin/agents', { token: OPERATOR_TOKEN, body: { endowment: 5_000_000 }, headers: { 'idempotency-key': 'create-1' } });
    expect(replay.body).toEqual({ agentId: created.body.agentId, endowment: 5_000_000, generation: 0, lineage: [], bid: null, credential: null });
    const mismatch = await stack.api.call('POST', '/admin/agents', { token: OPERATOR_TOKEN, body: { endowment: 1 }, headers: { 'idempotency-key': 'create-1' } });
    expect(mismatch.status).toBe(422);
  });

  it('refuse a missing or wrong credential with 401', async () => {
    const { credential } = await stack.api.createAgent(1_000_000);
    for (const token of [undefined, 'syn_wrong', `${credential.slice(0, -1)}x`, OPERATOR_TOKEN]) {
      const reply = await stack.api.call('GET', '/me', token ? { token } : {});
      expect(reply.status).toBe(401);
      expect(reply.body.error.code).toBe('UNAUTHORIZED');
    }
    // An agent is not the operator.
    expect((await stack.api.call('POST', '/admin/agents', { token: credential, body: { endowment: 1 } })).status).toBe(401);
    expect((await stack.api.call('GET', '/admin/audit', { token: credential })).status).toBe(401);
  });
});

describe('bids', () => {
  it('hold funds while pending and release them on cancel; another agent cannot touch them', async () => {
    const alice = await stack.api.createAgent(2_000_000);
    const mallory = await stack.api.createAgent(2_000_000);
    const placed = await stack.api.call('POST', '/bids', { token: alice.credential, body: { bundle: HALF, amount: 700_000 } });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ agentId: alice.agentId, amount: 700_000, state: 'pending', bundle: HALF });
    expect((await stack.api.call('GET', '/me', { token: alice.credential })).body).toMatchObject({ available: 1_300_000, held: 700_000 });
    expect((await stack.api.call('GET', '/bids', { token: alice.credential })).body.items).toHaveLength(1);
    expect((await stack.api.call('GET', '/bids', { token: mallory.credential })).body.items).toHaveLength(0);

    const stolen = await stack.api.call('DELETE', `/bids/${placed.body.bidId}`, { token: mallory.credential });
    expect(stolen.status).toBe(404);
    expect((await stack.api.call('GET', '/me', { token: alice.credential })).body.held).toBe(700_000);

    const cancelled = await stack.api.call('DELETE', `/bids/${placed.body.bidId}`, { token: alice.credential });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ state: 'cancelled' });
    expect((await stack.api.call('DELETE', `/bids/${placed.body.bidId}`, { token: alice.credential })).body).toEqual(cancelled.body);
    expect((await stack.api.call('GET', '/me', { token: alice.credential })).body).toMatchObject({ available: 2_000_000, held: 0 });
  });

  it('refuse bad input with 400 VALIDATION and change nothing', async () => {
    const bob = await stack.api.createAgent(2_000_000);
    await stack.api.call('POST', '/bids', { token: bob.credential, body: { bundle: HALF, amount: 100_000 } });
    const before = await snapshot(bob.credential);
    const bad: { body?: unknown; rawBody?: string }[] = [
      { rawBody: '{"bundle": ' },
      { rawBody: '' },
      { body: { bundle: HALF, amount: -5 } },
      { body: { bundle: HALF, amount: 0 } },
      { body: { bundle: HALF, amount: 1.5 } },
      { body: { bundle: HALF, amount: '100' } },
      { rawBody: `{"bundle": ${JSON.stringify(HALF)}, "amount": 100000000000000000000000}` },
      { body: { bundle: HALF, amount: 9007199254740992 } },
      { body: { bundle: { ...HALF, vcpu: 0.3 }, amount: 100_000 } },
      { body: { bundle: { ...HALF, memoryMiB: 100_000 }, amount: 100_000 } },
      { body: { bundle: { ...HALF, durationSeconds: 0 }, amount: 100_000 } },
      { body: { bundle: { ...HALF, tokens: -1 }, amount: 100_000 } },
      { body: { bundle: HALF, amount: 100_000, agentId: 'someone-else' } },
      { body: { amount: 100_000 } },
      { body: [] },
    ];
    for (const request of bad) {
      const reply = await stack.api.call('POST', '/bids', { token: bob.credential, ...request });
      expect(reply.status, JSON.stringify(request)).toBe(400);
      expect(reply.body.error.code).toBe('VALIDATION');
    }
    const invalidSize = await stack.api.call('POST', '/bids', { token: bob.credential, body: { bundle: { ...HALF, vcpu: 0.25, memoryMiB: 4096 }, amount: 1 } });
    expect(invalidSize.body.error.message).toContain('0.25 vCPU: 512, 1024, 2048 MiB');
    expect((await stack.api.call('POST', '/bids', { token: bob.credential, body: { bundle: HALF, amount: 3_000_000 } })).status).toBe(402);
    expect((await stack.api.call('POST', '/bids', { token: bob.credential, body: { bundle: HALF, amount: 1 }, headers: { 'idempotency-key': 'bad key' } })).status).toBe(400);
    expect(await snapshot(bob.credential)).toEqual(before);
  });
});

describe('transfers', () => {
  it('pay another agent, and refuse overdrafts, unknown recipients and oneself', async () => {
    const carol = await stack.api.createAgent(1_000_000);
    const dave = await stack.api.createAgent(0);
    const paid = await stack.api.call('POST', '/transfers', { token: carol.credential, body: { to: dave.agentId, amount: 250_000, memo: 'for the idea' }, headers: { 'idempotency-key': 't1' } });
    expect(paid.status).toBe(201);
    expect(await stack.api.call('POST', '/transfers', { token: carol.credential, body: { to: dave.agentId, amount: 250_000, memo: 'for the idea' }, headers: { 'idempotency-key': 't1' } })).toEqual(paid);
    expect((await stack.api.call('GET', '/me', { token: dave.credential })).body.available).toBe(250_000);
    const [entry] = (await stack.api.call('GET', '/journal', { token: dave.credential })).body.items;
    expect(entry).toMatchObject({ kind: 'transfer', amount: 250_000, memo: 'for the idea', debit: `agent:${carol.agentId}` });

    const before = await snapshot(carol.credential, dave.credential);
    expect((await stack.api.call('POST', '/transfers', { token: carol.credential, body: { to: dave.agentId, amount: 750_001 } })).status).toBe(402);
    expect((await stack.api.call('POST', '/transfers', { token: carol.credential, body: { to: 'nobody', amount: 1 } })).status).toBe(404);
    expect((await stack.api.call('POST', '/transfers', { token: carol.credential, body: { to: carol.agentId, amount: 1 } })).status).toBe(400);
    expect((await stack.api.call('POST', '/transfers', { token: carol.credential, body: { to: dave.agentId, amount: 1, memo: 'x'.repeat(281) } })).status).toBe(400);
    expect(await snapshot(carol.credential, dave.credential)).toEqual(before);
  });
});

describe('rounds', () => {
  it('charge winners their critical value, keep losers pending until they expire, and conserve money', async () => {
    const round = await startTestStack(ENV);
    try {
      const [a, b, c] = [await round.api.createAgent(2_000_000), await round.api.createAgent(2_000_000), await round.api.createAgent(2_000_000)];
      const bid = async (who: { credential: string }, amount: number) =>
        (await round.api.call('POST', '/bids', { token: who.credential, body: { bundle: HALF, amount } })).body;
      const bidA = await bid(a, 300_000);
      round.clock.advance(1);
      const bidB = await bid(b, 200_000);
      round.clock.advance(1);
      const bidC = await bid(c, 100_000);

      const first = await round.oracle();
      expect(first).toMatchObject({ ran: true, round: 1, winners: 2, settled: 2, expired: 0 });
      // Each winner had to stay ahead of C's bid (same bundle, placed later): it pays C's amount.
      expect(bundleReserve(HALF, round.deps.config.initialReserve)).toBeLessThan(100_000);
      for (const [who, placed] of [[a, bidA], [b, bidB]] as const) {
        const [won] = (await round.api.call('GET', '/bids', { token: who.credential })).body.items;
        expect(won).toMatchObject({ bidId: placed.bidId, state: 'won', payment: 100_000 });
        const me = (await round.api.call('GET', '/me', { token: who.credential })).body;
        expect(me).toMatchObject({ available: 1_900_000, held: 0 });
        expect(me.lease).toMatchObject({ bidId: placed.bidId, startsAt: round.clock.now(), endsAt: round.clock.now() + 60_000, payment: 100_000 });
      }
      // C lost: its hold is intact and it competes again.
      expect((await round.api.call('GET', '/me', { token: c.credential })).body).toMatchObject({ available: 1_900_000, held: 100_000 });

      // /market: round 1 offered the whole capacity; the two leases now hold all its vCPU and
      // memory, so nothing of them is free for the next round; tokens and prompts are a fresh window.
      const afterFirst = (await round.api.call('GET', '/market', { token: c.credential })).body;
      expect(afterFirst).toMatchObject({ round: 1, payments: 'burn' });
      expect(afterFirst.resources).toMatchObject({
        vcpu: { capacity: 1024, offered: 1024, free: 0, utilisation: 1 },
        memoryMiB: { capacity: 2048, offered: 2048, free: 0, utilisation: 1 },
        tokens: { capacity: 1000, offered: 1000, free: 1000, marketPrice: null },
        attention: { capacity: 1, offered: 1, free: 1, marketPrice: null },
      });
      // Each payment is split by reserve value, so vCPU and memory are at the same multiple of their reserves.
      const multiple = (r: 'vcpu' | 'memoryMiB') => afterFirst.resources[r].marketPrice / afterFirst.history[0].resources[r].reserve;
      expect(multiple('vcpu')).toBeGreaterThan(1);
      expect(multiple('vcpu')).toBeCloseTo(multiple('memoryMiB'), 4);

      // D arrives after round 1: its first round is round 2.
      const d = await round.api.createAgent(2_000_000);
      const bidD = await bid(d, 150_000);
      expect(bidD.firstRound).toBe(2);

      // The leases hold the whole vCPU for a minute: C keeps losing, then expires after 3 rounds.
      round.clock.advance(5);
      expect(await round.oracle()).toMatchObject({ round: 2, winners: 0, expired: 0 });
      round.clock.advance(5);
      expect(await round.oracle()).toMatchObject({ round: 3, winners: 0, expired: 1 });
      const [expired] = (await round.api.call('GET', '/bids', { token: c.credential })).body.items;
      expect(expired).toMatchObject({ bidId: bidC.bidId, state: 'expired', closedRound: 3 });
      expect((await round.api.call('GET', '/me', { token: c.credential })).body).toMatchObject({ available: 2_000_000, held: 0 });

      // D lost rounds 2 and 3 with its hold intact; once the leases end, it wins its third round
      // alone and pays only its reserve.
      expect((await round.api.call('GET', '/me', { token: d.credential })).body).toMatchObject({ available: 1_850_000, held: 150_000 });
      round.clock.advance(55);
      expect(await round.oracle()).toMatchObject({ round: 4, winners: 1, settled: 1 });
      const [wonD] = (await round.api.call('GET', '/bids', { token: d.credential })).body.items;
      const pricesOfRound4 = (await round.deps.rounds.get(4))!.outcome!.resources;
      const reserveD = bundleReserve(HALF, {
        vcpu: pricesOfRound4.vcpu.reserve,
        memoryMiB: pricesOfRound4.memoryMiB.reserve,
        tokens: pricesOfRound4.tokens.reserve,
        attention: pricesOfRound4.attention.reserve,
      });
      expect(wonD).toMatchObject({ bidId: bidD.bidId, state: 'won', payment: reserveD, closedRound: 4 });

      // The same tick again does nothing.
      expect(await round.oracle()).toMatchObject({ ran: false });

      const market = (await round.api.call('GET', '/market', { token: a.credential })).body;
      expect(market).toMatchObject({ round: 4, status: 'settled', roundSeconds: 5 });
      // A's and B's leases are over; D's holds half the vCPU and memory.
      expect(market.resources.vcpu).toMatchObject({ offered: 1024, free: 512 });
      expect(market.resources.memoryMiB).toMatchObject({ offered: 2048, free: 1024 });
      expect(market.history.map((h: { round: number }) => h.round)).toEqual([4, 3, 2, 1]);
      expect(market.history[3]).toMatchObject({ volume: 200_000, winners: 2, bids: 3 });
      expect(market.history[3].resources.vcpu).toMatchObject({ utilisation: 1, allocated: 1024 });
      // Full vCPU use raised its reserve by 10%.
      expect(market.history[2].resources.vcpu.reserve).toBe(Math.round(round.deps.config.initialReserve.vcpu * 1.1));
      expect(market.history[3].resources.vcpu.marketPrice).toBeGreaterThan(0);

      const audit = (await round.api.call('GET', '/admin/audit', { token: OPERATOR_TOKEN })).body;
      expect(audit).toMatchObject({ ok: true, drift: 0, minted: 8_000_000, burned: 200_000 + reserveD, circulating: 7_800_000 - reserveD });
    } finally {
      await round.close();
    }
  });

  it('answers unknown routes with 404 in the same error shape', async () => {
    const reply = await stack.api.call('GET', '/nowhere');
    expect(reply).toEqual({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'no route for GET /nowhere' } } });
  });
});
