/**
 * The LLM gateway's books in the records table:
 *   agent#<id> / llm-bucket              the agent's one token bucket, with a version
 *   agent#<id> / llm-call#<key digest>   a call under its idempotency key (kept like idempotency records)
 *   agent#<id> / llm-spend               what the agent's calls spent, in all
 *   llm-spend#round / <round>#<shard>    what the calls of a round spent, spread over shards by agent
 * A reservation writes the bucket (only if unchanged since read) and the pending call (only if its
 * key is unused) in one transaction; settling writes the bucket, the call's completion and the
 * spend in another.
 */
import { BatchGetCommand, GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { ConflictError } from '../../economy/errors.js';
import { addSpend, noSpend, type LlmSpend } from '../../economy/llm.js';
import type { LlmCall, LlmLedger, StoredBucket } from '../../economy/ports.js';
import { shardOf, sortable, TTL_ATTRIBUTE, type Tables } from './tables.js';
import { transactWrite, type Write } from './transact.js';

const bucketKey = (agentId: string) => ({ pk: `agent#${agentId}`, sk: 'llm-bucket' });
const callKey = (agentId: string, key: string) => ({ pk: `agent#${agentId}`, sk: `llm-call#${createHash('sha256').update(key).digest('base64url')}` });
const agentSpendKey = (agentId: string) => ({ pk: `agent#${agentId}`, sk: 'llm-spend' });
/** A round's spend is spread over shards by agent, so that concurrent calls of different agents do not contend for one item. */
export const ROUND_SPEND_SHARDS = 16;
const roundSpendKey = (round: number, shard: number) => ({ pk: 'llm-spend#round', sk: `${sortable(round)}#${shard}` });

/** Which of the transaction's conditions failed. */
class BucketMoved extends ConflictError {}
class KeyUsed extends ConflictError {}

export class DynamoLlmLedger implements LlmLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Tables,
    /** How long a call's record is kept for replays (the idempotency window). */
    private readonly keepSeconds: number,
  ) {}

  async bucket(agentId: string): Promise<{ bucket: StoredBucket; version: number } | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.records, Key: bucketKey(agentId), ConsistentRead: true }));
    if (!Item) return undefined;
    return { bucket: { leaseId: Item.leaseId as string, spec: Item.spec as StoredBucket['spec'], state: Item.state as StoredBucket['state'] }, version: Item.version as number };
  }

  async call(agentId: string, key: string, now: number): Promise<LlmCall | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.records, Key: callKey(agentId, key), ConsistentRead: true }));
    if (!Item || (Item[TTL_ATTRIBUTE] as number) * 1000 < now) return undefined;
    return { requestHash: Item.requestHash as string, status: Item.status as LlmCall['status'], reserved: Item.reserved as number, leaseId: Item.leaseId as string, ...(Item.completion ? { completion: Item.completion as LlmCall['completion'] } : {}) };
  }

  async begin(req: { agentId: string; key: string; requestHash: string; bucket: StoredBucket; version: number; reserved: number; now: number }): Promise<'begun' | 'bucket-moved' | 'key-used'> {
    try {
      await transactWrite(this.client, [
        this.bucketWrite(req.agentId, req.bucket, req.version),
        {
          item: {
            Put: {
              TableName: this.tables.records,
              Item: {
                ...callKey(req.agentId, req.key),
                t: 'llm-call',
                requestHash: req.requestHash,
                status: 'pending',
                reserved: req.reserved,
                leaseId: req.bucket.leaseId,
                startedAt: req.now,
                [TTL_ATTRIBUTE]: Math.floor(req.now / 1000) + this.keepSeconds,
              },
              // A record past its time is gone as far as replays go (DynamoDB deletes it later): its key may be used again.
              ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
              ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
              ExpressionAttributeValues: { ':now': Math.floor(req.now / 1000) },
            },
          },
          explain: () => new KeyUsed('key used'),
          precedence: 2,
        },
      ]);
      return 'begun';
    } catch (err) {
      if (err instanceof KeyUsed) return 'key-used';
      if (err instanceof BucketMoved) return 'bucket-moved';
      throw err;
    }
  }

  async finish(req: {
    agentId: string;
    key: string;
    bucket: StoredBucket;
    version: number;
    outcome: { completion: NonNullable<LlmCall['completion']>; round: number; spend: LlmSpend } | { failed: true };
  }): Promise<'finished' | 'bucket-moved'> {
    const call = callKey(req.agentId, req.key);
    const writes: Write[] = [this.bucketWrite(req.agentId, req.bucket, req.version)];
    if ('failed' in req.outcome) {
      writes.push({ item: { Delete: { TableName: this.tables.records, Key: call } }, explain: () => new ConflictError('call') });
    } else {
      const { completion, round, spend } = req.outcome;
      writes.push(
        {
          item: {
            Update: {
              TableName: this.tables.records,
              Key: call,
              UpdateExpression: 'SET #status = :done, completion = :completion',
              ConditionExpression: '#status = :pending',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':done': 'done', ':pending': 'pending', ':completion': completion },
            },
          },
          explain: () => new ConflictError(`call ${completion.id} was settled already`),
        },
        this.spendWrite(agentSpendKey(req.agentId), spend),
        this.spendWrite(roundSpendKey(round, shardOf(req.agentId, ROUND_SPEND_SHARDS)), spend, { round }),
      );
    }
    try {
      await transactWrite(this.client, writes);
      return 'finished';
    } catch (err) {
      if (err instanceof BucketMoved) return 'bucket-moved';
      throw err;
    }
  }

  async spendByRound(rounds: readonly number[]): Promise<Map<number, LlmSpend>> {
    const items = await this.batchGet(rounds.flatMap((round) => Array.from({ length: ROUND_SPEND_SHARDS }, (_, shard) => roundSpendKey(round, shard))));
    const byRound = new Map(rounds.map((round) => [round, noSpend()]));
    for (const item of items) {
      const round = item.round as number;
      const sum = byRound.get(round);
      if (sum) byRound.set(round, addSpend(sum, spendOf(item)));
    }
    return byRound;
  }

  async spendByAgent(agentIds: readonly string[]): Promise<Map<string, LlmSpend>> {
    const items = await this.batchGet(agentIds.map(agentSpendKey));
    return new Map(agentIds.map((id) => [id, spendOf(items.find((i) => i.pk === `agent#${id}`))]));
  }

  private bucketWrite(agentId: string, bucket: StoredBucket, version: number): Write {
    return {
      item: {
        Put: {
          TableName: this.tables.records,
          Item: { ...bucketKey(agentId), t: 'llm-bucket', ...bucket, version: version + 1 },
          ConditionExpression: version === 0 ? 'attribute_not_exists(pk)' : 'version = :version',
          ...(version === 0 ? {} : { ExpressionAttributeValues: { ':version': version } }),
        },
      },
      explain: () => new BucketMoved('bucket moved'),
      precedence: 1,
    };
  }

  private spendWrite(key: Record<string, string>, spend: LlmSpend, extra: Record<string, unknown> = {}): Write {
    return {
      item: {
        Update: {
          TableName: this.tables.records,
          Key: key,
          UpdateExpression: `SET t = :t${Object.keys(extra).map((k) => `, ${k} = :${k}`).join('')} ADD calls :calls, inputTokens :input, outputTokens :output, cost :cost`,
          ExpressionAttributeValues: {
            ':t': 'llm-spend',
            ':calls': spend.calls,
            ':input': spend.inputTokens,
            ':output': spend.outputTokens,
            ':cost': spend.cost,
            ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`:${k}`, v])),
          },
        },
      },
      explain: () => new ConflictError('spend'),
    };
  }

  private async batchGet(keys: Record<string, string>[]): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (let i = 0; i < keys.length; i += 100) {
      let request: Record<string, { Keys: Record<string, string>[] }> = { [this.tables.records]: { Keys: keys.slice(i, i + 100) } };
      while (Object.keys(request).length > 0) {
        const res = await this.client.send(new BatchGetCommand({ RequestItems: request }));
        out.push(...(res.Responses?.[this.tables.records] ?? []));
        request = (res.UnprocessedKeys ?? {}) as typeof request;
      }
    }
    return out;
  }
}

function spendOf(item: Record<string, unknown> | undefined): LlmSpend {
  if (!item) return noSpend();
  return { calls: item.calls as number, inputTokens: item.inputTokens as number, outputTokens: item.outputTokens as number, cost: item.cost as number };
}
