/**
 * A soak, bounded in time and on loopback: 50 agents bid, cancel, transfer, spawn, message and
 * trade artifacts at random while rounds run concurrently. Afterwards the audit shows zero drift,
 * no balance is negative, and every pending hold belongs to a pending bid or prompt.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OPERATOR_TOKEN, SMALL_BUNDLE, startTestStack, type TestStack } from '../support/stack.js';

const AGENTS = 50;
const SECONDS = 15;

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ SYNTROPISM_SUPPLY_VCPU: '2', SYNTROPISM_SUPPLY_MEMORY_MIB: '4096', SYNTROPISM_DORMANCY_LIMIT_SECONDS: '86400' });
});
afterAll(() => stack.close());

describe('the soak', () => {
  it('keeps the books exact under a random mix of everything, with rounds running', async () => {
    const errors = vi.spyOn(console, 'error');
    const agents = await Promise.all(Array.from({ length: AGENTS }, () => stack.api.createAgent(200_000_000)));
    const tokens = new Map(agents.map((a) => [a.agentId, a.credential]));
    const ids = [...tokens.keys()];
    const artifacts: string[] = [];
    const counts = new Map<string, number>();
    const statuses = new Map<number, number>();
    const deadline = Date.now() + SECONDS * 1000;
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pick = <T>(xs: T[]) => xs[rnd(xs.length)]!;

    const act = async (me: string) => {
      const token = tokens.get(me)!;
      const kind = pick(['bid', 'bid', 'cancel', 'transfer', 'spawn', 'message', 'create', 'list', 'buy']);
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
      let reply;
      switch (kind) {
        case 'bid':
          reply = await stack.api.call('POST', '/bids', { token, body: { bundle: { ...SMALL_BUNDLE, durationSeconds: 5 + rnd(20) }, amount: 100_000 + rnd(5_000_000) } });
          break;
        case 'cancel': {
          const pending = (await stack.api.call('GET', '/bids?state=pending', { token })).body.items;
          reply = pending.length ? await stack.api.call('DELETE', `/bids/${pick(pending as { bidId: string }[]).bidId}`, { token }) : undefined;
          break;
        }
        case 'transfer':
          reply = await stack.api.call('POST', '/transfers', { token, body: { to: pick(ids.filter((id) => id !== me)), amount: 1 + rnd(3_000_000) } });
          break;
        case 'spawn': {
          reply = await stack.api.call('POST', '/agents', { token, body: { endowment: rnd(20_000_000) } });
          if (reply.status === 201) tokens.set(reply.body.agentId, reply.body.credential);
          break;
        }
        case 'message':
          reply = await stack.api.call('POST', '/messages', { token, body: { to: pick(ids.filter((id) => id !== me)), body: 'hello' } });
          break;
        case 'create':
          reply = await stack.api.call('POST', '/artifacts', { token, body: { kind: 'data', content: `data from ${me}` } });
          if (reply.status === 201) artifacts.push(reply.body.artifactId);
          break;
        case 'list':
          reply = artifacts.length ? await stack.api.call('POST', `/artifacts/${pick(artifacts)}/listing`, { token, body: { price: 1 + rnd(2_000_000) } }) : undefined;
          break;
        case 'buy':
          if (artifacts.length) {
            const id = pick(artifacts);
            const price = (await stack.api.call('GET', `/artifacts/${id}`, { token })).body?.listing?.price ?? 1;
            reply = await stack.api.call('POST', `/artifacts/${id}/purchase`, { token, body: { price } });
          }
          break;
      }
      if (reply) statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
    };

    const rounds = (async () => {
      let ran = 0;
      while (Date.now() < deadline) {
        stack.clock.advance(stack.deps.config.roundSeconds);
        if ((await stack.oracle()).ran) ran += 1;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      return ran;
    })();
    const workers = ids.map(async (id) => {
      while (Date.now() < deadline) {
        await act(id);
        await new Promise((resolve) => setTimeout(resolve, 50)); // 50 agents at their own pace, not a flood
      }
    });
    const [ran] = await Promise.all([rounds, ...workers]);

    expect(ran).toBeGreaterThanOrEqual(3);
    expect([...statuses.keys()].every((s) => s < 500), JSON.stringify([...statuses])).toBe(true);
    expect(statuses.get(201) ?? 0).toBeGreaterThan(100);

    const audit = (await stack.api.call('GET', '/admin/audit', { token: OPERATOR_TOKEN })).body;
    expect(audit.problems).toEqual([]);
    expect(audit).toMatchObject({ ok: true, drift: 0 });
    let pendingBids = 0;
    for (const [agentId, token] of tokens) {
      const balance = await stack.deps.ledger.getBalance(agentId);
      expect(balance.available).toBeGreaterThanOrEqual(0);
      expect(balance.held).toBeGreaterThanOrEqual(0);
      const me = await stack.api.call('GET', '/bids?state=pending&limit=1000', { token });
      if (me.status === 200) pendingBids += me.body.items.length;
    }
    const pendingPrompts = (await stack.deps.prompts.pendingPrompts(1000)).length;
    expect(audit.pendingHolds).toBe(pendingBids + pendingPrompts);
    // Refusals under contention are explained by what was contended, never as broken books.
    expect(errors.mock.calls.filter((args) => String(args[0]).includes('LEDGER INTEGRITY'))).toEqual([]);
    errors.mockRestore();
    console.log(`soak: ${ran} rounds, ${tokens.size} agents at the end; actions ${JSON.stringify(Object.fromEntries(counts))}; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  }, 120_000);
});
