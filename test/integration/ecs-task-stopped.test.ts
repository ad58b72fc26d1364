/**
 * The ECS task state-change handler against DynamoDB Local: a task that dies before its lease
 * ends closes the lease; our own stop at the lease's end, a stop after it, or the supervisor's own
 * end of the run (exit 0) closes nothing; any stop ends the run's secrets, which the supervisor
 * needed until then.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHandler, type EcsTaskStateChange } from '../../lambdas/ecs-task-stopped.js';
import { OWN_STOP_REASON } from '../../adapters/ecs/ecs-runner.js';
import { credentialHash } from '../../economy/credentials.js';
import { CREDENTIAL_GRACE_MS } from '../../economy/launcher.js';
import { leasedAgent, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

function stopped(agentId: string, leaseId: string, at: number, extra: Partial<EcsTaskStateChange> = {}, runId = 'run-1'): EventBridgeEvent<'ECS Task State Change', EcsTaskStateChange> {
  return {
    version: '0',
    id: 'event-1',
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account: '123456789012',
    time: new Date(at).toISOString(),
    region: 'us-east-1',
    resources: [],
    detail: {
      lastStatus: 'STOPPED',
      stoppedAt: new Date(at).toISOString(),
      overrides: {
        containerOverrides: [
          { environment: [{ name: 'SYNTROPISM_AGENT_ID', value: agentId }, { name: 'SYNTROPISM_RUN_ID', value: runId }, { name: 'SYNTROPISM_LEASE_ID', value: leaseId }] },
        ],
      },
      ...extra,
    },
  };
}

describe('ECS task stopped', () => {
  it('closes the lease of a task killed for memory before its end', async () => {
    const agent = await leasedAgent(stack);
    const at = agent.lease.startsAt + 10_000;
    const handler = makeHandler(stack.deps);
    const event = stopped(agent.agentId, agent.lease.leaseId, at, {
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      containers: [{ name: 'runtime', reason: 'OutOfMemoryError: Container killed due to memory usage', exitCode: 137 }],
    });
    expect(await handler(event)).toEqual({ closed: true });
    const [lease] = await stack.deps.leases.agentLeases(agent.agentId, 0);
    expect(lease).toMatchObject({ closedAt: at, closeReason: 'out-of-memory' });
    // Delivered again (EventBridge is at least once): the same closed lease.
    expect(await handler(event)).toEqual({ closed: true });
  });

  it('closes no lease for our own stop, a stop after the lease, or a task that is not an agent', async () => {
    const agent = await leasedAgent(stack);
    const handler = makeHandler(stack.deps);
    const during = agent.lease.startsAt + 5_000;
    expect(await handler(stopped(agent.agentId, agent.lease.leaseId, during, { stoppedReason: OWN_STOP_REASON }))).toEqual({ closed: false });
    expect(await handler(stopped(agent.agentId, agent.lease.leaseId, agent.lease.endsAt + 1_000))).toEqual({ closed: false });
    expect(await handler(stopped('', '', during))).toEqual({ closed: false });
    const [lease] = await stack.deps.leases.agentLeases(agent.agentId, 0);
    expect(lease?.closedAt).toBeUndefined();
  });

  it('closes nothing when the supervisor ended the run at its lease end (exit 0), even once the next lease has begun', async () => {
    const agent = await leasedAgent(stack);
    const handler = makeHandler(stack.deps);
    // The renewal, won late: a lease from the end of the first, which a new task runs.
    const next = await stack.api.call('POST', '/bids', { token: agent.credential, body: { bundle: agent.lease.bundle, amount: 5_000_000 } });
    expect(next.status).toBe(201);
    stack.clock.t = agent.lease.endsAt;
    await stack.oracle();
    const leases = () => stack.deps.leases.agentLeases(agent.agentId, 0);
    expect(await leases()).toHaveLength(2);
    // The first task's supervisor stopped its agent at the end and exited 0, a moment after the next lease began.
    const event = stopped(agent.agentId, agent.lease.leaseId, agent.lease.endsAt + 400, {
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      containers: [{ name: 'agent', exitCode: 0 }],
    });
    expect(await handler(event)).toEqual({ closed: false });
    expect((await leases()).map((l) => l.closedAt)).toEqual([undefined, undefined]);
  });

  it("ends the run's secrets when a task we stopped has stopped, not before, and keeps its lease", async () => {
    const agent = await leasedAgent(stack);
    const handler = makeHandler(stack.deps);
    const run = await stack.deps.credentials.issue(agent.agentId, agent.lease.endsAt + CREDENTIAL_GRACE_MS);
    const during = agent.lease.startsAt + 5_000;
    const supervisor = () => stack.deps.credentials.runOfSupervisor(credentialHash(run.supervisorToken), during);
    // Told to stop, the supervisor still reports and saves the workspace with its token.
    expect(await handler({ ...stopped(agent.agentId, agent.lease.leaseId, during, { stoppedReason: OWN_STOP_REASON }, run.runId), detail: { lastStatus: 'DEPROVISIONING' } })).toEqual({ closed: false });
    expect(await supervisor()).toEqual({ agentId: agent.agentId, runId: run.runId });
    expect(await handler(stopped(agent.agentId, agent.lease.leaseId, during, { stoppedReason: OWN_STOP_REASON }, run.runId))).toEqual({ closed: false });
    expect(await supervisor()).toBeUndefined();
    const [lease] = await stack.deps.leases.agentLeases(agent.agentId, 0);
    expect(lease?.closedAt).toBeUndefined();
  });
});
