/**
 * The raw ledger on DynamoDB Local: transfers and hold/capture pairs, one at a time and with 50
 * in flight, over 10 accounts (contention) and over 200 accounts (little contention).
 */
import { randomUUID } from 'node:crypto';
import { ensureTables, makeDocumentClient } from '../adapters/dynamodb/client.js';
import { DynamoLedgerStore } from '../adapters/dynamodb/ledger.js';
import { ledgerTableDefinitions } from '../adapters/dynamodb/tables.js';
import { startDynamoDbLocal } from '../local/dynamodb-local.js';
import { formatSummary, measure } from './stats.js';

export async function benchLedger(): Promise<void> {
  const dynamodb = await startDynamoDbLocal();
  const client = makeDocumentClient({
    endpoint: dynamodb.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  try {
    console.log('ledger on DynamoDB Local');
    for (const accounts of [10, 200]) {
      const tables = { ledger: `ledger-${randomUUID()}`, journal: `journal-${randomUUID()}` };
      await ensureTables(client, ledgerTableDefinitions(tables));
      const ledger = new DynamoLedgerStore({ client, tables });
      const ids = Array.from({ length: accounts }, (_, i) => `a${i}`);
      for (const accountId of ids) {
        await ledger.openAccount({ accountId, idempotencyKey: `open-${accountId}` });
        await ledger.mint({ to: accountId, amount: 1_000_000_000, reason: 'grant', idempotencyKey: `grant-${accountId}` });
      }
      const transfer = (i: number) =>
        ledger.transfer({ from: ids[i % accounts]!, to: ids[(i * 7 + 1) % accounts]!, amount: 1, reason: 'bench', idempotencyKey: randomUUID() });
      const holdCapture = async (i: number) => {
        const { holdId } = await ledger.hold({ accountId: ids[i % accounts]!, amount: 10, reason: 'bench', idempotencyKey: randomUUID() });
        await ledger.capture({ holdId, amount: 7, reason: 'bench', idempotencyKey: randomUUID() });
      };
      console.log(formatSummary(`transfer, sequential (${accounts} accounts)`, await measure(300, 1, transfer)));
      console.log(formatSummary(`transfer, 50 in flight (${accounts} accounts)`, await measure(1000, 50, transfer)));
      console.log(formatSummary(`hold+capture, 50 in flight (${accounts} accounts)`, await measure(500, 50, holdCapture)));
      const audit = await ledger.audit();
      console.log(`audit: ok=${String(audit.ok)} drift=${audit.drift} entries=${audit.entries}`);
    }
  } finally {
    client.destroy();
    await dynamodb.stop();
  }
}
