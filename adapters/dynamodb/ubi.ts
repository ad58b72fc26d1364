/**
 * UBI on DynamoDB (economy/ubi.ts): a round's pool is one ledger item, `ubi#<round>` { round, total,
 * plan? }. Winners' payments go in (bids.ts, each in its settlement's transaction) while the pool has
 * no plan; fixing the plan closes it. Each share is one ledger transaction (the pool's debit, the
 * agent's credit, the journal entry, a check that the agent is alive, and the idempotency record
 * `round-<n>-ubi-<agent>`), so a retried or overlapping round never pays anyone twice; the rest is
 * burned under `round-<n>-ubi-rest`. Once empty, the pool item is given the idempotency records'
 * lifetime: DynamoDB's TTL removes it when its keys are forgotten (its journal sums to zero then,
 * as its total does, so the audit sees no difference). A pool that is not empty never expires.
 */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, ForbiddenError, NotFoundError } from '../../economy/errors.js';
import { assertRound, planUbiPayout, planUbiRest } from '../../economy/ledger.js';
import type { Micros } from '../../economy/money.js';
import type { Clock, UbiBook } from '../../economy/ports.js';
import type { UbiPlan } from '../../economy/ubi.js';
import { aliveCheck } from './agents.js';
import { isConditionFailure } from './conditions.js';
import { ubiPoolKey, type DynamoLedgerStore } from './ledger.js';
import { TTL_ATTRIBUTE, type Tables } from './tables.js';

export class DynamoUbiBook implements UbiBook {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Tables,
    private readonly ledger: DynamoLedgerStore,
    private readonly clock: Clock,
    private readonly ttlSeconds: number,
  ) {}

  private async item(round: number): Promise<Record<string, unknown> | undefined> {
    assertRound(round);
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.ledger, Key: ubiPoolKey(round), ConsistentRead: true }));
    return Item;
  }

  async pool(round: number): Promise<Micros> {
    return ((await this.item(round))?.total as number | undefined) ?? 0;
  }

  async plan(round: number): Promise<UbiPlan | undefined> {
    return (await this.item(round))?.plan as UbiPlan | undefined;
  }

  async fix(plan: UbiPlan): Promise<UbiPlan> {
    assertRound(plan.round);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tables.ledger,
          Key: ubiPoolKey(plan.round),
          UpdateExpression: 'SET t = :t, #round = :round, #plan = :plan ADD #total :zero',
          ConditionExpression: 'attribute_not_exists(#plan) AND ' + (plan.pool === 0 ? '(attribute_not_exists(#total) OR #total = :pool)' : '#total = :pool'),
          ExpressionAttributeNames: { '#round': 'round', '#plan': 'plan', '#total': 'total' },
          ExpressionAttributeValues: { ':t': 'ubi', ':round': plan.round, ':plan': plan, ':zero': 0, ':pool': plan.pool },
        }),
      );
      return plan;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const stored = await this.plan(plan.round);
      if (stored) return stored; // another invocation fixed it first: that one holds
      throw new ConflictError(`round ${plan.round}'s UBI pool no longer holds ${plan.pool} µcr`, { round: plan.round });
    }
  }

  async pay(req: { round: number; agentId: string; amount: Micros }): Promise<boolean> {
    const request = { idempotencyKey: `round-${req.round}-ubi-${req.agentId}`, ...req };
    try {
      await this.ledger.commit('ubiPayout', request, (ctx) => ({
        plan: planUbiPayout({ round: req.round, to: req.agentId, amount: req.amount }, ctx),
        writes: [aliveCheck(this.tables, req.agentId)],
        result: { paid: req.amount },
      }));
      return true;
    } catch (err) {
      // Dead (or never was) and not paid before: death is final, so it never will be.
      if (err instanceof ForbiddenError || err instanceof NotFoundError) return false;
      throw err;
    }
  }

  async burnRest(round: number): Promise<Micros> {
    const request = { idempotencyKey: `round-${round}-ubi-rest`, round };
    const { burned } = await this.ledger.commit<{ burned: Micros }>('ubiRest', request, async (ctx) => {
      const item = await this.item(round);
      if (!item?.plan) throw new ConflictError(`round ${round}'s UBI plan is not fixed`, { round });
      const amount = item.total as number;
      // An empty pool has nothing to burn: the record alone says this round's rest is done.
      return amount > 0 ? { plan: planUbiRest({ round, amount }, ctx), result: { burned: amount } } : { result: { burned: 0 } };
    });
    await this.expireWhenEmpty(round);
    return burned;
  }

  /** Gives an empty pool its lifetime (see above); a pool with money in it keeps none. */
  private async expireWhenEmpty(round: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tables.ledger,
          Key: ubiPoolKey(round),
          UpdateExpression: 'SET #ttl = :expires',
          ConditionExpression: 'attribute_exists(#plan) AND #total = :zero',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE, '#plan': 'plan', '#total': 'total' },
          ExpressionAttributeValues: { ':expires': Math.floor(this.clock.now() / 1000) + this.ttlSeconds, ':zero': 0 },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }
}
