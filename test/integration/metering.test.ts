/**
 * Metering through a real SQS emulator (fauxqs) into the metering handler: a report delivered
 * twice is applied once; a poisoned message goes to the DLQ without holding back the batch.
 */
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHandler } from '../../lambdas/metering.js';
import { startSqsConsumer } from '../../local/sqs-consumer.js';
import { createQueueWithDlq, sqsClient, startSqs, type LocalSqs } from '../../local/sqs.js';
import { leasedAgent, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let sqs: LocalSqs;
let client: SQSClient;

beforeAll(async () => {
  [stack, sqs] = await Promise.all([startTestStack(), startSqs()]);
  client = sqsClient(sqs.endpoint);
});
afterAll(async () => {
  client.destroy();
  await Promise.all([stack.close(), sqs.stop()]);
});

const until = async (check: () => Promise<boolean>, what: string, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

async function depth(queueUrl: string): Promise<number> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
}

describe('metering', () => {
  it('applies a report delivered twice exactly once, and keeps usage per lease', async () => {
    const agent = await leasedAgent(stack);
    const { queueUrl } = await createQueueWithDlq(client, 'metering-twice', { maxReceiveCount: 3, visibilityTimeoutSeconds: 1 });
    const report = (seq: number, cpuMicros: number, peak: number) =>
      JSON.stringify({ reportId: `run1-${seq}`, agentId: agent.agentId, leaseId: agent.lease.leaseId, at: stack.clock.now(), cpuMicros, llmTokens: 7, peakMemoryBytes: peak });
    // The first report arrives twice, as SQS may deliver it.
    for (const body of [report(1, 1_500_000, 40_000_000), report(1, 1_500_000, 40_000_000), report(2, 500_000, 30_000_000)]) {
      await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    }
    const consumer = startSqsConsumer({ client, queueUrl, handler: makeHandler(stack.deps), waitSeconds: 1 });
    try {
      await until(async () => (await depth(queueUrl)) === 0, 'the queue to drain');
    } finally {
      await consumer.stop();
    }
    expect(await stack.deps.usage.get(agent.agentId, agent.lease.leaseId)).toMatchObject({
      cpuMicros: 2_000_000,
      llmTokens: 14,
      peakMemoryBytes: 40_000_000,
      reports: 2,
    });
  });

  it('sends a poisoned message to the DLQ without holding back the rest of its batch', async () => {
    const agent = await leasedAgent(stack);
    const { queueUrl, dlqUrl } = await createQueueWithDlq(client, 'metering-poison', { maxReceiveCount: 2, visibilityTimeoutSeconds: 1 });
    const good = (seq: number) =>
      JSON.stringify({ reportId: `run2-${seq}`, agentId: agent.agentId, leaseId: agent.lease.leaseId, at: stack.clock.now(), cpuMicros: 1000, llmTokens: 0, peakMemoryBytes: 1 });
    const poisoned = [
      'not json',
      JSON.stringify({ reportId: 'x', agentId: agent.agentId }),
      JSON.stringify({ reportId: 'run2-forged', agentId: agent.agentId, leaseId: 'someone-elses-lease', at: 1, cpuMicros: 1, llmTokens: 0, peakMemoryBytes: 1 }),
    ];
    await client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [good(1), poisoned[0]!, good(2), poisoned[1]!, poisoned[2]!, good(3)].map((body, i) => ({ Id: String(i), MessageBody: body })),
      }),
    );
    const consumer = startSqsConsumer({ client, queueUrl, handler: makeHandler(stack.deps), waitSeconds: 1 });
    try {
      // The good reports are applied at the first delivery, whatever else is in the batch.
      await until(async () => (await stack.deps.usage.get(agent.agentId, agent.lease.leaseId))?.reports === 3, 'the good reports');
      await until(async () => (await depth(queueUrl)) === 0 && (await depth(dlqUrl)) === 3, 'the poisoned messages to reach the DLQ');
    } finally {
      await consumer.stop();
    }
    const { Messages = [] } = await client.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10 }));
    expect(Messages.map((m) => m.Body).sort()).toEqual([...poisoned].sort());
    expect(await stack.deps.usage.get(agent.agentId, agent.lease.leaseId)).toMatchObject({ cpuMicros: 3000, reports: 3 });
  });
});
