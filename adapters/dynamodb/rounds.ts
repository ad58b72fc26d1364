/**
 * The oracle's state and its rounds in the records table:
 *   oracle / state          { lastRound, status, lastTick, reserve }   the versioned round pointer
 *   round / <round>         { tick, startedAt, status, outcome }       one item per round: the history
 * A round is begun by one transaction that moves the pointer on (only from the expected previous
 * state) and creates the round's item (only if absent), so two invocations cannot both begin it.
 */
import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Prices } from '../../economy/clearing.js';
import { ConflictError } from '../../economy/errors.js';
import type { OracleState, RoundRecord, StoredOutcome } from '../../economy/market.js';
import type { RoundLog } from '../../economy/ports.js';
import { sortable, type Tables } from './tables.js';
import { transactWrite } from './transact.js';
import { isConditionFailure } from './conditions.js';

const STATE_KEY = { pk: 'oracle', sk: 'state' };
const roundKey = (round: number) => ({ pk: 'round', sk: sortable(round) });

export class DynamoRoundLog implements RoundLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Tables,
  ) {}

  async state(): Promise<OracleState | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.records, Key: STATE_KEY, ConsistentRead: true }));
    if (!Item) return undefined;
    return { lastRound: Item.lastRound as number, status: Item.status as OracleState['status'], lastTick: Item.lastTick as number, reserve: Item.reserve as Prices };
  }

  async begin(req: { round: number; tick: number; now: number; previous: OracleState }): Promise<boolean> {
    const next: OracleState = { lastRound: req.round, status: 'clearing', lastTick: req.tick, reserve: req.previous.reserve };
    const record: RoundRecord = { round: req.round, tick: req.tick, startedAt: req.now, status: 'clearing' };
    try {
      await transactWrite(this.client, [
        {
          item: {
            Put: {
              TableName: this.tables.records,
              Item: { ...STATE_KEY, ...next },
              ConditionExpression: 'attribute_not_exists(pk) OR (lastRound = :previous AND #status = :settled)',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':previous': req.previous.lastRound, ':settled': 'settled' },
            },
          },
          explain: () => new ConflictError('the oracle state moved on'),
        },
        {
          item: { Put: { TableName: this.tables.records, Item: { ...roundKey(req.round), ...record }, ConditionExpression: 'attribute_not_exists(pk)' } },
          explain: () => new ConflictError(`round ${req.round} exists`),
        },
      ]);
      return true;
    } catch (err) {
      if (err instanceof ConflictError) return false;
      throw err;
    }
  }

  async get(round: number): Promise<RoundRecord | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.records, Key: roundKey(round), ConsistentRead: true }));
    return Item ? toRound(Item) : undefined;
  }

  async saveOutcome(round: number, outcome: StoredOutcome): Promise<StoredOutcome> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tables.records,
          Key: roundKey(round),
          UpdateExpression: 'SET outcome = :outcome',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(outcome)',
          ExpressionAttributeValues: { ':outcome': outcome },
        }),
      );
      return outcome;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const stored = (await this.get(round))?.outcome;
      if (!stored) throw new ConflictError(`round ${round} does not exist`);
      return stored;
    }
  }

  async finish(req: { round: number; reserve: Prices; now: number }): Promise<void> {
    try {
      await transactWrite(this.client, [
        {
          item: {
            Update: {
              TableName: this.tables.records,
              Key: STATE_KEY,
              UpdateExpression: 'SET #status = :settled, reserve = :reserve',
              ConditionExpression: 'lastRound = :round AND #status = :clearing',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':settled': 'settled', ':clearing': 'clearing', ':round': req.round, ':reserve': req.reserve },
            },
          },
          explain: () => new ConflictError(`round ${req.round} is already settled`),
        },
        {
          item: {
            Update: {
              TableName: this.tables.records,
              Key: roundKey(req.round),
              UpdateExpression: 'SET #status = :settled, settledAt = :now',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':settled': 'settled', ':now': req.now },
            },
          },
          explain: () => new ConflictError(`round ${req.round} is missing`),
        },
      ]);
    } catch (err) {
      // Another invocation finished it first: that is the same end state.
      if (!(err instanceof ConflictError)) throw err;
    }
  }

  async history(limit: number): Promise<RoundRecord[]> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tables.records,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'round' },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return Items.map(toRound);
  }
}

function toRound(item: Record<string, unknown>): RoundRecord {
  const { pk: _pk, sk: _sk, ...record } = item;
  return record as unknown as RoundRecord;
}
