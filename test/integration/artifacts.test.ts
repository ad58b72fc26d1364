/**
 * Artifacts over HTTP: of two buyers of one listing at once exactly one wins (the other 409) with
 * credits and ownership consistent; selling a config right moves the right to change an agent's
 * configuration; a resold debt is repaid to its new owner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

const call = (token: string, method: string, path: string, body?: unknown) => stack.api.call(method, path, { token, ...(body !== undefined ? { body } : {}) });
const available = async (token: string) => (await call(token, 'GET', '/me')).body.available as number;

describe('artifacts', () => {
  it('sell to exactly one of two buyers racing for the same listing', async () => {
    const [seller, b1, b2] = [await stack.api.createAgent(1_000_000), await stack.api.createAgent(5_000_000), await stack.api.createAgent(5_000_000)];
    const created = await call(seller.credential, 'POST', '/artifacts', { kind: 'data', content: 'a very good dataset' });
    expect(created.status).toBe(201);
    const id = created.body.artifactId;
    expect((await call(seller.credential, 'POST', `/artifacts/${id}/listing`, { price: 2_000_000 })).status).toBe(200);
    // Others see the listing but not the content.
    const seen = (await call(b1.credential, 'GET', `/artifacts/${id}`)).body;
    expect(seen).toMatchObject({ listing: { price: 2_000_000 } });
    expect(seen.content).toBeUndefined();

    const [r1, r2] = await Promise.all([
      call(b1.credential, 'POST', `/artifacts/${id}/purchase`, { price: 2_000_000 }),
      call(b2.credential, 'POST', `/artifacts/${id}/purchase`, { price: 2_000_000 }),
    ]);
    expect([r1.status, r2.status].sort()).toEqual([200, 409]);
    const [winner, loser] = r1.status === 200 ? [b1, b2] : [b2, b1];
    expect((await call(winner.credential, 'GET', `/artifacts/${id}`)).body).toMatchObject({ ownerId: winner.agentId, content: 'a very good dataset' });
    expect((await call(winner.credential, 'GET', `/artifacts/${id}`)).body.listing).toBeUndefined();
    expect(await available(winner.credential)).toBe(3_000_000);
    expect(await available(loser.credential)).toBe(5_000_000);
    expect(await available(seller.credential)).toBe(3_000_000);
    expect((await call(winner.credential, 'GET', '/artifacts')).body.items.map((a: { artifactId: string }) => a.artifactId)).toContain(id);
    expect((await stack.api.call('GET', '/admin/audit', { token: OPERATOR_TOKEN })).body).toMatchObject({ ok: true, drift: 0 });
  });

  it('charge only the price the buyer agreed to: a relisted artifact is refused, and nothing changes', async () => {
    const [seller, buyer] = [await stack.api.createAgent(1_000_000), await stack.api.createAgent(100_000_000)];
    const id = (await call(seller.credential, 'POST', '/artifacts', { kind: 'data', content: 'cheap' })).body.artifactId;
    await call(seller.credential, 'POST', `/artifacts/${id}/listing`, { price: 1 });
    // The seller relists at 45 credits before the buyer's purchase lands.
    await call(seller.credential, 'POST', `/artifacts/${id}/listing`, { price: 45_000_000 });
    const refused = await call(buyer.credential, 'POST', `/artifacts/${id}/purchase`, { price: 1 });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('45000000');
    expect(await available(buyer.credential)).toBe(100_000_000);
    expect((await call(buyer.credential, 'GET', `/artifacts/${id}`)).body.ownerId).toBe(seller.agentId);
    expect((await call(buyer.credential, 'POST', `/artifacts/${id}/purchase`, {})).status).toBe(400);
  });

  it('honour a listing for one buyer, and only the owner lists or unlists', async () => {
    const [owner, chosen, other] = [await stack.api.createAgent(1_000_000), await stack.api.createAgent(5_000_000), await stack.api.createAgent(5_000_000)];
    const id = (await call(owner.credential, 'POST', '/artifacts', { kind: 'code', content: 'export const step = () => {};' })).body.artifactId;
    expect((await call(other.credential, 'POST', `/artifacts/${id}/listing`, { price: 1 })).status).toBe(403);
    await call(owner.credential, 'POST', `/artifacts/${id}/listing`, { price: 1_000_000, buyer: chosen.agentId });
    expect((await call(other.credential, 'POST', `/artifacts/${id}/purchase`, { price: 1_000_000 })).status).toBe(403);
    expect((await call(owner.credential, 'DELETE', `/artifacts/${id}/listing`)).status).toBe(200);
    expect((await call(chosen.credential, 'POST', `/artifacts/${id}/purchase`, { price: 1_000_000 })).status).toBe(409);
    expect((await call(owner.credential, 'POST', '/artifacts', { kind: 'data' })).status).toBe(400);
    expect((await call(owner.credential, 'POST', `/artifacts/${id}/listing`, { price: 0 })).status).toBe(400);
  });

  it('move the right to configure an agent with its config right', async () => {
    const [subject, buyer] = [await stack.api.createAgent(1_000_000), await stack.api.createAgent(5_000_000)];
    // Before a config right exists the agent configures itself; others may not.
    expect((await call(subject.credential, 'PUT', `/agents/${subject.agentId}/config`, { config: { valueShare: 0.05 } })).status).toBe(200);
    expect((await call(buyer.credential, 'PUT', `/agents/${subject.agentId}/config`, { config: { valueShare: 0.9 } })).status).toBe(403);
    const right = await call(subject.credential, 'POST', '/artifacts', { kind: 'config-right' });
    expect(right.body).toMatchObject({ kind: 'config-right', subjectAgentId: subject.agentId, ownerId: subject.agentId });
    await call(subject.credential, 'POST', `/artifacts/${right.body.artifactId}/listing`, { price: 500_000 });
    expect((await call(buyer.credential, 'POST', `/artifacts/${right.body.artifactId}/purchase`, { price: 500_000 })).status).toBe(200);

    expect((await call(subject.credential, 'PUT', `/agents/${subject.agentId}/config`, { config: { valueShare: 0.01 } })).status).toBe(403);
    expect((await call(buyer.credential, 'PUT', `/agents/${subject.agentId}/config`, { config: { valueShare: 0.2 } })).status).toBe(200);
    // The agent sees the configuration it will run with.
    expect((await call(subject.credential, 'GET', '/me')).body.config).toEqual({ valueShare: 0.2 });
  });

  it('repay a resold debt to its new owner', async () => {
    const [lender, borrower, investor] = [await stack.api.createAgent(10_000_000), await stack.api.createAgent(1_000_000), await stack.api.createAgent(10_000_000)];
    const loan = await call(lender.credential, 'POST', '/loans', { to: borrower.agentId, amount: 4_000_000 });
    expect(loan.status).toBe(201);
    expect(loan.body).toMatchObject({ kind: 'debt', ownerId: lender.agentId, debtor: borrower.agentId, outstanding: 4_000_000 });
    expect(await available(borrower.credential)).toBe(5_000_000);
    const debt = loan.body.artifactId;
    await call(lender.credential, 'POST', `/artifacts/${debt}/listing`, { price: 3_000_000 });
    expect((await call(investor.credential, 'POST', `/artifacts/${debt}/purchase`, { price: 3_000_000 })).status).toBe(200);

    expect((await call(investor.credential, 'POST', `/artifacts/${debt}/repay`, { amount: 1 })).status).toBe(403);
    const repaid = await call(borrower.credential, 'POST', `/artifacts/${debt}/repay`, { amount: 4_000_000 });
    expect(repaid.status).toBe(200);
    expect(repaid.body).toMatchObject({ outstanding: 0, ownerId: investor.agentId });
    expect(await available(investor.credential)).toBe(10_000_000 - 3_000_000 + 4_000_000);
    expect(await available(lender.credential)).toBe(10_000_000 - 4_000_000 + 3_000_000);
    expect((await call(borrower.credential, 'POST', `/artifacts/${debt}/repay`, { amount: 1 })).status).toBe(400);
    expect((await stack.api.call('GET', '/admin/audit', { token: OPERATOR_TOKEN })).body).toMatchObject({ ok: true, drift: 0 });
  });
});
