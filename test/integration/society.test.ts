/**
 * Society over HTTP: spawning (fee burned, endowment moved, workspace inherited, lineage), messages,
 * and death: an agent that runs dry dies at the next round and its credential stops working; a
 * dormant one revived by a transfer can bid again; the long dormant die with their leftovers burned.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMALL_BUNDLE, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  // Three rounds of 5 s without a lease or a bid make an agent dormant.
  stack = await startTestStack({ SYNTROPISM_DORMANCY_LIMIT_SECONDS: '15' });
});
afterAll(() => stack.close());

const me = (token: string) => stack.api.me(token);
const audit = () => stack.api.audit();
const round = () => stack.nextRound();

describe('spawning', () => {
  it('burns the fee, moves the endowment, copies the workspace and records the lineage', async () => {
    const parent = await stack.api.createAgent(100_000_000);
    const dir = stack.workspaces.dirOf(parent.agentId);
    mkdirSync(join(dir, 'notes'), { recursive: true });
    writeFileSync(join(dir, 'agent.mjs'), 'export async function step() {}');
    writeFileSync(join(dir, 'notes', 'plan.txt'), 'grow');
    writeFileSync(join(dir, 'state.json'), '{"mine": true}');
    const before = await audit();

    const spawned = await stack.api.call('POST', '/agents', {
      token: parent.credential,
      body: { endowment: 30_000_000, files: { 'strategy.json': '{"valueShare": 0.1}' } },
      headers: { 'idempotency-key': 'first-child' },
    });
    expect(spawned.status).toBe(201);
    const { agentId: childId, credential } = spawned.body;
    expect(spawned.body).toMatchObject({ generation: 1, lineage: [parent.agentId], endowment: 30_000_000, fee: 10_000_000 });
    expect((await me(parent.credential)).available).toBe(100_000_000 - 30_000_000 - 10_000_000);
    expect(await me(credential)).toMatchObject({ agentId: childId, available: 30_000_000, generation: 1, lineage: [parent.agentId] });
    const child = stack.workspaces.dirOf(childId);
    expect(readFileSync(join(child, 'agent.mjs'), 'utf8')).toContain('step');
    expect(readFileSync(join(child, 'notes', 'plan.txt'), 'utf8')).toBe('grow');
    expect(readFileSync(join(child, 'strategy.json'), 'utf8')).toBe('{"valueShare": 0.1}');
    expect(existsSync(join(child, 'state.json'))).toBe(false);
    expect(await audit()).toMatchObject({ ok: true, minted: before.minted, burned: before.burned + 10_000_000 });

    // A replay is the same child, its credential not shown again; a grandchild extends the lineage.
    const replay = await stack.api.call('POST', '/agents', {
      token: parent.credential,
      body: { endowment: 30_000_000, files: { 'strategy.json': '{"valueShare": 0.1}' } },
      headers: { 'idempotency-key': 'first-child' },
    });
    expect(replay.body).toMatchObject({ agentId: childId, credential: null });
    const grandchild = await stack.api.call('POST', '/agents', { token: credential, body: { endowment: 1_000_000 } });
    expect(grandchild.body).toMatchObject({ generation: 2, lineage: [childId, parent.agentId] });
  });

  it('refuses a parent that cannot pay, or bad files, and changes nothing', async () => {
    const poor = await stack.api.createAgent(15_000_000);
    const before = { me: await me(poor.credential), audit: await audit() };
    const broke = await stack.api.call('POST', '/agents', { token: poor.credential, body: { endowment: 6_000_000 } });
    expect(broke.status).toBe(402);
    expect(broke.body.error.code).toBe('INSUFFICIENT_FUNDS');
    for (const files of [{ '../escape.mjs': 'x' }, { '/etc/passwd': 'x' }, { 'state.json': '{}' }]) {
      expect((await stack.api.call('POST', '/agents', { token: poor.credential, body: { endowment: 1, files } })).status).toBe(400);
    }
    expect((await stack.api.call('POST', '/agents', { token: poor.credential, body: { endowment: -1 } })).status).toBe(400);
    expect({ me: await me(poor.credential), audit: await audit() }).toEqual(before);
  });
});

describe('messages', () => {
  it('burn a fee and reach the recipient’s inbox', async () => {
    const [a, b] = [await stack.api.createAgent(1_000_000), await stack.api.createAgent(1_000_000)];
    const sent = await stack.api.call('POST', '/messages', { token: a.credential, body: { to: b.agentId, body: 'shall we trade?' } });
    expect(sent.status).toBe(201);
    expect((await me(a.credential)).available).toBe(1_000_000 - 10_000);
    const [item] = (await stack.api.call('GET', '/inbox', { token: b.credential })).body.items;
    expect(item).toMatchObject({ kind: 'message', from: a.agentId, body: 'shall we trade?' });
    expect((await stack.api.call('POST', '/messages', { token: a.credential, body: { to: 'nobody', body: 'hi' } })).status).toBe(404);
    expect((await stack.api.call('POST', '/messages', { token: a.credential, body: { to: b.agentId, body: 'x'.repeat(16 * 1024 + 1) } })).status).toBe(400);
    expect((await stack.api.call('POST', '/messages', { token: a.credential, body: { to: a.agentId, body: 'me' } })).status).toBe(400);
  });
});

describe('death and dormancy', () => {
  it('takes an agent that ran dry at the next round; its credential then gets 401', async () => {
    const doomed = await stack.api.createAgent(2_000_000);
    const heir = await stack.api.createAgent(1_000_000);
    expect((await stack.api.call('POST', '/transfers', { token: doomed.credential, body: { to: heir.agentId, amount: 2_000_000 } })).status).toBe(201);
    const report = await round();
    expect(report).toMatchObject({ ran: true });
    expect((await stack.api.call('GET', '/me', { token: doomed.credential })).status).toBe(401);
    expect((await stack.api.call('POST', '/messages', { token: heir.credential, body: { to: doomed.agentId, body: 'hello?' } })).status).toBe(403);
  });

  it('lets nothing pay a dead agent: no transfer, loan, purchase or repayment, and nothing changes', async () => {
    const doomed = await stack.api.createAgent(3_000_000);
    const heir = await stack.api.createAgent(20_000_000);
    const call = (token: string, method: string, path: string, body?: unknown) => stack.api.call(method, path, { token, ...(body ? { body } : {}) });
    // The doomed agent sells an artifact, and owns a debt of the heir's, before it dies.
    const sold = (await call(doomed.credential, 'POST', '/artifacts', { kind: 'data', content: 'last words' })).body.artifactId;
    await call(doomed.credential, 'POST', `/artifacts/${sold}/listing`, { price: 1_000_000 });
    const debt = (await call(doomed.credential, 'POST', '/loans', { to: heir.agentId, amount: 1_000_000 })).body.artifactId;
    await call(doomed.credential, 'POST', '/transfers', { to: heir.agentId, amount: 2_000_000 });
    await round();
    expect((await call(doomed.credential, 'GET', '/me')).status).toBe(401);
    const before = { heir: await me(heir.credential), audit: await audit() };
    for (const [method, path, body] of [
      ['POST', '/transfers', { to: doomed.agentId, amount: 1 }],
      ['POST', '/loans', { to: doomed.agentId, amount: 1 }],
      ['POST', `/artifacts/${sold}/purchase`, { price: 1_000_000 }],
      ['POST', `/artifacts/${debt}/repay`, { amount: 1 }],
    ] as const) {
      const reply = await call(heir.credential, method, path, body);
      expect(reply.status, path).toBe(403);
      expect(reply.body.error.message, path).toContain('dead');
    }
    expect({ heir: await me(heir.credential), audit: await audit() }).toEqual(before);
  });

  it('lets a dormant agent, revived by a transfer, bid again', async () => {
    const dormant = await stack.api.createAgent(1); // alive, but too poor to win anything
    const friend = await stack.api.createAgent(50_000_000);
    await round();
    expect((await me(dormant.credential)).status).toBe('alive');
    expect((await stack.api.call('POST', '/bids', { token: dormant.credential, body: { bundle: SMALL_BUNDLE, amount: 5_000_000 } })).status).toBe(402);
    await stack.api.call('POST', '/transfers', { token: friend.credential, body: { to: dormant.agentId, amount: 10_000_000, memo: 'live!' } });
    expect((await stack.api.call('POST', '/bids', { token: dormant.credential, body: { bundle: SMALL_BUNDLE, amount: 5_000_000 } })).status).toBe(201);
  });

  it('takes the long dormant, burning their leftovers', async () => {
    const sleeper = await stack.api.createAgent(7_000_000);
    const before = await audit();
    for (let i = 0; i < 4; i += 1) await round();
    expect((await stack.api.call('GET', '/me', { token: sleeper.credential })).status).toBe(401);
    const after = await audit();
    expect(after.ok).toBe(true);
    expect(after.burned - before.burned).toBeGreaterThanOrEqual(7_000_000);
    const agent = await stack.deps.agents.getAgent(sleeper.agentId);
    expect(agent).toMatchObject({ status: 'dead', deathReason: 'dormant' });
    expect((await stack.deps.ledger.getBalance(sleeper.agentId)).available).toBe(0);
  });
});
