/**
 * UBI (SYNTROPISM_PAYMENTS=ubi) against DynamoDB Local: a round's auction payments are shared
 * equally among the agents alive at the round, the remainder burned, with the audit at zero drift;
 * an agent that dies in the round gets nothing; one that dies after the plan was fixed is not paid
 * and its share is burned; a round crashed half-way through the payout, or run twice at once, pays
 * every recipient exactly once.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleReserve } from '../../economy/clearing.js';
import type { JournalEntry } from '../../economy/ledger.js';
import type { UbiBook } from '../../economy/ports.js';
import { runRound } from '../../economy/round.js';
import { planUbi } from '../../economy/ubi.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const ENV = { SYNTROPISM_PAYMENTS: 'ubi' };
// 61 s, so that two payments at the default reserves (32,757 µcr each) leave a remainder over 4.
const BUNDLE = { vcpu: 0.25, memoryMiB: 512, tokens: 0, attention: 0, durationSeconds: 61 };
const ENDOWMENT = 1_000_000;

const stacks: TestStack[] = [];
afterAll(async () => {
  await Promise.all(stacks.map((s) => s.close()));
});

interface Market {
  stack: TestStack;
  /** Two winners (alone in the market, each pays its reserve), two idle agents, and one destitute that dies in round 1. */
  winners: { agentId: string; credential: string }[];
  idle: { agentId: string; credential: string }[];
  doomed: { agentId: string; credential: string };
  payment: number;
}

async function market(env: Record<string, string> = ENV): Promise<Market> {
  const stack = await startTestStack(env);
  stacks.push(stack);
  const winners = [];
  for (let i = 0; i < 2; i += 1) {
    const agent = await stack.api.createAgent(ENDOWMENT);
    const placed = await stack.api.call('POST', '/bids', { token: agent.credential, body: { bundle: BUNDLE, amount: 500_000 } });
    expect(placed.status).toBe(201);
    winners.push(agent);
  }
  const idle = [await stack.api.createAgent(ENDOWMENT), await stack.api.createAgent(ENDOWMENT)];
  const doomed = await stack.api.createAgent(0); // no credits, no bid, no lease: dies at the next round
  stack.clock.advance(1);
  return { stack, winners, idle, doomed, payment: bundleReserve(BUNDLE, stack.deps.config.initialReserve) };
}

const journalOf = async (stack: TestStack, agentId: string): Promise<JournalEntry[]> => (await stack.deps.ledger.journal(agentId, { limit: 100 })).items;
const ubiEntries = async (stack: TestStack, agentId: string) => (await journalOf(stack, agentId)).filter((e) => e.kind === 'ubi');

/** A UBI book whose payout runs `before` ahead of the n-th share (1-based), or dies there when it throws. */
function interceptingPay(ubi: UbiBook, n: number, before: () => Promise<void>): UbiBook {
  let calls = 0;
  return new Proxy(ubi, {
    get(target, prop, receiver) {
      if (prop === 'pay') {
        return async (...args: Parameters<UbiBook['pay']>) => {
          calls += 1;
          if (calls === n) await before();
          return target.pay(...args);
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}

describe('UBI', () => {
  it('shares a round’s payments equally among the agents alive at the round, burns the remainder, and the audit balances to the µcr', async () => {
    const { stack, winners, idle, doomed, payment } = await market();
    expect(payment).toBe(32_757);
    const pool = 2 * payment;
    const share = Math.floor(pool / 4);
    const remainder = pool - 4 * share;
    expect(remainder).toBe(2);

    const report = await stack.oracle();
    expect(report).toMatchObject({ ran: true, round: 1, winners: 2, settled: 2, died: 1, volume: pool });
    expect(report.ran && report.ubi).toEqual({ pool, recipients: 4, share, paid: 4, unpaid: 0, burned: remainder });

    // Each living agent's journal shows its share, once; the winners paid into the round's pool.
    for (const agent of [...winners, ...idle]) {
      expect((await ubiEntries(stack, agent.agentId)).map((e) => [e.debit, e.credit, e.amount, e.ref])).toEqual([['ubi:1', `agent:${agent.agentId}`, share, 'round-1']]);
    }
    for (const agent of winners) {
      expect(await stack.api.me(agent.credential)).toMatchObject({ available: ENDOWMENT - payment + share, held: 0 });
      const bids = (await stack.api.call('GET', '/bids', { token: agent.credential })).body.items;
      expect(bids).toMatchObject([{ state: 'won', payment }]);
    }
    for (const agent of idle) expect(await stack.api.me(agent.credential)).toMatchObject({ available: ENDOWMENT + share });

    // The agent that died in the round got nothing: it is dead, and no share reached its account.
    expect(await stack.deps.agents.getAgent(doomed.agentId)).toMatchObject({ status: 'dead', diedRound: 1, deathReason: 'destitute' });
    expect(await ubiEntries(stack, doomed.agentId)).toEqual([]);
    expect(await stack.deps.ledger.getBalance(doomed.agentId)).toMatchObject({ available: 0, held: 0 });

    // Conservation, exactly: only the remainder was burned; nothing is left in the pool.
    const audit = await stack.api.audit();
    expect(audit).toMatchObject({ ok: true, drift: 0, problems: [], minted: 4 * ENDOWMENT, burned: remainder, pooled: 0, ubiPaid: 4 * share, circulating: 4 * ENDOWMENT - remainder });

    // The empty pool is left to expire with the round's idempotency records; its journal sums to zero.
    const poolItem = (await stack.deps.base.client.send(new GetCommand({ TableName: stack.tables.ledger, Key: { pk: 'ubi#1' }, ConsistentRead: true }))).Item!;
    expect(poolItem).toMatchObject({ total: 0, plan: { pool, share, remainder } });
    expect(poolItem.expiresAt).toBe(Math.floor(stack.clock.now() / 1000) + stack.deps.config.idempotencyTtlSeconds);

    // A round with no payments shares nothing and leaves the ledger as it was.
    const quiet = await stack.nextRound();
    expect(quiet.ran && quiet.ubi).toMatchObject({ pool: 0, paid: 0, burned: 0 });
    expect(await stack.api.audit()).toMatchObject({ ok: true, drift: 0, burned: remainder, pooled: 0, ubiPaid: 4 * share });
  });

  it('burns the payments when SYNTROPISM_PAYMENTS is burn (the default): no pool, no shares', async () => {
    const { stack, winners, idle, payment } = await market({});
    const report = await stack.oracle();
    expect(report).toMatchObject({ ran: true, settled: 2, died: 1 });
    expect(report.ran && report.ubi).toBeUndefined();
    for (const agent of [...winners, ...idle]) expect(await ubiEntries(stack, agent.agentId)).toEqual([]);
    expect(await stack.api.audit()).toMatchObject({ ok: true, drift: 0, burned: 2 * payment, pooled: 0, ubiPaid: 0 });
  });

  it('does not pay a recipient that dies after the plan was fixed: its share is burned with the remainder, and nothing reaches the dead', async () => {
    const { stack, winners, idle, payment } = await market();
    const pool = 2 * payment;
    const share = Math.floor(pool / 4);
    const [, late] = idle as [unknown, { agentId: string }];
    // Another invocation's death pass buries one recipient between the plan and its share (it is
    // dormant: its credits are burned at its death, as they always are).
    const { deps } = stack;
    const ubi = interceptingPay(deps.ubi, 1, async () => {
      await deps.agents.bury({ agentId: late.agentId, round: 1, reason: 'dormant', judged: { available: ENDOWMENT, held: 0, pendingBids: 0 } });
    });
    const report = await runRound({ ...deps, ubi });
    expect(report).toMatchObject({ ran: true, died: 1, ubi: { pool, recipients: 4, share, paid: 3, unpaid: 1, burned: pool - 3 * share } });
    expect(await deps.ubi.plan(1)).toMatchObject({ recipients: expect.arrayContaining([late.agentId]) as unknown });
    expect(await ubiEntries(stack, late.agentId)).toEqual([]);
    expect(await deps.ledger.getBalance(late.agentId)).toMatchObject({ available: 0, held: 0 });
    for (const agent of [...winners, idle[0]!]) expect(await ubiEntries(stack, agent.agentId)).toHaveLength(1);
    // Its share could never be paid later either: death is final.
    expect(await deps.ubi.pay({ round: 1, agentId: late.agentId, amount: share })).toBe(false);
    expect(await stack.api.audit()).toMatchObject({ ok: true, drift: 0, pooled: 0, ubiPaid: 3 * share, burned: ENDOWMENT + pool - 3 * share });
  });

  it('pays every recipient exactly once when a round dies half-way through its payout, is resumed, runs twice at once, or a step is replayed', async () => {
    // Crashed after two shares, then finished by the next invocation.
    const crashed = await market();
    const { deps } = crashed.stack;
    const pool = 2 * crashed.payment;
    const share = Math.floor(pool / 4);
    const dying = interceptingPay(deps.ubi, 3, () => Promise.reject(new Error('injected crash')));
    await expect(runRound({ ...deps, ubi: dying })).rejects.toThrow('injected crash');
    expect(await deps.rounds.state()).toMatchObject({ lastRound: 1, status: 'clearing' });
    // Half-way, the unpaid shares are in the pool, and the audit counts them there: no drift.
    expect(await crashed.stack.api.audit()).toMatchObject({ ok: true, drift: 0, pooled: pool - 2 * share, ubiPaid: 2 * share, burned: 0 });
    // A pool with money in it never expires.
    const halfPaid = (await deps.base.client.send(new GetCommand({ TableName: crashed.stack.tables.ledger, Key: { pk: 'ubi#1' }, ConsistentRead: true }))).Item!;
    expect(halfPaid).toMatchObject({ total: pool - 2 * share });
    expect(halfPaid).not.toHaveProperty('expiresAt');
    crashed.stack.clock.advance(0.5);
    expect(await crashed.stack.oracle()).toMatchObject({ ran: true, round: 1, resumed: true, ubi: { pool, share, paid: 4, unpaid: 0, burned: 2 } });
    const everyone = [...crashed.winners, ...crashed.idle];
    for (const agent of everyone) expect(await ubiEntries(crashed.stack, agent.agentId)).toHaveLength(1);
    const settled = await crashed.stack.api.audit();
    expect(settled).toMatchObject({ ok: true, drift: 0, pooled: 0, ubiPaid: 4 * share, burned: 2 });

    // Each step replayed: the plan stays the first one, a share is not paid again, the rest not burned again.
    expect(await deps.ubi.fix(planUbi(1, pool, [crashed.idle[0]!.agentId]))).toMatchObject({ recipients: everyone.map((a) => a.agentId).sort(), share });
    expect(await deps.ubi.pay({ round: 1, agentId: crashed.idle[0]!.agentId, amount: share })).toBe(true);
    expect(await deps.ubi.burnRest(1)).toBe(2);
    for (const agent of everyone) expect(await ubiEntries(crashed.stack, agent.agentId)).toHaveLength(1);
    expect(await crashed.stack.api.audit()).toEqual(settled);

    // A round crashed half-way through its payout and resumed after the setting changed to burn
    // still pays its shares: the pool is not left holding them.
    const switched = await market();
    const switchedDeps = switched.stack.deps;
    await expect(runRound({ ...switchedDeps, ubi: interceptingPay(switchedDeps.ubi, 2, () => Promise.reject(new Error('injected crash'))) })).rejects.toThrow('injected crash');
    switched.stack.clock.advance(0.5);
    expect(await runRound({ ...switchedDeps, config: { ...switchedDeps.config, payments: 'burn' } })).toMatchObject({ ran: true, round: 1, ubi: { paid: 4, burned: 2 } });
    expect(await switched.stack.api.audit()).toMatchObject({ ok: true, drift: 0, pooled: 0, ubiPaid: 4 * share, burned: 2 });

    // Two invocations at once end where one clean run does.
    const overlapping = await market();
    await Promise.all([overlapping.stack.oracle(), overlapping.stack.oracle()]);
    for (const agent of [...overlapping.winners, ...overlapping.idle]) {
      expect((await ubiEntries(overlapping.stack, agent.agentId)).map((e) => e.amount)).toEqual([share]);
    }
    expect(await overlapping.stack.api.audit()).toMatchObject({ ok: true, drift: 0, pooled: 0, ubiPaid: 4 * share, burned: 2 });
  });
});
