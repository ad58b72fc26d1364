/**
 * Metering: running agents report their usage (CPU seconds, peak memory, LLM tokens) as SQS
 * messages; a consumer Lambda applies each report exactly once. Delivery is at least once, so a
 * message the consumer keeps failing on is moved to a dead-letter queue after a few receives
 * instead of blocking or being lost.
 */
import { Duration } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface MeteringProps {
  /** Receives of one message before it is dead-lettered. */
  maxReceiveCount: number;
  /**
   * The consumer of usage reports (`lambdas/metering.ts`). The stack does not pass it yet: wiring
   * the consumer is a step of its own; until then reports wait in the queue (SQS keeps them 4 days).
   */
  consumer?: IFunction;
  /** The consumer's timeout; the queue hides a received message for six times as long, as AWS advises. */
  consumerTimeout: Duration;
}

export class Metering extends Construct {
  readonly queue: Queue;
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string, props: MeteringProps) {
    super(scope, id);
    const common = { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true };
    this.deadLetters = new Queue(this, 'DeadLetters', { ...common, retentionPeriod: Duration.days(14) });
    this.queue = new Queue(this, 'Queue', {
      ...common,
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: props.maxReceiveCount },
    });
    if (props.consumer) {
      // A failed report is retried alone; the batch's other reports are not delivered again.
      props.consumer.addEventSource(new SqsEventSource(this.queue, { reportBatchItemFailures: true, batchSize: 10 }));
    }
  }

  /** Lets a running agent send usage reports, and nothing else on the queue. */
  grantSend(grantee: IGrantable): void {
    this.queue.grantSendMessages(grantee);
  }
}
