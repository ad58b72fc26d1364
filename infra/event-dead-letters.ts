/**
 * Where EventBridge puts an event it could not deliver to its target (a schedule's firing, an ECS
 * task's end) once the target's retries or its maximum event age are used up: an SQS queue,
 * encrypted and TLS only, kept 14 days. A message here is work no Lambda did; the monitoring
 * alarms on the queue's depth. EventBridge may send to it through the queue policy that the
 * target adds (`events.amazonaws.com`, for this rule's ARN only).
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export function eventDeadLetterQueue(scope: Construct, id: string): Queue {
  const queue = new Queue(scope, id, { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      "This queue is itself a dead-letter queue, an EventBridge target's (DeadLetterConfig), which the rule only recognises in an SQS redrive policy; a dead-letter queue of a dead-letter queue would hold nothing.",
  });
  return queue;
}
