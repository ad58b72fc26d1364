/**
 * Per-file DynamoDB tables on the shared DynamoDB Local: each call gets fresh, uniquely named
 * tables, so test files never see each other's data.
 */
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { ensureTables, makeDocumentClient } from '../../adapters/dynamodb/client.js';
import { ledgerTableDefinitions, type LedgerTables } from '../../adapters/dynamodb/tables.js';

export function testClient() {
  return makeDocumentClient({
    endpoint: inject('dynamodbEndpoint'),
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

export async function freshLedgerTables(client = testClient()): Promise<LedgerTables> {
  const suffix = randomUUID().slice(0, 8);
  const tables = { ledger: `ledger-${suffix}`, journal: `journal-${suffix}` };
  await ensureTables(client, ledgerTableDefinitions(tables));
  return tables;
}
