/**
 * Attention and reward over HTTP: prompts need attention in the active lease and hold their bid;
 * the operator's reward mints exactly rate × score, captures the bid and replies, at most once;
 * unanswered prompts expire and release their bid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leasedAgent, OPERATOR_TOKEN, SMALL_BUNDLE, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ SYNTROPISM_PROMPT_TTL_SECONDS: '30' });
});
afterAll(() => stack.close());

const audit = () => stack.api.audit();
const me = (token: string) => stack.api.me(token);
const reward = (promptId: string, body: unknown, token = OPERATOR_TOKEN) => stack.api.call('POST', `/admin/prompts/${promptId}/reward`, { token, body });

describe('prompts and rewards', () => {
  it('holds the bid, mints the reward once, captures the bid and replies', async () => {
    const agent = await leasedAgent(stack, { ...SMALL_BUNDLE, attention: 1 });
    const before = await me(agent.credential);
    const posted = await stack.api.call('POST', '/prompts', { token: agent.credential, body: { content: 'Shall I summarise the market?', bid: 2_000_000 } });
    expect(posted.status).toBe(201);
    expect(posted.body).toMatchObject({ state: 'pending', bid: 2_000_000, agentId: agent.agentId });
    expect(await me(agent.credential)).toMatchObject({ available: before.available - 2_000_000, held: 2_000_000 });
    // One attention slot: a second prompt is refused, and nothing changes.
    const second = await stack.api.call('POST', '/prompts', { token: agent.credential, body: { content: 'again?', bid: 1 } });
    expect(second.status).toBe(403);

    const auditBefore = await audit();
    const { promptId } = posted.body;
    for (const bad of [{ interesting: 11, useful: 0, understandable: 0 }, { interesting: -1, useful: 0, understandable: 0 }, { interesting: 1.5, useful: 0, understandable: 0 }, { interesting: 1, useful: 1 }]) {
      expect((await reward(promptId, bad)).status).toBe(400);
    }
    expect((await reward(promptId, { interesting: 1, useful: 1, understandable: 1 }, agent.credential)).status).toBe(401);
    expect((await stack.api.call('POST', `/admin/prompts/${promptId}/reward`, { body: { interesting: 1, useful: 1, understandable: 1 } })).status).toBe(401);
    expect(await audit()).toEqual(auditBefore);

    const rewarded = await reward(promptId, { interesting: 7, useful: 8, understandable: 9, reply: 'Yes please, briefly.' });
    expect(rewarded.status).toBe(200);
    const expected = 24 * 50_000_000; // 24 points at 50 credits a point
    expect(rewarded.body).toMatchObject({ state: 'rewarded', reward: expected, scores: { interesting: 7, useful: 8, understandable: 9 } });
    expect(await me(agent.credential)).toMatchObject({ available: before.available - 2_000_000 + expected, held: 0 });
    const [reply] = (await stack.api.call('GET', '/inbox', { token: agent.credential })).body.items;
    expect(reply).toMatchObject({ kind: 'reply', from: 'human', body: 'Yes please, briefly.', promptId, reward: expected });

    const again = await reward(promptId, { interesting: 10, useful: 10, understandable: 10 });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CONFLICT');
    const after = await audit();
    expect(after).toMatchObject({ ok: true, drift: 0, minted: auditBefore.minted + expected, burned: auditBefore.burned + 2_000_000 });
  });

  it('needs attention in the active lease', async () => {
    const agent = await leasedAgent(stack, { ...SMALL_BUNDLE, attention: 0 });
    expect((await stack.api.call('POST', '/prompts', { token: agent.credential, body: { content: 'hello', bid: 1 } })).status).toBe(403);
    const idle = await stack.api.createAgent(5_000_000);
    expect((await stack.api.call('POST', '/prompts', { token: idle.credential, body: { content: 'hello', bid: 1 } })).status).toBe(403);
  });

  it('expires unanswered prompts and releases their bid', async () => {
    const agent = await leasedAgent(stack, { ...SMALL_BUNDLE, attention: 1 });
    const posted = await stack.api.call('POST', '/prompts', { token: agent.credential, body: { content: 'anyone?', bid: 1_000_000 } });
    expect((await me(agent.credential)).held).toBe(1_000_000);
    stack.clock.advance(31);
    expect(await stack.oracle()).toMatchObject({ ran: true, expiredPrompts: 1 });
    expect((await me(agent.credential)).held).toBe(0);
    expect((await reward(posted.body.promptId, { interesting: 1, useful: 1, understandable: 1 })).status).toBe(409);
    expect(await audit()).toMatchObject({ ok: true, drift: 0 });
  });
});
