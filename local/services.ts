/**
 * The emulated AWS services of the local stack: DynamoDB Local (data kept in the data dir) and
 * the SQS emulator, as child processes on loopback, with their clients, the tables and the
 * metering queue (with its dead-letter queue) created.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AwsService } from '../adapters/aws/service.js';
import { ensureTables, makeDocumentClient } from '../adapters/dynamodb/client.js';
import { tableDefinitions, type Tables } from '../adapters/dynamodb/tables.js';
import { SQS, SqsMeterQueue } from '../adapters/sqs/meter-queue.js';
import { startDynamoDbLocal } from './dynamodb-local.js';
import { startFauxqsProcess } from './emulators.js';
import { createQueueWithDlq, sqsClient } from './sqs.js';
import type { Teardown } from './teardown.js';

export const TABLES: Tables = { ledger: 'syntropism-ledger', journal: 'syntropism-journal', records: 'syntropism-records' };

export interface LocalServices {
  client: DynamoDBDocumentClient;
  queues: SQSClient;
  metering: { queueUrl: string; dlqUrl: string };
  /** Usage reports into the metering queue, as the supervisors in AWS send them. */
  meter: SqsMeterQueue;
}

/** Starts both emulators; `onCrash` is told when one exits while the stack is not stopping. */
export async function startServices(dataDir: string, teardown: Teardown, onCrash: (what: string) => void): Promise<LocalServices> {
  const watch = (what: string, child: { once(event: 'exit', fn: (code: number | null) => void): unknown }) =>
    child.once('exit', (code) => {
      if (!teardown.stopping) onCrash(`${what} exited unexpectedly (code ${String(code)})`);
    });
  mkdirSync(join(dataDir, 'dynamodb'), { recursive: true });
  const dynamodb = await startDynamoDbLocal({ dataDir: join(dataDir, 'dynamodb') });
  teardown.add(() => dynamodb.stop());
  watch('DynamoDB Local', dynamodb.process);
  const sqs = await startFauxqsProcess();
  teardown.add(() => sqs.stop());
  watch('the SQS emulator', sqs.process);

  const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const client = makeDocumentClient({ endpoint: dynamodb.endpoint, ...local });
  teardown.close(client);
  await ensureTables(client, tableDefinitions(TABLES));
  const queues = sqsClient(sqs.endpoint);
  teardown.close(queues);
  const metering = await createQueueWithDlq(queues, 'syntropism-metering', { maxReceiveCount: 5, visibilityTimeoutSeconds: 30 });
  return { client, queues, metering, meter: new SqsMeterQueue(new AwsService(SQS, { endpoint: sqs.endpoint, ...local }), metering.queueUrl) };
}
