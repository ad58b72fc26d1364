/**
 * The gate (API Gateway's authorizer for agents' and supervisors' routes) on DynamoDB Local: it lets
 * through a living agent's credential, a current run's credential and supervisor token, and nothing
 * else: no header, another scheme, an unknown secret, a dead agent's, a revoked run's. A failure to
 * look a secret up is an error (API Gateway answers 500 and caches nothing), not a "no" cached for
 * minutes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newCredential, type Caller } from '../../economy/credentials.js';
import { makeHandler } from '../../lambdas/gate.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let gate: ReturnType<typeof makeHandler>;
beforeAll(async () => {
  stack = await startTestStack();
  gate = makeHandler([stack.deps.agentCaller, stack.deps.supervisorCaller]);
});
afterAll(() => stack.close());

const lets = async (authorization?: string) => (await gate({ headers: authorization === undefined ? {} : { authorization } })).isAuthorized;
const T = () => stack.clock.now();

describe('the gate', () => {
  it("lets through a living agent's own credential, its run's credential and its supervisor token", async () => {
    const { agentId, credential } = await stack.api.createAgent(1_000_000);
    const run = await stack.deps.credentials.issue(agentId, T() + 60_000);
    expect(await lets(`Bearer ${credential}`)).toBe(true);
    expect(await lets(`Bearer ${run.credential}`)).toBe(true);
    expect(await lets(`Bearer ${run.supervisorToken}`)).toBe(true);
  });

  it('stops what is no live credential: no header, another scheme, a stranger, a revoked run, a dead agent', async () => {
    const { agentId, credential } = await stack.api.createAgent(1_000_000);
    const run = await stack.deps.credentials.issue(agentId, T() + 60_000);
    expect(await lets()).toBe(false);
    expect(await lets(`Basic ${credential}`)).toBe(false);
    expect(await lets(credential)).toBe(false);
    expect(await lets(`Bearer ${newCredential()}`)).toBe(false);
    expect(await lets('Bearer not-even-a-credential')).toBe(false);

    await stack.deps.credentials.revoke(agentId, run.runId);
    expect(await lets(`Bearer ${run.credential}`)).toBe(false);
    expect(await lets(`Bearer ${credential}`)).toBe(true);

    await stack.deps.agents.bury({ agentId, round: 1, reason: 'dormant', judged: { available: 1_000_000, held: 0, pendingBids: 0 } });
    expect(await lets(`Bearer ${credential}`)).toBe(false);
  });

  it('fails, rather than saying no, when a secret cannot be looked up', async () => {
    const broken: Caller = { kind: 'agent', identify: () => Promise.reject(new Error('ProvisionedThroughputExceededException')) };
    await expect(makeHandler([broken])({ headers: { authorization: `Bearer ${newCredential()}` } })).rejects.toThrow('ProvisionedThroughputExceededException');
  });
});
