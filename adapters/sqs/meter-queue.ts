/** The metering queue (SQS): where the system's usage reports go, for the metering consumer. */
import type { UsageReport } from '../../economy/metering.js';
import type { MeterQueue } from '../../economy/ports.js';
import type { AwsService, ServiceSpec } from '../aws/service.js';

export const SQS: ServiceSpec = { id: 'SQS', endpointPrefix: 'sqs', signingName: 'sqs', json: { targetPrefix: 'AmazonSQS', version: '1.0' } };

export class SqsMeterQueue implements MeterQueue {
  constructor(
    private readonly sqs: AwsService,
    private readonly queueUrl: string,
  ) {}

  async send(report: UsageReport): Promise<void> {
    await this.sqs.json('SendMessage', { QueueUrl: this.queueUrl, MessageBody: JSON.stringify(report) });
  }
}
