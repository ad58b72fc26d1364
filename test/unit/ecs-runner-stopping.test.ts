/**
 * The ECS runner's view of tasks told to stop that have not stopped yet (their supervisor is saving
 * the workspace): listed as `stopping`, so that the launcher starts no new task for the agent until
 * they are gone. Moto stops a task the moment it is asked, so this part of the ECS data plane is
 * played here by a stand-in answering ListTasks and DescribeTasks (the rest of the runner is tested
 * against moto in test/integration/ecs-runner.test.ts).
 */
import type { AwsService } from '../../adapters/aws/service.js';
import { describe, expect, it } from 'vitest';
import { EcsRunner } from '../../adapters/ecs/ecs-runner.js';
import { reconcile } from '../../economy/launcher.js';
import type { Lease } from '../../economy/market.js';
import { MemoryRunCredentials } from '../support/run-credentials.js';

interface Task {
  taskArn: string;
  desiredStatus: string;
  lastStatus: string;
  tags: { key: string; value: string }[];
}

const task = (id: string, agentId: string, desiredStatus: string, lastStatus: string): Task => ({
  taskArn: `arn:aws:ecs:us-east-1:123456789012:task/agents/${id}`,
  desiredStatus,
  lastStatus,
  tags: [
    { key: 'syntropism:agent', value: agentId },
    { key: 'syntropism:run', value: `run-${id}` },
    { key: 'syntropism:lease', value: `lease-${agentId}` },
    { key: 'syntropism:endsAt', value: '2000000' },
    { key: 'syntropism:size', value: '256/512' },
  ],
});

/** A cluster's tasks as ECS lists and describes them; `between` runs after the running tasks are described. */
function cluster(tasks: Task[], between: () => void = () => undefined) {
  const sent: string[] = [];
  const ecs = {
    json: (operation: string, input: { desiredStatus?: string; tasks?: string[] }) => {
      sent.push(operation);
      if (operation === 'ListTasks') {
        return Promise.resolve({ taskArns: tasks.filter((t) => t.desiredStatus === input.desiredStatus).map((t) => t.taskArn) });
      }
      if (operation === 'DescribeTasks') {
        const described = tasks.filter((t) => input.tasks!.includes(t.taskArn)).map((t) => structuredClone(t));
        if (described.every((t) => t.desiredStatus === 'RUNNING')) between();
        return Promise.resolve({ tasks: described });
      }
      return Promise.reject(new Error(`not expected here: ${operation}`));
    },
  } as unknown as AwsService;
  const runner = new EcsRunner({
    ecs,
    kms: {} as unknown as AwsService, // unused: nothing is started here
    kmsKeyId: 'key',
    cluster: 'agents',
    taskDefinition: 'agent',
    containerName: 'agent',
    subnets: ['subnet-1'],
    securityGroups: ['sg-1'],
    assignPublicIp: true,
    env: {},
  });
  return { runner, sent };
}

describe('the ECS runner and stopping tasks', () => {
  it('lists a task told to stop as stopping until it has stopped, and a task stopped between its two lists once', async () => {
    const late = task('4', 'late', 'RUNNING', 'RUNNING');
    const { runner } = cluster(
      [task('1', 'running', 'RUNNING', 'RUNNING'), task('2', 'saving', 'STOPPED', 'DEPROVISIONING'), task('3', 'gone', 'STOPPED', 'STOPPED'), late],
      () => Object.assign(late, { desiredStatus: 'STOPPED', lastStatus: 'STOPPING' }),
    );
    const runs = await runner.running();
    expect(runs.map((r) => [r.agentId, r.stopping ?? false]).sort()).toEqual([
      ['late', true],
      ['running', false],
      ['saving', true],
    ]);
    expect(runs.find((r) => r.agentId === 'saving')).toEqual({ agentId: 'saving', runId: 'run-2', leaseId: 'lease-saving', endsAt: 2_000_000, vcpu: 0.25, memoryMiB: 512, stopping: true });
  });

  it('starts no task for an agent whose previous task is still stopping', async () => {
    const { runner, sent } = cluster([task('2', 'saving', 'STOPPED', 'DEPROVISIONING')]);
    const lease: Lease = {
      leaseId: 'next', agentId: 'saving', bidId: 'next', payerId: 'saving', round: 2, startsAt: 1_000_000, endsAt: 1_060_000, payment: 1,
      bundle: { vcpu: 0.25, memoryMiB: 1024, tokens: 0, attention: 0, durationSeconds: 60 },
    };
    const credentials = new MemoryRunCredentials();
    const leases = { activeLeases: () => Promise.resolve([lease]), agentLeases: () => Promise.resolve([lease]), closeLease: () => Promise.reject(new Error('no')) };
    expect(await reconcile({ leases, runner, clock: { now: () => 1_000_500 }, credentials })).toEqual({ started: [], extended: [], stopped: [], waiting: ['saving'], failed: [], leased: 1, running: 1 });
    expect(sent.filter((name) => !/^(ListTasks|DescribeTasks)$/.test(name))).toEqual([]);
    expect(credentials.calls).toEqual([]); // nothing issued: the stopping task's supervisor keeps its token
  });
});
