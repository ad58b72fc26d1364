/**
 * Authenticated writes in one round trip (issue 20): a bid or a transfer by an agent whose
 * credential the API already knows is one request to DynamoDB, its transaction, which checks the
 * credential itself; a cancel reads only its bid and hold. What the credential read protected still
 * holds: a credential that died since it was remembered (its agent buried, its run revoked or
 * expired) is refused with 401 on every one of these writes, whatever else its request says (a bad
 * body, an unknown bid, a replayed key), and nothing changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMALL_BUNDLE, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
const sent: string[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  // Every request the economy sends to DynamoDB, by command.
  const client = stack.deps.base.client;
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  (client as unknown as { send: (command: { constructor: { name: string } }) => Promise<unknown> }).send = (command) => {
    sent.push(command.constructor.name);
    return send(command);
  };
  // A live economy: the oracle has begun the current tick's round.
  await stack.oracle();
});
afterAll(() => stack.close());

const call = (token: string, method: string, path: string, options: { body?: unknown; rawBody?: string; headers?: Record<string, string> } = {}) =>
  stack.api.call(method, path, { token, ...options });

const balanceOf = (me: any) => ({ available: me.available, held: me.held });

/** The DynamoDB requests one call makes. */
async function requestsOf(f: () => Promise<unknown>): Promise<string[]> {
  sent.length = 0;
  await f();
  return [...sent];
}

describe('an authenticated write', () => {
  it('is one transaction once the credential is known: a bid, a transfer; a cancel reads only its bid and hold', async () => {
    const a = await stack.api.createAgent(50_000_000);
    const b = await stack.api.createAgent(1_000_000);
    // The first request with a credential reads it (and the round pointer, if not yet known).
    const first = await call(a.credential, 'POST', '/bids', { body: { bundle: SMALL_BUNDLE, amount: 1_000_000 } });
    expect(first.status).toBe(201);

    let bid: any;
    expect(
      await requestsOf(async () => {
        bid = await call(a.credential, 'POST', '/bids', { body: { bundle: SMALL_BUNDLE, amount: 2_000_000 } });
      }),
    ).toEqual(['TransactWriteCommand']);
    expect(bid.status).toBe(201);
    expect(bid.body).toMatchObject({ payerId: a.agentId, amount: 2_000_000, state: 'pending', firstRound: first.body.firstRound });

    let transfer: any;
    expect(
      await requestsOf(async () => {
        transfer = await call(a.credential, 'POST', '/transfers', { body: { to: b.agentId, amount: 1_000 } });
      }),
    ).toEqual(['TransactWriteCommand']);
    expect(transfer.status).toBe(201);

    let cancel: any;
    expect(
      await requestsOf(async () => {
        cancel = await call(a.credential, 'DELETE', `/bids/${bid.body.bidId}`);
      }),
    ).toEqual(['GetCommand', 'GetCommand', 'TransactWriteCommand']);
    expect(cancel.body.state).toBe('cancelled');
    expect(balanceOf(await stack.api.me(a.credential))).toEqual({ available: 50_000_000 - 1_000_000 - 1_000, held: 1_000_000 });
  });

  it('keeps every refusal of a valid credential: 400, 402, 403, 404, 422, and a replay returns the first result', async () => {
    const a = await stack.api.createAgent(5_000_000);
    const b = await stack.api.createAgent(1_000_000);
    await stack.api.me(a.credential); // remembered
    expect((await call(a.credential, 'POST', '/bids', { body: { bundle: SMALL_BUNDLE, amount: -1 } })).status).toBe(400);
    expect((await call(a.credential, 'POST', '/bids', { rawBody: '{"bundle":' })).status).toBe(400);
    expect((await call(a.credential, 'POST', '/bids', { body: { bundle: SMALL_BUNDLE, amount: 6_000_000 } })).status).toBe(402);
    expect((await call(a.credential, 'POST', '/transfers', { body: { to: b.agentId, amount: 6_000_000 } })).status).toBe(402);
    expect((await call(a.credential, 'POST', '/transfers', { body: { to: 'ghost', amount: 1 } })).status).toBe(404);
    expect((await call(a.credential, 'DELETE', '/bids/01JZZZZZZZZZZZZZZZZZZZZZZZ')).status).toBe(404);
    const headers = { 'Idempotency-Key': 'pay-once' };
    const paid = await call(a.credential, 'POST', '/transfers', { body: { to: b.agentId, amount: 1_000 }, headers });
    expect(paid.status).toBe(201);
    expect(await call(a.credential, 'POST', '/transfers', { body: { to: b.agentId, amount: 1_000 }, headers })).toEqual(paid);
    expect((await call(a.credential, 'POST', '/transfers', { body: { to: b.agentId, amount: 2_000 }, headers })).status).toBe(422);
    expect(balanceOf(await stack.api.me(a.credential))).toEqual({ available: 5_000_000 - 1_000, held: 0 });
    // A dead recipient: 403, as before.
    const doomed = await stack.api.createAgent(1_000_000);
    await stack.deps.agents.bury({ agentId: doomed.agentId, round: 1, reason: 'dormant', judged: { available: 1_000_000, held: 0, pendingBids: 0 } });
    expect((await call(a.credential, 'POST', '/transfers', { body: { to: doomed.agentId, amount: 1 } })).status).toBe(403);
    expect((await call(a.credential, 'POST', '/bids', { body: { bundle: SMALL_BUNDLE, amount: 1, for: doomed.agentId } })).status).toBe(403);
  });

  it("refuses a dead agent's remembered credential with 401 on every write, whatever its request says, and changes nothing", async () => {
    const doomed = await stack.api.createAgent(3_000_000);
    const heir = await stack.api.createAgent(1_000_000);
    const headers = { 'Idempotency-Key': 'last-gift' };
    expect((await call(doomed.credential, 'POST', '/transfers', { body: { to: heir.agentId, amount: 1_000 }, headers })).status).toBe(201);
    const bid = await call(doomed.credential, 'POST', '/bids', { body: { bundle: SMALL_BUNDLE, amount: 1_000_000 } });
    expect(bid.status).toBe(201);
    expect((await call(doomed.credential, 'DELETE', `/bids/${bid.body.bidId}`)).status).toBe(200);
    const profile = await stack.deps.agents.getAgent(doomed.agentId);
    await stack.deps.agents.bury({
      agentId: doomed.agentId,
      round: 1,
      reason: 'dormant',
      judged: { available: 3_000_000 - 1_000, held: 0, pendingBids: 0, lastBidAt: profile.lastBidAt! },
    });
    const before = { heir: await stack.api.me(heir.credential), audit: await stack.api.audit() };
    for (const [method, path, options] of [
      ['POST', '/bids', { body: { bundle: SMALL_BUNDLE, amount: 1_000 } }],
      ['POST', '/bids', { body: { bundle: SMALL_BUNDLE, amount: -1 } }],
      ['POST', '/bids', { rawBody: 'not json' }],
      ['POST', '/bids', { body: { bundle: SMALL_BUNDLE, amount: 1_000, for: heir.agentId } }],
      ['POST', '/transfers', { body: { to: heir.agentId, amount: 1_000 } }],
      ['POST', '/transfers', { body: { to: heir.agentId, amount: 1_000 }, headers }],
      ['POST', '/transfers', { body: { to: heir.agentId, amount: 10_000_000 } }],
      ['POST', '/transfers', { body: { to: 'ghost', amount: 1 } }],
      ['DELETE', `/bids/${bid.body.bidId}`, {}],
      ['DELETE', '/bids/01JZZZZZZZZZZZZZZZZZZZZZZZ', {}],
      ['DELETE', '/bids/not%20an%20id', {}],
    ] as const) {
      const reply = await call(doomed.credential, method, path, options);
      expect([reply.status, reply.body?.error?.code], `${method} ${path} ${JSON.stringify(options)}`).toEqual([401, 'UNAUTHORIZED']);
    }
    expect({ heir: await stack.api.me(heir.credential), audit: await stack.api.audit() }).toEqual(before);
  });

  it('refuses a remembered run credential once its run is revoked or expired (401), and changes nothing', async () => {
    const agent = await stack.api.createAgent(5_000_000);
    const peer = await stack.api.createAgent(1_000_000);
    const now = stack.clock.now();
    const revoked = await stack.deps.credentials.issue(agent.agentId, now + 60_000);
    expect((await call(revoked.credential, 'POST', '/bids', { body: { bundle: SMALL_BUNDLE, amount: 1_000 } })).status).toBe(201);
    await stack.deps.credentials.revoke(agent.agentId, revoked.runId);
    expect((await call(revoked.credential, 'POST', '/bids', { body: { bundle: SMALL_BUNDLE, amount: 1_000 } })).status).toBe(401);
    expect((await call(revoked.credential, 'POST', '/transfers', { body: { to: peer.agentId, amount: 1_000 } })).status).toBe(401);

    const expiring = await stack.deps.credentials.issue(agent.agentId, now + 10_000);
    expect((await call(expiring.credential, 'POST', '/transfers', { body: { to: peer.agentId, amount: 1_000 } })).status).toBe(201);
    stack.clock.advance(10);
    expect((await call(expiring.credential, 'POST', '/transfers', { body: { to: peer.agentId, amount: 1_000 } })).status).toBe(401);
    expect((await call(expiring.credential, 'POST', '/bids', { body: { bundle: SMALL_BUNDLE, amount: 1_000 } })).status).toBe(401);
    // The agent's own credential still works, and only the two accepted writes moved money.
    expect(balanceOf(await stack.api.me(agent.credential))).toEqual({ available: 5_000_000 - 1_000 - 1_000, held: 1_000 });
    // A supervisor's token is never an agent's credential.
    const run = await stack.deps.credentials.issue(agent.agentId, stack.clock.now() + 60_000);
    expect((await call(run.supervisorToken, 'POST', '/transfers', { body: { to: peer.agentId, amount: 1_000 } })).status).toBe(401);
  });
});
