/** The metering queue (SQS): where the system's usage reports go, for the metering consumer. */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { UsageReport } from '../../economy/metering.js';
import type { MeterQueue } from '../../economy/ports.js';

export class SqsMeterQueue implements MeterQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(report: UsageReport): Promise<void> {
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(report) }));
  }
}
