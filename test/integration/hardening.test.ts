/**
 * Defects found by review, each kept as a test: bad input that once gave 5xx now gets 4xx and
 * changes nothing (a malformed path escape before authentication, a cursor from another query, a
 * configuration nested too deep, an overlong prompt id); reads of an index see past DynamoDB's
 * first 1 MB page; prompts expire from an index of expiry times, however many others wait.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leasedAgent, OPERATOR_TOKEN, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ SYNTROPISM_SUPPLY_ATTENTION: '1000', SYNTROPISM_PROMPT_TTL_SECONDS: '600' });
});
afterAll(() => stack.close());

const audit = () => stack.api.audit();

describe('bad input', () => {
  it('gets 4xx where it once got 5xx, and changes nothing', async () => {
    const agent = await stack.api.createAgent(10_000_000);
    const before = await audit();
    // A malformed escape, before any credential is looked at.
    const escape = await fetch(`${stack.gateway.url}/bids/%ZZ`, { method: 'DELETE' });
    expect(escape.status).toBe(400);
    // A cursor from another query: the agent's inbox cursor where its bids are read.
    const foreign = Buffer.from(JSON.stringify({ pk: `agent#${agent.agentId}`, sk: 'inbox#01AAAA' })).toString('base64url');
    expect((await stack.api.call('GET', `/bids?cursor=${foreign}`, { token: agent.credential })).status).toBe(400);
    expect((await stack.api.call('GET', `/inbox?cursor=${Buffer.from(JSON.stringify({ pk: `agent#${agent.agentId}`, sk: 'bid#x' })).toString('base64url')}`, { token: agent.credential })).status).toBe(400);
    // A configuration nested deeper than any database takes, and far deeper.
    for (const depth of [33, 100_000]) {
      const rawBody = `{"config":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
      const reply = await fetch(`${stack.gateway.url}/agents/${agent.agentId}/config`, { method: 'PUT', headers: { authorization: `Bearer ${agent.credential}` }, body: rawBody });
      expect(reply.status, `depth ${depth}`).toBe(400);
    }
    // An overlong prompt id on the operator's route.
    expect((await stack.api.call('POST', `/admin/prompts/${'x'.repeat(3000)}/reward`, { token: OPERATOR_TOKEN, body: { interesting: 1, useful: 1, understandable: 1 } })).status).toBe(400);
    expect(await audit()).toEqual(before);
  });
});

describe('index reads', () => {
  it('see past the first 1 MB page, and expire every prompt due however many wait', { timeout: 120_000 }, async () => {
    // 300 prompts of 4,000 characters: 1.2 MB in the pending index.
    const agent = await leasedAgent(stack, { vcpu: 0.25, memoryMiB: 512, tokens: 0, attention: 300, durationSeconds: 3600 }, 400_000_000);
    const long = 'x'.repeat(3990);
    for (let i = 0; i < 300; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, j) => stack.api.call('POST', '/prompts', { token: agent.credential, body: { content: `${i + j} ${long}`, bid: 1 + ((i + j) % 7) } })),
      );
    }
    const pending = await stack.deps.prompts.pendingPrompts(1000);
    expect(pending).toHaveLength(300);
    // Highest bid first, across pages.
    expect(pending.map((p) => p.bid)).toEqual([...pending.map((p) => p.bid)].sort((a, b) => b - a));
    expect((await stack.api.call('GET', '/admin/prompts?limit=1000', { token: OPERATOR_TOKEN })).body.items).toHaveLength(300);
    expect((await stack.api.call('GET', '/me', { token: agent.credential })).body.held).toBeGreaterThan(0);

    stack.clock.advance(601);
    const report = await stack.oracle();
    expect(report).toMatchObject({ ran: true, expiredPrompts: 300 });
    expect(await stack.deps.prompts.pendingPrompts(1000)).toHaveLength(0);
    expect((await stack.api.call('GET', '/me', { token: agent.credential })).body.held).toBe(0);
    expect((await audit()).ok).toBe(true);
  });
});
