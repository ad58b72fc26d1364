/**
 * The local stand-in for Lambda's SQS event source mapping: long-polls a queue, hands each batch
 * to the handler as an SQS event, deletes what succeeded and leaves the reported failures (or the
 * whole batch, if the handler threw) to reappear after the visibility timeout; the queue's
 * redrive policy moves a message that keeps failing to its DLQ.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export interface SqsConsumer {
  stop(): Promise<void>;
}

export function startSqsConsumer(options: {
  client: SQSClient;
  queueUrl: string;
  queueArn?: string;
  handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
  batchSize?: number;
  waitSeconds?: number;
  onError?: (err: unknown) => void;
}): SqsConsumer {
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      try {
        await pollOnce(options);
      } catch (err) {
        (options.onError ?? ((e: unknown) => console.error('sqs consumer', e)))(err);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  };
  const running = loop();
  return {
    stop: async () => {
      stopped = true;
      await running;
    },
  };
}

async function pollOnce(options: Parameters<typeof startSqsConsumer>[0]): Promise<void> {
  const { Messages = [] } = await options.client.send(
    new ReceiveMessageCommand({
      QueueUrl: options.queueUrl,
      MaxNumberOfMessages: options.batchSize ?? 10,
      WaitTimeSeconds: options.waitSeconds ?? 1,
      MessageSystemAttributeNames: ['All'],
    }),
  );
  if (Messages.length === 0) return;
  const event: SQSEvent = { Records: Messages.map((m) => toRecord(m, options.queueArn ?? options.queueUrl)) };
  let failed: Set<string>;
  try {
    const response = await options.handler(event, { awsRequestId: `local-${Date.now()}` } as Context);
    failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  } catch {
    failed = new Set(Messages.map((m) => m.MessageId!));
  }
  const done = Messages.filter((m) => !failed.has(m.MessageId!));
  if (done.length > 0) {
    await options.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: options.queueUrl,
        Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
}

function toRecord(message: Message, source: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: source,
    awsRegion: 'us-east-1',
  };
}
