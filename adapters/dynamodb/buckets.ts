/**
 * Token buckets per lease in the records table (`agent#<id>` / `bucket#<leaseId>`), changed with
 * optimistic concurrency: read, apply, write only if nobody wrote in between, else again.
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BucketStore } from '../../economy/ports.js';
import type { BucketState } from '../../economy/token-bucket.js';
import type { Tables } from './tables.js';
import { isConditionFailure } from './conditions.js';

const bucketKey = (agentId: string, leaseId: string) => ({ pk: `agent#${agentId}`, sk: `bucket#${leaseId}` });

export class DynamoBucketStore implements BucketStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Tables,
  ) {}

  async get(agentId: string, leaseId: string): Promise<BucketState | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.records, Key: bucketKey(agentId, leaseId), ConsistentRead: true }));
    return Item ? { level: Item.level as number, updatedAt: Item.updatedAt as number } : undefined;
  }

  async update(agentId: string, leaseId: string, change: (current: BucketState | undefined) => BucketState): Promise<BucketState> {
    for (let attempt = 1; ; attempt += 1) {
      const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.records, Key: bucketKey(agentId, leaseId), ConsistentRead: true }));
      const version = (Item?.version as number | undefined) ?? 0;
      const next = change(Item ? { level: Item.level as number, updatedAt: Item.updatedAt as number } : undefined);
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tables.records,
            Item: { ...bucketKey(agentId, leaseId), t: 'bucket', ...next, version: version + 1 },
            ConditionExpression: version === 0 ? 'attribute_not_exists(pk)' : 'version = :version',
            ...(version === 0 ? {} : { ExpressionAttributeValues: { ':version': version } }),
          }),
        );
        return next;
      } catch (err) {
        if (!isConditionFailure(err) || attempt >= 20) throw err;
      }
    }
  }
}
