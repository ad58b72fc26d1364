/**
 * The economy's DynamoDB tables, built from the very definitions `adapters/dynamodb/tables.ts`
 * gives the local stack and the tests, so keys and indexes cannot drift apart: the ledger
 * (balances, holds, mint and burn totals, idempotency records), the append-only journal, and the
 * records (agents, credentials, bids, leases, rounds) with the sparse index the oracle reads
 * pending bids and active leases from (only items carrying its keys are in it). The ledger and the
 * records table both expire items by TTL.
 */
import { Stack, type RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, type Attribute, type CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { CreateTableCommandInput, KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { Construct } from 'constructs';
import { journalTableDefinition, ledgerTableDefinition, recordsTableDefinition, TTL_ATTRIBUTE } from '../adapters/dynamodb/tables.js';
import { acknowledgeOnGrantee } from './nag.js';

export interface EconomyTablesProps {
  removalPolicy: RemovalPolicy;
  deletionProtection: boolean;
}

export class EconomyTables extends Construct {
  readonly ledger: Table;
  readonly journal: Table;
  readonly records: Table;
  /** Each table's secondary indexes, by name. */
  private readonly indexes = new Map<Table, string[]>();

  constructor(scope: Construct, id: string, props: EconomyTablesProps) {
    super(scope, id);
    const table = (name: string, definition: CreateTableCommandInput, ttl?: string): Table => {
      const keys = keysOf(definition, definition.KeySchema);
      const created = new Table(this, name, {
        partitionKey: keys.partitionKey,
        ...(keys.sortKey ? { sortKey: keys.sortKey } : {}),
        billingMode: BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: props.deletionProtection,
        removalPolicy: props.removalPolicy,
        ...(ttl ? { timeToLiveAttribute: ttl } : {}),
      });
      const indexNames: string[] = [];
      for (const index of definition.GlobalSecondaryIndexes ?? []) {
        if (!index.IndexName || index.Projection?.ProjectionType !== 'ALL') throw new Error(`${name}: only named indexes with ALL projections are mapped`);
        created.addGlobalSecondaryIndex({ indexName: index.IndexName, ...keysOf(definition, index.KeySchema), projectionType: ProjectionType.ALL });
        indexNames.push(index.IndexName);
      }
      this.indexes.set(created, indexNames);
      return created;
    };
    // What expires goes through DynamoDB's TTL (the adapters also ignore expired items: TTL deletes
    // lazily): idempotency records in the ledger; run secrets, human sessions, metering markers
    // (one per report: thousands per agent a day) and LLM call records in the records table.
    this.ledger = table('Ledger', ledgerTableDefinition('ledger'), TTL_ATTRIBUTE);
    this.journal = table('Journal', journalTableDefinition('journal'));
    this.records = table('Records', recordsTableDefinition('records'), TTL_ATTRIBUTE);
  }

  /** The variables `tablesFromEnv` reads. */
  get environment(): Record<string, string> {
    return { LEDGER_TABLE: this.ledger.tableName, JOURNAL_TABLE: this.journal.tableName, RECORDS_TABLE: this.records.tableName };
  }

  /** Reads only: gets, queries (the index included) and scans of every table. */
  grantRead(grantee: IGrantable): void {
    for (const table of this.all()) table.grantReadData(grantee);
    this.acknowledgeIndexGrants(grantee);
  }

  /**
   * Reads and writes on every table. A `TransactWriteItems` is authorised item by item, as the
   * PutItem, UpdateItem, DeleteItem and ConditionCheckItem it contains: these grants hold all four.
   */
  grantReadWrite(grantee: IGrantable): void {
    for (const table of this.all()) table.grantReadWriteData(grantee);
    this.acknowledgeIndexGrants(grantee);
  }

  /** Reads and writes on the records table alone (usage, leases, run credentials): no money moves there. */
  grantRecords(grantee: IGrantable): void {
    this.records.grantReadWriteData(grantee);
    this.acknowledgeIndexGrants(grantee);
  }

  /** The audit's: the ledger and the journal read (scanned), the records written (its last result), nothing else. */
  /** The gate's one read: a credential's item, by its hash (records table). */
  grantCredentialLookup(grantee: IGrantable): void {
    this.records.grant(grantee, 'dynamodb:GetItem');
    this.acknowledgeIndexGrants(grantee);
  }

  grantAudit(grantee: IGrantable): void {
    this.ledger.grantReadData(grantee);
    this.journal.grantReadData(grantee);
    this.records.grantWriteData(grantee);
    // The census of living agents: the agents' index, queried (never a scan of the records).
    this.records.grant(grantee, 'dynamodb:Query');
    this.acknowledgeIndexGrants(grantee);
  }

  private all(): Table[] {
    return [this.ledger, this.journal, this.records];
  }

  /** A table grant covers `<table>/index/*`; cdk-nag flags that wildcard on the grantee's policy. */
  private acknowledgeIndexGrants(grantee: IGrantable): void {
    for (const table of this.all()) {
      const indexes = this.indexes.get(table) ?? [];
      if (indexes.length === 0) continue;
      const logicalId = Stack.of(this).getLogicalId(table.node.defaultChild as CfnTable);
      acknowledgeOnGrantee(grantee, {
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/index/*]`,
        reason: `The grant on ${table.node.id} includes its indexes (<table>/index/*) so that the sparse index the oracle and the handlers query (${indexes.join(', ')}) can be read; the table has no other index.`,
      });
    }
  }
}

/** A key schema of the SDK's table definition as CDK attributes. */
function keysOf(definition: CreateTableCommandInput, schema: KeySchemaElement[] | undefined): { partitionKey: Attribute; sortKey?: Attribute } {
  const attribute = (role: 'HASH' | 'RANGE'): Attribute | undefined => {
    const name = schema?.find((k) => k.KeyType === role)?.AttributeName;
    if (!name) return undefined;
    const type = definition.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType;
    const types = { S: AttributeType.STRING, N: AttributeType.NUMBER, B: AttributeType.BINARY } as const;
    if (!type) throw new Error(`${String(definition.TableName)}: key ${name} has no attribute definition`);
    return { name, type: types[type] };
  };
  const partitionKey = attribute('HASH');
  if (!partitionKey) throw new Error(`${String(definition.TableName)}: no partition key`);
  const sortKey = attribute('RANGE');
  return sortKey ? { partitionKey, sortKey } : { partitionKey };
}
