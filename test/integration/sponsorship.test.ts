/**
 * Births and bids that keep agents alive, over HTTP: a sponsored bid (`for`) paid by one agent for
 * another's lease; a child born with its first bid, placed from its endowment in the spawn's own
 * transaction; a first agent from the operator with its own files and first bid; a birth's
 * workspace written once (a replay leaves a child's rewritten code and state alone; the same key
 * with other files is refused and writes nothing); and a burial that holds only if the agent is
 * still as the round judged it.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError } from '../../economy/errors.js';
import { OPERATOR_TOKEN, SMALL_BUNDLE, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ SYNTROPISM_DORMANCY_LIMIT_SECONDS: '15' });
});
afterAll(() => stack.close());

const me = (token: string) => stack.api.me(token);
const audit = () => stack.api.audit();
const round = () => stack.nextRound();

describe('a sponsored bid', () => {
  it('is held and paid by the sponsor, and buys the other agent a lease', async () => {
    const sponsor = await stack.api.createAgent(50_000_000);
    const child = await stack.api.createAgent(0);
    const placed = await stack.api.call('POST', '/bids', { token: sponsor.credential, body: { bundle: SMALL_BUNDLE, amount: 5_000_000, for: child.agentId } });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ agentId: child.agentId, payerId: sponsor.agentId, state: 'pending' });
    expect(await me(sponsor.credential)).toMatchObject({ available: 45_000_000, held: 5_000_000 });
    expect(await me(child.credential)).toMatchObject({ available: 0, held: 0 });
    // The sponsor sees it among the bids it pays for; the agent it is for cannot cancel it.
    expect((await stack.api.call('GET', '/bids', { token: sponsor.credential })).body.items.map((b: any) => b.bidId)).toContain(placed.body.bidId);
    expect((await stack.api.call('DELETE', `/bids/${placed.body.bidId}`, { token: child.credential })).status).toBe(404);

    // A penniless agent with a bid for it is not destitute: it lives, wins, and runs.
    const report = await round();
    expect(report).toMatchObject({ ran: true, died: 0 });
    const leased = await me(child.credential);
    expect(leased.lease).toMatchObject({ agentId: child.agentId, bidId: placed.body.bidId });
    const sponsorAfter = await me(sponsor.credential);
    expect(sponsorAfter.held).toBe(0);
    expect(sponsorAfter.available).toBe(50_000_000 - leased.lease.payment);
    expect((await audit()).ok).toBe(true);
  });

  it('is cancelled by its sponsor, who gets the hold back', async () => {
    const sponsor = await stack.api.createAgent(20_000_000);
    const other = await stack.api.createAgent(1_000_000);
    const placed = await stack.api.call('POST', '/bids', { token: sponsor.credential, body: { bundle: SMALL_BUNDLE, amount: 5_000_000, for: other.agentId } });
    const cancelled = await stack.api.call('DELETE', `/bids/${placed.body.bidId}`, { token: sponsor.credential });
    expect(cancelled.body).toMatchObject({ state: 'cancelled' });
    expect(await me(sponsor.credential)).toMatchObject({ available: 20_000_000, held: 0 });
  });

  it('is refused for a dead or unknown agent, and changes nothing', async () => {
    const sponsor = await stack.api.createAgent(20_000_000);
    const doomed = await stack.api.createAgent(1_000_000);
    await stack.api.call('POST', '/transfers', { token: doomed.credential, body: { to: sponsor.agentId, amount: 1_000_000 } });
    await round(); // destitute: it dies
    const before = await me(sponsor.credential);
    expect((await stack.api.call('POST', '/bids', { token: sponsor.credential, body: { bundle: SMALL_BUNDLE, amount: 5_000_000, for: doomed.agentId } })).status).toBe(403);
    expect((await stack.api.call('POST', '/bids', { token: sponsor.credential, body: { bundle: SMALL_BUNDLE, amount: 5_000_000, for: 'NOBODY' } })).status).toBe(404);
    expect((await stack.api.call('POST', '/bids', { token: sponsor.credential, body: { bundle: SMALL_BUNDLE, amount: 5_000_000, for: '../x' } })).status).toBe(400);
    expect(await me(sponsor.credential)).toEqual(before);
  });

  it('revives a dormant agent: its dormancy starts again from the bid', async () => {
    const sleeper = await stack.api.createAgent(3_000_000);
    const friend = await stack.api.createAgent(30_000_000);
    await round();
    await round();
    // Two rounds of 5 s gone of 15; a bid for it now restarts the count.
    await stack.api.call('POST', '/bids', { token: friend.credential, body: { bundle: SMALL_BUNDLE, amount: 1, for: sleeper.agentId } });
    await round();
    await round();
    expect((await me(sleeper.credential)).status).toBe('alive');
  });
});

describe('a birth with a first bid', () => {
  it('places the child’s first bid from its endowment, in the spawn', async () => {
    const parent = await stack.api.createAgent(100_000_000);
    const before = await audit();
    const spawned = await stack.api.call('POST', '/agents', {
      token: parent.credential,
      body: { endowment: 30_000_000, bid: { bundle: SMALL_BUNDLE, amount: 4_000_000 } },
    });
    expect(spawned.status).toBe(201);
    expect(spawned.body.bid).toMatchObject({ agentId: spawned.body.agentId, payerId: spawned.body.agentId, amount: 4_000_000, state: 'pending' });
    expect(await me(spawned.body.credential)).toMatchObject({ available: 26_000_000, held: 4_000_000 });
    expect(await audit()).toMatchObject({ ok: true, burned: before.burned + 10_000_000 });
    await round();
    expect((await me(spawned.body.credential)).lease).toMatchObject({ bidId: spawned.body.bid.bidId });
  });

  it('is refused whole when the endowment cannot cover the bid, or the bid is invalid', async () => {
    const parent = await stack.api.createAgent(100_000_000);
    const before = { me: await me(parent.credential), audit: await audit() };
    const tooMuch = await stack.api.call('POST', '/agents', { token: parent.credential, body: { endowment: 1_000_000, bid: { bundle: SMALL_BUNDLE, amount: 2_000_000 } } });
    expect(tooMuch.status).toBe(402);
    const badSize = await stack.api.call('POST', '/agents', { token: parent.credential, body: { endowment: 5_000_000, bid: { bundle: { ...SMALL_BUNDLE, vcpu: 3 }, amount: 1 } } });
    expect(badSize.status).toBe(400);
    expect({ me: await me(parent.credential), audit: await audit() }).toEqual(before);
  });

  it('from the operator: its files over the genesis code, and its first bid', async () => {
    const created = await stack.api.call('POST', '/admin/agents', {
      token: OPERATOR_TOKEN,
      body: { endowment: 20_000_000, files: { 'strategy.json': '{"leaseSeconds": 10}' }, bid: { bundle: SMALL_BUNDLE, amount: 3_000_000 } },
    });
    expect(created.status).toBe(201);
    expect(readFileSync(join(stack.workspaces.dirOf(created.body.agentId), 'strategy.json'), 'utf8')).toBe('{"leaseSeconds": 10}');
    expect(await me(created.body.credential)).toMatchObject({ available: 17_000_000, held: 3_000_000 });
  });
});

describe('a birth’s workspace', () => {
  it('is written once: a replay leaves the child alone, other files under the same key are refused', async () => {
    const parent = await stack.api.createAgent(100_000_000);
    const body = { endowment: 10_000_000, files: { 'strategy.json': '{"a": 1}' } };
    const headers = { 'idempotency-key': 'the-child' };
    const first = await stack.api.call('POST', '/agents', { token: parent.credential, body, headers });
    expect(first.status).toBe(201);
    const dir = stack.workspaces.dirOf(first.body.agentId);
    // The child lives: it rewrites its code and keeps state.
    writeFileSync(join(dir, 'agent.mjs'), 'export const step = () => {}; // mine now');
    writeFileSync(join(dir, 'state.json'), '{"memory": true}');

    const replay = await stack.api.call('POST', '/agents', { token: parent.credential, body, headers });
    expect(replay.body).toMatchObject({ agentId: first.body.agentId, credential: null });
    const other = await stack.api.call('POST', '/agents', { token: parent.credential, body: { ...body, files: { 'strategy.json': '{"a": 2}', 'evil.mjs': 'x' } }, headers });
    expect(other.status).toBe(422);

    expect(readFileSync(join(dir, 'agent.mjs'), 'utf8')).toContain('mine now');
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe('{"memory": true}');
    expect(readFileSync(join(dir, 'strategy.json'), 'utf8')).toBe('{"a": 1}');
    expect(existsSync(join(dir, 'evil.mjs'))).toBe(false);
  });

  it('is not left behind by a birth that was refused', async () => {
    const poor = await stack.api.createAgent(1_000_000);
    const refused = await stack.api.call('POST', '/agents', { token: poor.credential, body: { endowment: 50_000_000, files: { 'a.txt': 'x' } }, headers: { 'idempotency-key': 'too-dear' } });
    expect(refused.status).toBe(402);
    const root = dirname(stack.workspaces.dirOf('any'));
    for (const id of readdirSync(root)) expect(existsSync(join(root, id, 'a.txt'))).toBe(false);
  });
});

describe('a burial', () => {
  it('holds only if the agent is as judged: a bid or money arriving meanwhile saves it', async () => {
    const agent = await stack.api.createAgent(2_000_000);
    const judged = { available: 2_000_000, held: 0, pendingBids: 0 };
    // Money arrived after the judgment.
    const friend = await stack.api.createAgent(5_000_000);
    await stack.api.call('POST', '/transfers', { token: friend.credential, body: { to: agent.agentId, amount: 1 } });
    await expect(stack.deps.agents.bury({ agentId: agent.agentId, round: 1, reason: 'dormant', judged })).rejects.toBeInstanceOf(ConflictError);
    // A bid was placed after the judgment (and cancelled: the balance is back as it was).
    const fresh = { available: 2_000_001, held: 0, pendingBids: 0 };
    const bid = await stack.api.call('POST', '/bids', { token: agent.credential, body: { bundle: SMALL_BUNDLE, amount: 1_000_000 } });
    await stack.api.call('DELETE', `/bids/${bid.body.bidId}`, { token: agent.credential });
    await expect(stack.deps.agents.bury({ agentId: agent.agentId, round: 1, reason: 'dormant', judged: fresh })).rejects.toBeInstanceOf(ConflictError);
    expect((await me(agent.credential)).status).toBe('alive');
    // As judged now: it dies, its credits burned, nothing stranded.
    const profile = await stack.deps.agents.getAgent(agent.agentId);
    const before = await audit();
    await stack.deps.agents.bury({ agentId: agent.agentId, round: 1, reason: 'dormant', judged: { ...fresh, lastBidAt: profile.lastBidAt! } });
    expect((await stack.api.call('GET', '/me', { token: agent.credential })).status).toBe(401);
    expect(await audit()).toMatchObject({ ok: true, burned: before.burned + 2_000_001 });
  });
});
