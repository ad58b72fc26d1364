/**
 * The ECS task state-change handler against DynamoDB Local: a task that dies before its lease
 * ends closes the lease; our own stop at the lease's end, or a stop after it, closes nothing.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHandler, type EcsTaskStateChange } from '../../lambdas/ecs-task-stopped.js';
import { OWN_STOP_REASON } from '../../adapters/ecs/ecs-runner.js';
import { leasedAgent, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

function stopped(agentId: string, leaseId: string, at: number, extra: Partial<EcsTaskStateChange> = {}): EventBridgeEvent<'ECS Task State Change', EcsTaskStateChange> {
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
          { environment: [{ name: 'SYNTROPISM_AGENT_ID', value: agentId }, { name: 'SYNTROPISM_RUN_ID', value: 'run-1' }, { name: 'SYNTROPISM_LEASE_ID', value: leaseId }] },
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

  it('ignores our own stop, stops after the lease, and tasks that are not agents', async () => {
    const agent = await leasedAgent(stack);
    const handler = makeHandler(stack.deps);
    const during = agent.lease.startsAt + 5_000;
    expect(await handler(stopped(agent.agentId, agent.lease.leaseId, during, { stoppedReason: OWN_STOP_REASON }))).toEqual({ closed: false });
    expect(await handler(stopped(agent.agentId, agent.lease.leaseId, agent.lease.endsAt + 1_000))).toEqual({ closed: false });
    expect(await handler(stopped('', '', during))).toEqual({ closed: false });
    const [lease] = await stack.deps.leases.agentLeases(agent.agentId, 0);
    expect(lease?.closedAt).toBeUndefined();
  });
});
