/**
 * Prompts to the human and agents' inboxes in the records table:
 *   prompt#<id> / prompt          a prompt; while pending it is in the index under `prompts`,
 *                                 sorted by bid (highest first), then age
 *   agent#<id> / inbox#<itemId>   an inbox item: a human's reply, or (later) another agent's message
 *   prompt-expiry#<shard> / <expiresAt>#<id>   while pending: when it expires, so that expiry
 *                                 reads exactly the prompts due, however many others wait
 * Posting holds the bid and takes one of the lease's attention slots (a counter on the lease,
 * raised only while below the bundle's attention) in one transaction; rewarding mints, captures
 * the bid, writes the reply and closes the prompt in one transaction; expiring releases the bid
 * and closes it in one too.
 */
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { newPrompt, rewarded, type Prompt, type Scores } from '../../economy/attention.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../economy/errors.js';
import { combinePlans, planCapture, planHold, planMint, planRelease, type LedgerPlan } from '../../economy/ledger.js';
import type { Micros } from '../../economy/money.js';
import { activeLease } from '../../economy/market.js';
import type { Idempotent, LeaseBook, PromptBook } from '../../economy/ports.js';
import { inboxKey } from './keys.js';
import type { DynamoLedgerStore } from './ledger.js';
import { queryAll, queryIndex, recordOf } from './records.js';
import { sortable, type Tables } from './tables.js';
import type { Write } from './transact.js';

const promptKey = (promptId: string) => ({ pk: `prompt#${promptId}`, sk: 'prompt' });
/** Expiry markers are spread over shards, so that no partition takes every prompt. */
const EXPIRY_SHARDS = 4;
const expiryKey = (prompt: Pick<Prompt, 'promptId' | 'expiresAt'>) => ({
  pk: `prompt-expiry#${createHash('sha1').update(prompt.promptId).digest().readUInt8(0) % EXPIRY_SHARDS}`,
  sk: `${sortable(prompt.expiresAt)}#${prompt.promptId}`,
});
const PENDING = 'prompts';
/** Highest bid first: the index sorts ascending, so it sorts by what the bid is short of the maximum. */
const bySizeOfBid = (prompt: Prompt) => `${sortable(Number.MAX_SAFE_INTEGER - prompt.bid)}#${sortable(prompt.createdAt)}#${prompt.promptId}`;

export class DynamoPromptBook implements PromptBook {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Tables,
    private readonly ledger: DynamoLedgerStore,
    private readonly leases: Pick<LeaseBook, 'agentLeases'>,
    private readonly ttlSeconds: number,
  ) {}

  postPrompt(req: Idempotent & { agentId: string; content: string; bid: Micros }): Promise<Prompt> {
    // The lease is looked up inside the commit, so that a replay finds its first result even after the lease is over.
    return this.ledger.commit('postPrompt', req, async (ctx) => {
      const lease = activeLease(await this.leases.agentLeases(req.agentId, ctx.now), ctx.now);
      const prompt = newPrompt(req, lease, ctx, this.ttlSeconds);
      const { promptId } = prompt;
      const slots = lease!.bundle.attention;
      const slot: Write = {
        item: {
          Update: {
            TableName: this.tables.records,
            Key: { pk: `agent#${req.agentId}`, sk: `lease#${prompt.leaseId}` },
            UpdateExpression: 'ADD promptsUsed :one',
            ConditionExpression: 'attribute_exists(pk) AND endsAt > :now AND attribute_not_exists(closedAt) AND (attribute_not_exists(promptsUsed) OR promptsUsed < :slots)',
            ExpressionAttributeValues: { ':one': 1, ':now': ctx.now, ':slots': slots },
          },
        },
        explain: () => new ForbiddenError(`the lease's ${slots} attention slot(s) are used up`),
      };
      const put: Write = {
        item: {
          Put: {
            TableName: this.tables.records,
            Item: { ...promptKey(promptId), t: 'prompt', ...prompt, gsi1pk: PENDING, gsi1sk: bySizeOfBid(prompt) },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        explain: () => new ConflictError(`prompt ${promptId} exists`),
      };
      const expiry: Write = {
        item: { Put: { TableName: this.tables.records, Item: { ...expiryKey(prompt), t: 'prompt-expiry', promptId }, ConditionExpression: 'attribute_not_exists(pk)' } },
        explain: () => new ConflictError(`prompt ${promptId} exists`),
      };
      return {
        plan: planHold({ accountId: req.agentId, amount: req.bid, holdId: promptId, reason: 'attention', ref: promptId }, ctx),
        writes: [slot, put, expiry],
        result: prompt,
      };
    });
  }

  async getPrompt(promptId: string): Promise<Prompt> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.records, Key: promptKey(promptId), ConsistentRead: true }));
    if (!Item) throw new NotFoundError('prompt', promptId);
    return toPrompt(Item);
  }

  async pendingPrompts(limit: number): Promise<Prompt[]> {
    return (await queryIndex(this.client, this.tables, PENDING, limit)) as unknown as Prompt[];
  }

  /** The prompts due to expire by `now`, from the expiry markers. */
  private async due(now: number): Promise<string[]> {
    const shards = await Promise.all(
      Array.from({ length: EXPIRY_SHARDS }, (_, shard) =>
        queryAll(this.client, {
          TableName: this.tables.records,
          KeyConditionExpression: 'pk = :pk AND sk <= :now',
          ExpressionAttributeValues: { ':pk': `prompt-expiry#${shard}`, ':now': `${sortable(now)}#~` },
        }),
      ),
    );
    return shards.flat().map((item) => item.promptId as string);
  }

  rewardPrompt(req: Idempotent & { promptId: string; scores: Scores; reward: Micros; reply?: string }): Promise<Prompt> {
    return this.ledger.commit('rewardPrompt', req, async (ctx) => {
      const prompt = await this.getPrompt(req.promptId);
      const { prompt: closed, reply } = rewarded(prompt, req, ctx);
      const hold = await this.ledger.getHold(prompt.holdId);
      const capture = planCapture(hold, { amount: hold.amount, to: 'burn', reason: 'attention', ref: prompt.promptId }, ctx);
      const plan: LedgerPlan =
        req.reward > 0 ? combinePlans(planMint({ to: prompt.agentId, amount: req.reward, reason: 'reward', ref: prompt.promptId }, ctx), capture) : capture;
      return {
        plan,
        writes: [
          this.closeWrite(closed),
          this.forgetExpiry(prompt),
          {
            item: {
              Put: {
                TableName: this.tables.records,
                Item: { ...inboxKey(prompt.agentId, reply.itemId), t: 'inbox', ...reply, scores: req.scores },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            explain: () => new ConflictError('inbox item exists'),
          },
        ],
        result: closed,
      };
    });
  }

  async expirePrompts(now: number): Promise<number> {
    let expired = 0;
    for (const promptId of await this.due(now)) {
      const prompt = await this.getPrompt(promptId);
      if (prompt.state !== 'pending') continue;
      const request = { idempotencyKey: `expire-prompt-${prompt.promptId}`, promptId: prompt.promptId };
      try {
        await this.ledger.commit('expirePrompt', request, async (ctx) => {
          const hold = await this.ledger.getHold(prompt.holdId);
          return {
            plan: planRelease(hold, { reason: 'prompt expired', ref: prompt.promptId, as: 'expired' }, ctx),
            writes: [this.closeWrite({ ...prompt, state: 'expired', closedAt: ctx.now }), this.forgetExpiry(prompt)],
            result: prompt.promptId,
          };
        });
        expired += 1;
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err; // rewarded meanwhile
      }
    }
    return expired;
  }

  /** A closed prompt no longer waits to expire. */
  private forgetExpiry(prompt: Prompt): Write {
    return { item: { Delete: { TableName: this.tables.records, Key: expiryKey(prompt) } }, explain: () => new ConflictError('expiry') };
  }

  /** Closes a pending prompt (out of the index); refused unless still pending. */
  private closeWrite(prompt: Prompt): Write {
    const fields = { state: prompt.state, closedAt: prompt.closedAt, scores: prompt.scores, reward: prompt.reward, reply: prompt.reply };
    const set = Object.entries(fields).filter(([, v]) => v !== undefined);
    return {
      item: {
        Update: {
          TableName: this.tables.records,
          Key: promptKey(prompt.promptId),
          UpdateExpression: `SET ${set.map(([k]) => `#${k} = :${k}`).join(', ')} REMOVE gsi1pk, gsi1sk`,
          ConditionExpression: '#state = :pending',
          ExpressionAttributeNames: Object.fromEntries(set.map(([k]) => [`#${k}`, k])),
          ExpressionAttributeValues: { ...Object.fromEntries(set.map(([k, v]) => [`:${k}`, v])), ':pending': 'pending' },
        },
      },
      explain: (current) =>
        current ? new ConflictError(`prompt ${prompt.promptId} is already ${String(current.state)}`) : new NotFoundError('prompt', prompt.promptId),
    };
  }
}

const toPrompt = (item: Record<string, unknown>) => recordOf(item) as unknown as Prompt;
