/**
 * The death watch (economy/death-watch.ts) in the records table:
 *   watch#<shard> / <dueAt>#<agentId>#<markId>   { agentId, dueAt }   one mark: judge this agent from dueAt
 *   oracle / watch                               { since }            every living agent was marked once
 * A mark is its own item, written in the transaction of the change that calls for it (`watchPut`),
 * so marks never overwrite each other and removing the ones judged cannot lose one written since.
 * The round reads the marks due with strongly consistent queries of each shard (no index lag);
 * marks are spread over shards so that no partition takes every change's mark.
 */
import { randomBytes } from 'node:crypto';
import { BatchWriteCommand, GetCommand, PutCommand, type BatchWriteCommandInput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../economy/errors.js';
import type { DeathWatch, WatchMark } from '../../economy/ports.js';
import { queryAll } from './records.js';
import { shardOf, sortable, type Tables } from './tables.js';
import type { Write } from './transact.js';

export const WATCH_SHARDS = 16;
type WriteRequests = NonNullable<BatchWriteCommandInput['RequestItems']>[string];
const STARTED_KEY = { pk: 'oracle', sk: 'watch' };

const markKey = (mark: WatchMark) => ({ pk: `watch#${shardOf(mark.agentId, WATCH_SHARDS)}`, sk: `${sortable(mark.dueAt)}#${mark.agentId}#${mark.markId}` });
const newMark = (agentId: string, dueAt: number): WatchMark => ({ agentId, dueAt, markId: randomBytes(6).toString('hex') });

/** A mark on `agentId`, due at `dueAt`, as a transaction item of the change that calls for it. */
export function watchPut(tables: Pick<Tables, 'records'>, agentId: string, dueAt: number): Write {
  const mark = newMark(agentId, dueAt);
  return {
    item: { Put: { TableName: tables.records, Item: { ...markKey(mark), t: 'watch', agentId, dueAt } } },
    explain: () => new ConflictError(`watch mark on ${agentId}`),
  };
}

export class DynamoDeathWatch implements DeathWatch {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Tables,
  ) {}

  async due(now: number): Promise<WatchMark[]> {
    const shards = await Promise.all(
      Array.from({ length: WATCH_SHARDS }, (_, shard) =>
        queryAll(this.client, {
          TableName: this.tables.records,
          KeyConditionExpression: 'pk = :pk AND sk <= :now',
          ExpressionAttributeValues: { ':pk': `watch#${shard}`, ':now': `${sortable(now)}#~` },
          ConsistentRead: true,
        }),
      ),
    );
    return shards.flat().map((item) => ({ agentId: item.agentId as string, dueAt: item.dueAt as number, markId: String(item.sk).split('#')[2]! }));
  }

  async watch(agentId: string, dueAt: number): Promise<void> {
    const { Put } = watchPut(this.tables, agentId, dueAt).item;
    await this.client.send(new PutCommand(Put!));
  }

  async clear(marks: readonly WatchMark[]): Promise<void> {
    for (let i = 0; i < marks.length; i += 25) {
      let requests: WriteRequests | undefined = marks.slice(i, i + 25).map((m) => ({ DeleteRequest: { Key: markKey(m) } }));
      // Deleting an absent mark is no error; what DynamoDB leaves unprocessed is sent again.
      for (let attempt = 0; requests && requests.length > 0; attempt += 1) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt)));
        const output = (await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tables.records]: requests } }))) as { UnprocessedItems?: Record<string, WriteRequests> };
        requests = output.UnprocessedItems?.[this.tables.records];
      }
    }
  }

  async started(): Promise<boolean> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.records, Key: STARTED_KEY, ConsistentRead: true }));
    return Item !== undefined;
  }

  async start(at: number): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tables.records, Item: { ...STARTED_KEY, t: 'watch-start', since: at } }));
  }
}
