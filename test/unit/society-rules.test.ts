/**
 * The rules of artifacts, prompts, messages and bids without storage: each change is a function
 * from what was read to what is written, refusing with the domain error the API reports. The
 * DynamoDB adapters only turn the result into items and conditions.
 */
import { describe, expect, it } from 'vitest';
import { assertMayConfigure, configRightId, listed, newArtifact, newDebt, repaid, sold, unlisted, type Artifact } from '../../economy/artifacts.js';
import { MAX_PROMPT_LENGTH, MAX_REPLY_LENGTH, newPrompt, rewarded } from '../../economy/attention.js';
import { ConflictError, ForbiddenError, ValidationError } from '../../economy/errors.js';
import { closedBid, newBid, type Lease } from '../../economy/market.js';
import { newMessage } from '../../economy/society.js';

let ids = 0;
const at = { now: 1_000, newId: () => `id${++ids}` };
const bundle = { vcpu: 0.25, memoryMiB: 512, tokens: 1000, attention: 1, durationSeconds: 60 };
const lease = (attention: number): Lease => ({
  leaseId: 'l1',
  agentId: 'a',
  bidId: 'b1',
  payerId: 'a',
  round: 1,
  bundle: { ...bundle, attention },
  payment: 1,
  startsAt: 0,
  endsAt: 60_000,
});
const data = (): Artifact => newArtifact({ ownerId: 'alice', kind: 'data', content: 'facts' }, at);

describe('artifact rules', () => {
  it('creates data with content and a config right without, each at version 1', () => {
    expect(data()).toMatchObject({ kind: 'data', ownerId: 'alice', createdBy: 'alice', content: 'facts', version: 1 });
    expect(newArtifact({ ownerId: 'alice', kind: 'config-right' }, at)).toMatchObject({ artifactId: configRightId('alice'), subjectAgentId: 'alice' });
    expect(() => newArtifact({ ownerId: 'alice', kind: 'config-right', content: 'x' }, at)).toThrow(ValidationError);
    expect(() => newArtifact({ ownerId: 'alice', kind: 'code', content: '' }, at)).toThrow(ValidationError);
  });

  it('lists and unlists only by the owner, at a positive price, never to the owner itself', () => {
    const offered = listed(data(), { ownerId: 'alice', price: 5, buyer: 'bob' }, 7);
    expect(offered).toMatchObject({ version: 2, listing: { price: 5, buyer: 'bob', listedAt: 7 } });
    expect(() => listed(data(), { ownerId: 'bob', price: 5 }, 7)).toThrow(ForbiddenError);
    expect(() => listed(data(), { ownerId: 'alice', price: 0 }, 7)).toThrow(ValidationError);
    expect(() => listed(data(), { ownerId: 'alice', price: 5, buyer: 'alice' }, 7)).toThrow(ValidationError);
    expect(unlisted(offered, 'alice')).not.toHaveProperty('listing');
    expect(unlisted(offered, 'alice').version).toBe(3);
    expect(() => unlisted(data(), 'alice')).toThrow(ConflictError);
    expect(() => unlisted(offered, 'bob')).toThrow(ForbiddenError);
  });

  it('sells at the listed price only, to the named buyer only, never to its owner', () => {
    const offered = listed(data(), { ownerId: 'alice', price: 5, buyer: 'bob' }, 7);
    const { bought, seller, price } = sold(offered, { buyerId: 'bob', price: 5 });
    expect({ owner: bought.ownerId, seller, price, version: bought.version, listing: bought.listing }).toEqual({ owner: 'bob', seller: 'alice', price: 5, version: 3, listing: undefined });
    expect(() => sold(offered, { buyerId: 'bob', price: 4 })).toThrow(ConflictError);
    expect(() => sold(offered, { buyerId: 'carol', price: 5 })).toThrow(ForbiddenError);
    expect(() => sold(data(), { buyerId: 'bob', price: 5 })).toThrow(ConflictError);
    expect(() => sold(listed(data(), { ownerId: 'alice', price: 5 }, 7), { buyerId: 'alice', price: 5 })).toThrow(ConflictError);
  });

  it('is repaid by its debtor only, never beyond what is owed', () => {
    const debt = newDebt({ lender: 'alice', borrower: 'bob', amount: 10 }, at);
    expect(repaid(debt, { debtor: 'bob', amount: 4 })).toMatchObject({ outstanding: 6, version: 2 });
    expect(() => repaid(debt, { debtor: 'carol', amount: 4 })).toThrow(ForbiddenError);
    expect(() => repaid(debt, { debtor: 'bob', amount: 11 })).toThrow(ValidationError);
    expect(() => repaid(data(), { debtor: 'bob', amount: 1 })).toThrow(ForbiddenError);
  });

  it('lets the config right\'s owner configure an agent, or the agent itself while no right exists', () => {
    const right = { ...newArtifact({ ownerId: 'bob', kind: 'config-right' }, at), ownerId: 'carol' };
    expect(() => assertMayConfigure(undefined, { callerId: 'bob', agentId: 'bob' })).not.toThrow();
    expect(() => assertMayConfigure(undefined, { callerId: 'carol', agentId: 'bob' })).toThrow(ForbiddenError);
    expect(() => assertMayConfigure(right, { callerId: 'carol', agentId: 'bob' })).not.toThrow();
    expect(() => assertMayConfigure(right, { callerId: 'bob', agentId: 'bob' })).toThrow(ForbiddenError);
  });
});

describe('prompt, message and bid rules', () => {
  it('prompts only within a lease that bought attention, with content of bounded length', () => {
    expect(newPrompt({ agentId: 'a', content: 'hi', bid: 3 }, lease(1), at, 60)).toMatchObject({ leaseId: 'l1', state: 'pending', expiresAt: 61_000 });
    expect(() => newPrompt({ agentId: 'a', content: 'hi', bid: 3 }, lease(0), at, 60)).toThrow(ForbiddenError);
    expect(() => newPrompt({ agentId: 'a', content: 'hi', bid: 3 }, undefined, at, 60)).toThrow(ForbiddenError);
    expect(() => newPrompt({ agentId: 'a', content: 'x'.repeat(MAX_PROMPT_LENGTH + 1), bid: 3 }, lease(1), at, 60)).toThrow(ValidationError);
    expect(() => newPrompt({ agentId: 'a', content: 'hi', bid: 0 }, lease(1), at, 60)).toThrow(ValidationError);
  });

  it('rewards a pending prompt once, with a reply of bounded length to the inbox', () => {
    const prompt = newPrompt({ agentId: 'a', content: 'hi', bid: 3 }, lease(1), at, 60);
    const scores = { interesting: 1, useful: 2, understandable: 3 };
    const { prompt: closed, reply } = rewarded(prompt, { scores, reward: 9, reply: 'thanks' }, at);
    expect(closed).toMatchObject({ state: 'rewarded', reward: 9, reply: 'thanks', closedAt: 1_000 });
    expect(reply).toMatchObject({ kind: 'reply', from: 'human', body: 'thanks', promptId: prompt.promptId, reward: 9 });
    expect(() => rewarded(closed, { scores, reward: 9 }, at)).toThrow(ConflictError);
    expect(() => rewarded(prompt, { scores, reward: 9, reply: 'x'.repeat(MAX_REPLY_LENGTH + 1) }, at)).toThrow(ValidationError);
  });

  it('sends a message with a body to another agent, never to itself', () => {
    expect(newMessage({ from: 'a', to: 'b', body: 'hello' }, at)).toMatchObject({ kind: 'message', from: 'a', body: 'hello', at: 1_000 });
    expect(() => newMessage({ from: 'a', to: 'a', body: 'hello' }, at)).toThrow(ValidationError);
    expect(() => newMessage({ from: 'a', to: 'b', body: '' }, at)).toThrow(ValidationError);
  });

  it('closes a pending bid once', () => {
    const bid = newBid({ bidId: 'b', agentId: 'a', payerId: 'a', bundle, amount: 5, now: 0, lastRound: 3 });
    const cancelled = closedBid(bid, 'cancelled', 10);
    expect(cancelled).toMatchObject({ state: 'cancelled', closedAt: 10 });
    expect(closedBid(bid, 'expired', 10, 4)).toMatchObject({ state: 'expired', closedRound: 4 });
    expect(() => closedBid(cancelled, 'expired', 11)).toThrow(ConflictError);
  });
});
