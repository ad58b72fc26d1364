/**
 * Run credentials on DynamoDB Local: one current run per agent; its credential works until its
 * expiry, which renewals move forward and never back; a new run or a revocation ends it at once;
 * a stale run's revocation leaves the current one alone; the dead get no run, and death ends one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialHash } from '../../economy/credentials.js';
import { ConflictError, ForbiddenError } from '../../economy/errors.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

const T = () => stack.clock.now();
const works = async (credential: string, at: number) => (await stack.deps.agents.agentIdForCredential(credentialHash(credential), at)) !== undefined;

describe('a run credential', () => {
  it('works until its expiry, which renewals move forward and never back', async () => {
    const { agentId } = await stack.api.createAgent(1_000_000);
    const { runId, credential } = await stack.deps.credentials.issue(agentId, T() + 10_000);
    expect((await stack.api.call('GET', '/me', { token: credential })).body.agentId).toBe(agentId);
    expect(await works(credential, T() + 9_000)).toBe(true);
    expect(await works(credential, T() + 10_000)).toBe(false);
    for (let i = 2; i <= 40; i += 1) await stack.deps.credentials.extend(agentId, runId, T() + i * 10_000);
    expect(await works(credential, T() + 399_000)).toBe(true);
    await stack.deps.credentials.extend(agentId, runId, T() + 20_000); // never shortened
    expect(await works(credential, T() + 399_000)).toBe(true);
    await stack.deps.credentials.revoke(agentId, runId);
    expect(await works(credential, T())).toBe(false);
    await expect(stack.deps.credentials.extend(agentId, runId, T() + 500_000)).rejects.toBeInstanceOf(ConflictError);
  });

  it('ends when a new run starts; a stale run’s revocation leaves the new one alone', async () => {
    const { agentId } = await stack.api.createAgent(1_000_000);
    const first = await stack.deps.credentials.issue(agentId, T() + 60_000);
    const second = await stack.deps.credentials.issue(agentId, T() + 60_000);
    expect(await works(first.credential, T())).toBe(false);
    expect(await works(second.credential, T())).toBe(true);
    await stack.deps.credentials.revoke(agentId, first.runId);
    expect(await works(second.credential, T())).toBe(true);
  });

  it('is never issued to the dead, and dies with its agent', async () => {
    const { agentId, credential: own } = await stack.api.createAgent(1_000_000);
    const run = await stack.deps.credentials.issue(agentId, T() + 60_000);
    await stack.deps.agents.bury({ agentId, round: 1, reason: 'dormant', judged: { available: 1_000_000, held: 0, pendingBids: 0 } });
    expect(await works(run.credential, T())).toBe(false);
    expect(await works(own, T())).toBe(false);
    await expect(stack.deps.credentials.issue(agentId, T() + 60_000)).rejects.toBeInstanceOf(ForbiddenError);
  });
});
