/**
 * The DynamoDB tables' shapes, in one place: the test harness and the local stack create tables
 * from these definitions, and the CDK stack uses the same key names.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';

export interface LedgerTables {
  /** Balances, holds, the mint and burn totals, and idempotency records: one item per thing. */
  ledger: string;
  /** The append-only double-entry journal, one posting per side of each entry. */
  journal: string;
}

/** All the tables: the ledger's, and the records table (agents, credentials, bids, leases, rounds). */
export interface Tables extends LedgerTables {
  records: string;
}

/**
 * The records table's sparse index: only items with `gsi1pk` are in it. Pending bids
 * (`bids#<shard>`, by first round), leases (`lease#<shard>`, by end time) and agents
 * (`agents#<shard>`, by birth) use it, sharded so that no partition takes every write.
 */
export const RECORDS_INDEX = 'gsi1';
export const INDEX_SHARDS = 8;

/**
 * The attribute DynamoDB's TTL reads (epoch seconds), on the ledger and the records table: every
 * item that is kept only for a while carries it (idempotency records, run secrets, sessions,
 * metering markers, LLM call records). A prompt's `expiresAt` is in milliseconds: read as seconds
 * it lies tens of millennia ahead, so TTL never removes a prompt (expiring one is the oracle's).
 */
export const TTL_ATTRIBUTE = 'expiresAt';

export function tablesFromEnv(env: Record<string, string | undefined> = process.env): Tables {
  const ledger = env.LEDGER_TABLE;
  const journal = env.JOURNAL_TABLE;
  const records = env.RECORDS_TABLE;
  if (!ledger || !journal || !records) throw new Error('LEDGER_TABLE, JOURNAL_TABLE and RECORDS_TABLE must be set');
  return { ledger, journal, records };
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

export function recordsTableDefinition(name: string): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'gsi1pk', AttributeType: 'S' },
      { AttributeName: 'gsi1sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: RECORDS_INDEX,
        KeySchema: [
          { AttributeName: 'gsi1pk', KeyType: 'HASH' },
          { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

export function ledgerTableDefinitions(tables: LedgerTables): CreateTableCommandInput[] {
  return [ledgerTableDefinition(tables.ledger), journalTableDefinition(tables.journal)];
}

export function tableDefinitions(tables: Tables): CreateTableCommandInput[] {
  return [...ledgerTableDefinitions(tables), recordsTableDefinition(tables.records)];
}

/** A sortable fixed-width decimal, for times and round numbers in sort keys. */
export const sortable = (n: number): string => n.toString().padStart(16, '0');

/** Which of `shards` an id's entries go to: spread evenly, and the same every time. */
export function shardOf(id: string, shards: number): number {
  return createHash('sha1').update(id).digest().readUInt16BE(0) % shards;
}
