/**
 * The DynamoDB tables' shapes, in one place: the test harness and the local stack create tables
 * from these definitions, and the CDK stack uses the same key names.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export interface LedgerTables {
  /** Balances, holds, the mint and burn totals, and idempotency records: one item per thing. */
  ledger: string;
  /** The append-only double-entry journal, one posting per side of each entry. */
  journal: string;
}

/** The attribute DynamoDB's TTL reads (epoch seconds) on idempotency records. */
export const TTL_ATTRIBUTE = 'expiresAt';

export function ledgerTablesFromEnv(env: Record<string, string | undefined> = process.env): LedgerTables {
  const ledger = env.LEDGER_TABLE;
  const journal = env.JOURNAL_TABLE;
  if (!ledger || !journal) throw new Error('LEDGER_TABLE and JOURNAL_TABLE must be set');
  return { ledger, journal };
}

export function ledgerTableDefinition(name: string): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  };
}

export function journalTableDefinition(name: string): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
  };
}

export function ledgerTableDefinitions(tables: LedgerTables): CreateTableCommandInput[] {
  return [ledgerTableDefinition(tables.ledger), journalTableDefinition(tables.journal)];
}
