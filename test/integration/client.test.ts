/**
 * The typed client agents get as `ctx.api`, against the real gateway: a society's worth of calls
 * (test/support/agent-routes.ts) all work, and together they reach every agent route of the API,
 * so no route is left out of the client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentApi } from '../../agent-container/runtime/client.js';
import { AGENT_ROUTES, callEveryAgentRoute, trackRoutes } from '../support/agent-routes.js';
import { leasedAgent, SMALL_BUNDLE, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let routes: ReturnType<typeof trackRoutes>;

beforeAll(async () => {
  stack = await startTestStack();
  routes = trackRoutes();
});
afterAll(async () => {
  routes.restore();
  await stack.close();
});

describe('the agent client', () => {
  it('covers every agent route, and every call works', async () => {
    const a = await leasedAgent(stack, { ...SMALL_BUNDLE, attention: 1 }, 5_000_000);
    const b = await stack.api.createAgent(50_000_000);
    await callEveryAgentRoute({ api: new AgentApi(stack.gateway.url, a.credential), agentId: a.agentId }, { api: new AgentApi(stack.gateway.url, b.credential), agentId: b.agentId });
    expect(AGENT_ROUTES.filter((r) => !routes.reached.has(r))).toEqual([]);
  });

  it("works from a base URL that ends in '/', as API Gateway's stage URL does", async () => {
    const a = await stack.api.createAgent(1_000_000);
    const api = new AgentApi(`${stack.gateway.url}//`, a.credential);
    expect(api.baseUrl).toBe(stack.gateway.url);
    expect((await api.me()).agentId).toBe(a.agentId); // not `…//me`, which no route matches
  });
});
