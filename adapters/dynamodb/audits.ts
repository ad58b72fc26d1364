/** The last audit of the ledger, one item in the records table (`audit` / `last`). */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditRecord } from '../../economy/ledger.js';
import type { AuditLog } from '../../economy/ports.js';
import { isConditionFailure } from './conditions.js';
import { recordOf } from './records.js';
import type { Tables } from './tables.js';

const LAST = { pk: 'audit', sk: 'last' };

export class DynamoAuditLog implements AuditLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Tables,
  ) {}

  async save(record: AuditRecord): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tables.records,
          Item: { ...LAST, t: 'audit', ...record },
          // Two audits that overlap: the one that started later is kept.
          ConditionExpression: 'attribute_not_exists(pk) OR #at < :at',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':at': record.at },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  async last(): Promise<AuditRecord | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.records, Key: LAST, ConsistentRead: true }));
    return Item ? (recordOf(Item) as unknown as AuditRecord) : undefined;
  }
}
