/**
 * Leases in the records table, under the agent they run:
 *   agent#<id> / lease#<leaseId>   in the index as lease#<shard>, sorted by end time
 * A lease is written when its bid wins (bids.ts, in the transaction that captures the payment), and
 * closed early when its run dies.
 */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../../economy/errors.js';
import type { Lease } from '../../economy/market.js';
import type { LeaseBook } from '../../economy/ports.js';
import { isConditionFailure } from './conditions.js';
import { DynamoDeathWatch } from './death-watch.js';
import { queryAll, recordOf } from './records.js';
import { INDEX_SHARDS, RECORDS_INDEX, shardOf, sortable, type Tables } from './tables.js';
import type { Write } from './transact.js';

const leaseKey = (agentId: string, leaseId: string) => ({ pk: `agent#${agentId}`, sk: `lease#${leaseId}` });

/** A new lease's item, in the index by its end. */
export function leasePut(tables: Tables, lease: Lease): Write {
  return {
    item: {
      Put: {
        TableName: tables.records,
        Item: { ...leaseKey(lease.agentId, lease.leaseId), t: 'lease', ...lease, gsi1pk: `lease#${shardOf(lease.leaseId, INDEX_SHARDS)}`, gsi1sk: `${sortable(lease.endsAt)}#${lease.leaseId}` },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    explain: () => new ConflictError(`lease ${lease.leaseId} already exists`),
  };
}

export class DynamoLeaseBook implements LeaseBook {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Tables,
  ) {}

  async closeLease(req: { agentId: string; leaseId: string; at: number; reason: string }): Promise<Lease> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tables.records,
          Key: leaseKey(req.agentId, req.leaseId),
          // Re-sorting it in the index by its new end takes it out of the active leases at once.
          UpdateExpression: 'SET closedAt = :at, closeReason = :reason, gsi1sk = :sk',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(closedAt) AND endsAt > :at',
          ExpressionAttributeValues: { ':at': req.at, ':reason': req.reason, ':sk': `${sortable(req.at)}#${req.leaseId}` },
          ReturnValues: 'ALL_NEW',
        }),
      );
      // Without its lease the agent may have nothing left to live on: the round's death watch
      // judges it from now. (Were this mark lost, the judgement its win brought has it judged
      // again by the lease's planned end at the latest, or when its balance falls.)
      await new DynamoDeathWatch(this.client, this.tables).watch(req.agentId, req.at);
      return toLease(Attributes!);
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.records, Key: leaseKey(req.agentId, req.leaseId), ConsistentRead: true }));
      if (!Item) throw new NotFoundError('lease', req.leaseId);
      return toLease(Item); // already closed, or already over: nothing to do
    }
  }

  async activeLeases(now: number): Promise<Lease[]> {
    const shards = await Promise.all(
      Array.from({ length: INDEX_SHARDS }, (_, shard) =>
        queryAll(this.client, {
          TableName: this.tables.records,
          IndexName: RECORDS_INDEX,
          // Past every `<now>#<id>`: a lease that ends exactly now is over, as everywhere else.
          KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk > :now',
          ExpressionAttributeValues: { ':pk': `lease#${shard}`, ':now': `${sortable(now)}#~` },
        }),
      ),
    );
    return shards.flat().map((i) => toLease(i));
  }

  async agentLeases(agentId: string, now: number): Promise<Lease[]> {
    const items = await queryAll(this.client, {
      TableName: this.tables.records,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :lease)',
      FilterExpression: 'endsAt > :now AND (attribute_not_exists(closedAt) OR closedAt > :now)',
      ExpressionAttributeValues: { ':pk': `agent#${agentId}`, ':lease': 'lease#', ':now': now },
      ConsistentRead: true,
    });
    return items.map((i) => toLease(i));
  }
}

const toLease = (item: Record<string, unknown>) => recordOf(item) as unknown as Lease;
