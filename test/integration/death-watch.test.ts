/**
 * The round's death pass reads only the agents marked by a change (economy/death-watch.ts), yet
 * must bury exactly whom the rule (economy/lifecycle.ts) would bury judging every agent. Over
 * HTTP, with agents left with nothing in each way there is (born poor, paid everything away, a
 * sponsor's bid cancelled, a lease ended or closed early, dormancy), and random transfers
 * between the rest, every round is followed by the rule applied to every agent: no living agent
 * may be one it takes; and a quiet round judges only what time brings due.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fateOf } from '../../economy/lifecycle.js';
import { activeSince } from '../../economy/market.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const BUNDLE = { vcpu: 0.25, memoryMiB: 512, tokens: 0, attention: 0, durationSeconds: 10 };
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ SYNTROPISM_DORMANCY_LIMIT_SECONDS: '90' });
});
afterAll(() => stack.close());

const status = async (agentId: string) => (await stack.deps.agents.getAgent(agentId)).status;

/** The rule over every agent: the living ones it would bury now. */
async function spared(): Promise<string[]> {
  const now = stack.clock.now();
  const missed: string[] = [];
  for (const agent of await stack.deps.agents.listAgents()) {
    if (agent.status !== 'alive') continue;
    const balance = await stack.deps.ledger.getBalance(agent.agentId);
    const leases = await stack.deps.leases.agentLeases(agent.agentId, now);
    const fate = fateOf({
      available: balance.available,
      held: balance.held,
      hasLease: leases.length > 0,
      pendingBids: agent.pendingBids,
      activeSince: activeSince(agent),
      now,
      dormancyLimitSeconds: stack.deps.config.dormancyLimitSeconds,
    });
    if (fate.dies) missed.push(`${agent.agentId} (${fate.reason})`);
  }
  return missed;
}

describe('the death watch', () => {
  it('buries exactly whom the rule would, judging only marked agents', async () => {
    const api = stack.api;
    const bid = (token: string, amount: number, forId?: string) =>
      api.call('POST', '/bids', { token, body: { bundle: BUNDLE, amount, ...(forId ? { for: forId } : {}) } });
    const poor = await api.createAgent(0);
    const spender = await api.createAgent(3_000_000);
    const sink = await api.createAgent(50_000_000);
    const sponsor = await api.createAgent(50_000_000);
    const sponsored = await api.createAgent(0);
    const leased = await api.createAgent(0);
    const crashed = await api.createAgent(0);
    const idle = await api.createAgent(7_000_000);
    const crowd = await Promise.all(Array.from({ length: 8 }, () => api.createAgent(4_000_000)));

    // A sponsor's bid for `sponsored` (cancelled later); leases for `leased` and `crashed`, paid by the sponsor.
    const held = await bid(sponsor.credential, 1_000, sponsored.agentId); // below the reserve: it stays pending
    expect(held.status).toBe(201);
    expect((await bid(sponsor.credential, 3_000_000, leased.agentId)).status).toBe(201);
    expect((await bid(sponsor.credential, 3_000_000, crashed.agentId)).status).toBe(201);

    // Every newborn is judged at the first round: the poor one dies.
    const report = await stack.nextRound();
    expect(report).toMatchObject({ ran: true, settled: 2 });
    expect(await status(poor.agentId)).toBe('dead');
    expect(await status(spender.agentId)).toBe('alive');
    expect(await status(sponsored.agentId)).toBe('alive');
    expect(await status(leased.agentId)).toBe('alive');
    expect(await spared()).toEqual([]);

    // `spender` pays everything away; the sponsor cancels: `sponsored` has nothing left to live on; `crashed`'s run dies early.
    expect((await api.call('POST', '/transfers', { token: spender.credential, body: { to: sink.agentId, amount: 3_000_000, memo: 'all' } })).status).toBe(201);
    expect((await api.call('DELETE', `/bids/${held.body.bidId as string}`, { token: sponsor.credential })).status).toBe(200);
    const lease = (await stack.deps.leases.agentLeases(crashed.agentId, stack.clock.now()))[0]!;
    await stack.deps.leases.closeLease({ agentId: crashed.agentId, leaseId: lease.leaseId, at: stack.clock.now(), reason: 'crashed' });
    await stack.nextRound();
    expect(await status(spender.agentId)).toBe('dead');
    expect(await status(sponsored.agentId)).toBe('dead');
    expect(await status(crashed.agentId)).toBe('dead');
    expect(await status(leased.agentId)).toBe('alive'); // its lease runs until its end
    expect(await spared()).toEqual([]);

    // Random transfers in the crowd, some of them everything an agent has, between rounds.
    let seed = 7;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    for (let r = 0; r < 6; r += 1) {
      for (let k = 0; k < 6; k += 1) {
        const from = crowd[Math.floor(random() * crowd.length)]!;
        const to = crowd[Math.floor(random() * crowd.length)]!;
        if (from === to || (await status(from.agentId)) !== 'alive' || (await status(to.agentId)) !== 'alive') continue;
        const { available } = await api.me(from.credential);
        const amount = random() < 0.3 ? available : Math.floor(available / 3);
        if (amount > 0) expect((await api.call('POST', '/transfers', { token: from.credential, body: { to: to.agentId, amount, memo: 'r' } })).status).toBe(201);
      }
      await stack.nextRound();
      expect(await spared()).toEqual([]);
    }
    // By now `leased`'s lease is over: it has died, destitute.
    expect(await status(leased.agentId)).toBe('dead');

    // Quiet rounds: nothing written, so only what time brings due is judged (not every agent each
    // round); the idle die of dormancy in time.
    let judged = 0;
    let living = 0;
    for (let r = 0; r < 10; r += 1) {
      judged += new Set((await stack.deps.watch.due(stack.clock.now() + stack.deps.config.roundSeconds * 1000)).map((m) => m.agentId)).size;
      living += (await stack.deps.agents.listAgents()).filter((a) => a.status === 'alive').length;
      await stack.nextRound();
      expect(await spared()).toEqual([]);
    }
    expect(living).toBeGreaterThan(20);
    expect(judged).toBeLessThan(living / 2);
    expect(await status(idle.agentId)).toBe('dead');
    expect((await api.audit()).drift).toBe(0);
  });

  it('marks every living agent once on tables from before the watch', async () => {
    // As if the tables predated it: the first round with the watch marks and judges every agent.
    const agent = await stack.api.createAgent(0);
    const watch = stack.deps.watch;
    await watch.clear(await watch.due(Number.MAX_SAFE_INTEGER));
    expect(await watch.started()).toBe(true);
    await stack.deps.base.client.send(
      new (await import('@aws-sdk/lib-dynamodb')).DeleteCommand({ TableName: stack.tables.records, Key: { pk: 'oracle', sk: 'watch' } }),
    );
    expect(await watch.started()).toBe(false);
    await stack.nextRound();
    expect(await watch.started()).toBe(true);
    expect(await status(agent.agentId)).toBe('dead');
    expect(await spared()).toEqual([]);
  });
});
