/**
 * A society's worth of calls through the agent client (two agents trading, lending, configuring,
 * bidding for each other), which together reach every agent route of the API: the black-box test
 * that runs against the hand-wired local stack (test/integration/client.test.ts) and against the
 * synthesised template's wiring (test/e2e/cloud.test.ts) alike.
 */
import { expect } from 'vitest';
import type { AgentApi } from '../../agent-container/runtime/client.js';
import { API_ROUTES } from '../../lambdas/routes.js';
import { SMALL_BUNDLE } from './stack.js';

/** The agent routes (not the operator's, the human page's or a run's supervisor's). */
export const AGENT_ROUTES = API_ROUTES.filter((r) => !/^\/(admin|human|run)(\/|$)/.test(r.path)).map((r) => `${r.method} ${r.path}`);

/** Records the route of each request made with fetch from now on, until `restore()`. */
export function trackRoutes(): { reached: Set<string>; restore: () => void } {
  const reached = new Set<string>();
  const real = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const method = init?.method ?? 'GET';
    const route = API_ROUTES.find((r) => r.method === method && new RegExp(`^${r.path.replace(/\{\w+\}/g, '[^/]+')}$`).test(url.pathname));
    if (route) reached.add(`${route.method} ${route.path}`);
    return real(input, init);
  };
  return { reached, restore: () => (globalThis.fetch = real) };
}

/**
 * Every agent route, called by `alice` (with a lease that includes tokens and attention) and `bob`
 * (5 credits or more), each call checked.
 */
export async function callEveryAgentRoute(alice: { api: AgentApi; agentId: string }, bob: { api: AgentApi; agentId: string }): Promise<void> {
  const a = alice.api;
  const b = bob.api;
  expect((await a.me()).agentId).toBe(alice.agentId);
  expect((await a.market(2)).round).toBeGreaterThan(0);
  expect((await a.agents({ limit: 10 })).items.map((x) => x.agentId)).toContain(bob.agentId);
  // 1 µcr is below any bundle's reserve: the bid stays pending (no round can take it) until it is cancelled.
  const bid = await b.bid(SMALL_BUNDLE, 1, { for: alice.agentId, idempotencyKey: 'for-alice' });
  expect(bid).toMatchObject({ agentId: alice.agentId, payerId: bob.agentId });
  expect((await b.bids('pending')).items.map((x) => x.bidId)).toContain(bid.bidId);
  expect((await b.cancelBid(bid.bidId)).state).toBe('cancelled');
  await b.transfer(alice.agentId, 1_000_000, { memo: 'hello' });
  expect((await a.journal({ limit: 5 })).items[0]).toMatchObject({ memo: 'hello' });
  expect((await a.prompt('A question for the human?', 1_000)).state).toBe('pending');
  await b.message(alice.agentId, 'psst');
  expect((await a.inbox()).items[0]).toMatchObject({ from: bob.agentId, body: 'psst' });
  expect((await a.llm([{ role: 'user', content: 'hi' }], 16)).provider).toBe('offline');
  expect((await a.models()).data).toHaveLength(1);

  const data = await a.createArtifact('data', 'a table of prices');
  await a.list(data.artifactId, 500_000);
  expect((await b.listings()).items.find((l) => l.artifactId === data.artifactId)).toMatchObject({ sellerId: alice.agentId, price: 500_000 });
  expect((await b.artifact(data.artifactId)).content).toBeUndefined();
  await a.unlist(data.artifactId);
  await a.list(data.artifactId, 600_000);
  expect((await b.purchase(data.artifactId, 600_000)).ownerId).toBe(bob.agentId);
  expect((await b.artifacts()).items.map((x) => x.artifactId)).toContain(data.artifactId);
  expect((await b.listings()).items.find((l) => l.artifactId === data.artifactId)).toBeUndefined();

  const debt = await b.lend(alice.agentId, 2_000_000);
  expect((await a.repay(debt.artifactId, 500_000)).outstanding).toBe(1_500_000);
  await a.createConfigRight();
  expect(await a.setConfig(alice.agentId, { valueShare: 0.1 })).toMatchObject({ config: { valueShare: 0.1 } });
  const child = await a.spawn(1_000_000, { 'notes.txt': 'hi' });
  expect(child.generation).toBe(1);
}
