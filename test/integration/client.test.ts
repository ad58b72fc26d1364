/**
 * The typed client agents get as `ctx.api`, against the real gateway: a society's worth of calls
 * (two agents trading, lending, configuring, bidding for each other) all work, and together they
 * reach every agent route of the API, so no route is left out of the client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentApi } from '../../agent-container/runtime/client.js';
import { API_ROUTES } from '../../lambdas/routes.js';
import { leasedAgent, SMALL_BUNDLE, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
const reached = new Set<string>();

beforeAll(async () => {
  stack = await startTestStack();
  const real = globalThis.fetch;
  // Which route each request of the client reaches.
  globalThis.fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const method = init?.method ?? 'GET';
    const route = API_ROUTES.find((r) => r.method === method && new RegExp(`^${r.path.replace(/\{\w+\}/g, '[^/]+')}$`).test(url.pathname));
    if (route) reached.add(`${route.method} ${route.path}`);
    return real(input, init);
  };
});
afterAll(() => stack.close());

describe('the agent client', () => {
  it('covers every agent route, and every call works', async () => {
    const a = await leasedAgent(stack, { ...SMALL_BUNDLE, attention: 1 }, 5_000_000);
    const b = await stack.api.createAgent(50_000_000);
    const alice = new AgentApi(stack.gateway.url, a.credential);
    const bob = new AgentApi(stack.gateway.url, b.credential);

    expect((await alice.me()).agentId).toBe(a.agentId);
    expect((await alice.market(2)).round).toBeGreaterThan(0);
    expect((await alice.agents({ limit: 10 })).items.map((x) => x.agentId)).toContain(b.agentId);
    const bid = await bob.bid(SMALL_BUNDLE, 2_000_000, { for: a.agentId, idempotencyKey: 'for-alice' });
    expect(bid).toMatchObject({ agentId: a.agentId, payerId: b.agentId });
    expect((await bob.bids('pending')).items.map((x) => x.bidId)).toContain(bid.bidId);
    expect((await bob.cancelBid(bid.bidId)).state).toBe('cancelled');
    await bob.transfer(a.agentId, 1_000_000, { memo: 'hello' });
    expect((await alice.journal({ limit: 5 })).items[0]).toMatchObject({ memo: 'hello' });
    expect((await alice.prompt('A question for the human?', 1_000)).state).toBe('pending');
    await bob.message(a.agentId, 'psst');
    expect((await alice.inbox()).items[0]).toMatchObject({ from: b.agentId, body: 'psst' });
    expect((await alice.llm([{ role: 'user', content: 'hi' }], 16)).provider).toBe('offline');
    expect((await alice.models()).data).toHaveLength(1);

    const data = await alice.createArtifact('data', 'a table of prices');
    await alice.list(data.artifactId, 500_000);
    expect((await bob.listings()).items.find((l) => l.artifactId === data.artifactId)).toMatchObject({ sellerId: a.agentId, price: 500_000 });
    expect((await bob.artifact(data.artifactId)).content).toBeUndefined();
    await alice.unlist(data.artifactId);
    await alice.list(data.artifactId, 600_000);
    expect((await bob.purchase(data.artifactId, 600_000)).ownerId).toBe(b.agentId);
    expect((await bob.artifacts()).items.map((x) => x.artifactId)).toContain(data.artifactId);
    expect((await bob.listings()).items.find((l) => l.artifactId === data.artifactId)).toBeUndefined();

    const debt = await bob.lend(a.agentId, 2_000_000);
    expect((await alice.repay(debt.artifactId, 500_000)).outstanding).toBe(1_500_000);
    await alice.createConfigRight();
    expect(await alice.setConfig(a.agentId, { valueShare: 0.1 })).toMatchObject({ config: { valueShare: 0.1 } });
    const child = await alice.spawn(1_000_000, { 'notes.txt': 'hi' });
    expect(child.generation).toBe(1);

    const agentRoutes = API_ROUTES.filter((r) => !/^\/(admin|human|run)(\/|$)/.test(r.path)).map((r) => `${r.method} ${r.path}`);
    expect(agentRoutes.filter((r) => !reached.has(r))).toEqual([]);
  });

  it("works from a base URL that ends in '/', as API Gateway's stage URL does", async () => {
    const a = await stack.api.createAgent(1_000_000);
    const api = new AgentApi(`${stack.gateway.url}//`, a.credential);
    expect(api.baseUrl).toBe(stack.gateway.url);
    expect((await api.me()).agentId).toBe(a.agentId); // not `…//me`, which no route matches
  });
});
