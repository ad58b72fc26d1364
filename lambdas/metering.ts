/**
 * The metering consumer: SQS → usage per lease. Reports the batch's failures item by item
 * (Powertools' batch processor), so one poisoned message is retried, and after the queue's
 * maxReceiveCount moved to the DLQ, without holding back the rest of the batch.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ValidationError } from '../economy/errors.js';
import { usageReportSchema } from '../economy/metering.js';
import type { UsageStore } from '../economy/ports.js';
import { deployed } from '../wiring/base.js';
import { usageOf } from '../wiring/dynamodb.js';

export function makeHandler(deps: { usage: UsageStore }) {
  const processor = new BatchProcessor(EventType.SQS);
  const record = async (message: SQSRecord): Promise<void> => {
    let body: unknown;
    try {
      body = JSON.parse(message.body);
    } catch {
      throw new ValidationError(`message ${message.messageId} is not JSON`);
    }
    const report = usageReportSchema.safeParse(body);
    if (!report.success) throw new ValidationError(`message ${message.messageId} is not a usage report: ${report.error.message}`);
    await deps.usage.apply(report.data);
  };
  return (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => processPartialResponse(event, record, processor, { context });
}

export const handler = deployed((b) => makeHandler({ usage: usageOf(b) }));
