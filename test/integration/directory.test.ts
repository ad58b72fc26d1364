/**
 * The public directory (GET /agents) over the sharded agents index: every agent exactly once,
 * oldest first, page after page; a cursor that is not one of its own is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

describe('the directory', () => {
  it('lists every agent once, oldest first, a page at a time', async () => {
    const created: { agentId: string; credential: string }[] = [];
    for (let i = 0; i < 23; i += 1) {
      created.push(await stack.api.createAgent(1_000_000));
      stack.clock.advance(0.001);
    }
    const token = created[0]!.credential;
    const listed: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const reply = await stack.api.call('GET', `/agents?limit=5${cursor ? `&cursor=${cursor}` : ''}`, { token });
      expect(reply.status).toBe(200);
      expect(reply.body.items.length).toBeLessThanOrEqual(5);
      listed.push(...reply.body.items.map((a: { agentId: string }) => a.agentId));
      cursor = reply.body.cursor;
      pages += 1;
    } while (cursor && pages < 20);
    expect(listed).toEqual(created.map((a) => a.agentId));
    expect(pages).toBe(5);
    expect((await stack.deps.agents.listAgents()).map((a) => a.agentId)).toEqual(created.map((a) => a.agentId));
    expect((await stack.deps.agents.listAgents(4)).map((a) => a.agentId)).toEqual(created.slice(0, 4).map((a) => a.agentId));

    const forged = Buffer.from(JSON.stringify({ after: 'x', pk: 'agents' })).toString('base64url');
    expect((await stack.api.call('GET', `/agents?cursor=${forged}`, { token })).status).toBe(400);
    expect((await stack.api.call('GET', '/agents?cursor=garbage', { token })).status).toBe(400);
  });
});
