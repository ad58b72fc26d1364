/**
 * Prompts to the human and agents' inboxes in the records table:
 *   prompt#<id> / prompt          a prompt; while pending it is in the index under `prompts`,
 *                                 sorted by bid (highest first), then age
 *   agent#<id> / inbox#<itemId>   an inbox item: a human's reply, or (later) another agent's message
 * Posting holds the bid and takes one of the lease's attention slots (a counter on the lease,
 * raised only while below the bundle's attention) in one transaction; rewarding mints, captures
 * the bid, writes the reply and closes the prompt in one transaction.
 */
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MAX_PROMPT_LENGTH, MAX_REPLY_LENGTH, type Prompt, type Scores } from '../../economy/attention.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../economy/errors.js';
import { combinePlans, planCapture, planHold, planMint, planRelease, type LedgerPlan } from '../../economy/ledger.js';
import { assertMicros, type Micros } from '../../economy/money.js';
import type { Idempotent, InboxItem, Page, PromptBook } from '../../economy/ports.js';
import { assertLimit, decodeCursor, encodeCursor } from './cursor.js';
import type { DynamoLedgerStore } from './ledger.js';
import { queryIndex, recordOf } from './records.js';
import { sortable, type Tables } from './tables.js';
import type { Write } from './transact.js';

const promptKey = (promptId: string) => ({ pk: `prompt#${promptId}`, sk: 'prompt' });
const PENDING = 'prompts';
/** Highest bid first: the index sorts ascending, so it sorts by what the bid is short of the maximum. */
const bySizeOfBid = (prompt: Prompt) => `${sortable(Number.MAX_SAFE_INTEGER - prompt.bid)}#${sortable(prompt.createdAt)}#${prompt.promptId}`;

export class DynamoPromptBook implements PromptBook {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Tables,
    private readonly ledger: DynamoLedgerStore,
    private readonly ttlSeconds: number,
  ) {}

  postPrompt(req: Idempotent & { agentId: string; leaseId: string; attention: number; content: string; bid: Micros }): Promise<Prompt> {
    const { attention: _slots, ...identity } = req;
    return this.ledger.commit('postPrompt', identity, (ctx) => {
      assertMicros(req.bid, 'bid', 'positive');
      if (req.content.length === 0 || req.content.length > MAX_PROMPT_LENGTH) {
        throw new ValidationError(`content must be 1–${MAX_PROMPT_LENGTH} characters`, { field: 'content' });
      }
      const promptId = ctx.newId();
      const prompt: Prompt = {
        promptId,
        agentId: req.agentId,
        leaseId: req.leaseId,
        content: req.content,
        bid: req.bid,
        holdId: promptId,
        state: 'pending',
        createdAt: ctx.now,
        expiresAt: ctx.now + this.ttlSeconds * 1000,
      };
      const slot: Write = {
        item: {
          Update: {
            TableName: this.tables.records,
            Key: { pk: `agent#${req.agentId}`, sk: `lease#${req.leaseId}` },
            UpdateExpression: 'ADD promptsUsed :one',
            ConditionExpression: 'attribute_exists(pk) AND endsAt > :now AND attribute_not_exists(closedAt) AND (attribute_not_exists(promptsUsed) OR promptsUsed < :slots)',
            ExpressionAttributeValues: { ':one': 1, ':now': ctx.now, ':slots': req.attention },
          },
        },
        explain: () => new ForbiddenError(`the lease's ${req.attention} attention slot(s) are used up`),
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
      return {
        plan: planHold({ accountId: req.agentId, amount: req.bid, holdId: promptId, reason: 'attention', ref: promptId }, ctx),
        writes: [slot, put],
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

  rewardPrompt(req: Idempotent & { promptId: string; scores: Scores; reward: Micros; reply?: string }): Promise<Prompt> {
    return this.ledger.commit('rewardPrompt', req, async (ctx) => {
      if (req.reply !== undefined && req.reply.length > MAX_REPLY_LENGTH) {
        throw new ValidationError(`reply must be at most ${MAX_REPLY_LENGTH} characters`, { field: 'reply' });
      }
      const prompt = await this.getPrompt(req.promptId);
      if (prompt.state !== 'pending') throw new ConflictError(`prompt ${prompt.promptId} is already ${prompt.state}`);
      const hold = await this.ledger.getHold(prompt.holdId);
      const capture = planCapture(hold, { amount: hold.amount, to: 'burn', reason: 'attention', ref: prompt.promptId }, ctx);
      const plan: LedgerPlan =
        req.reward > 0 ? combinePlans(planMint({ to: prompt.agentId, amount: req.reward, reason: 'reward', ref: prompt.promptId }, ctx), capture) : capture;
      const rewarded: Prompt = {
        ...prompt,
        state: 'rewarded',
        scores: req.scores,
        reward: req.reward,
        ...(req.reply ? { reply: req.reply } : {}),
        closedAt: ctx.now,
      };
      const item: InboxItem = {
        itemId: ctx.newId(),
        kind: 'reply',
        from: 'human',
        body: req.reply ?? '',
        promptId: prompt.promptId,
        reward: req.reward,
        at: ctx.now,
      };
      return {
        plan,
        writes: [
          this.closeWrite(rewarded),
          {
            item: {
              Put: {
                TableName: this.tables.records,
                Item: { pk: `agent#${prompt.agentId}`, sk: `inbox#${item.itemId}`, t: 'inbox', ...item, scores: req.scores },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            explain: () => new ConflictError('inbox item exists'),
          },
        ],
        result: rewarded,
      };
    });
  }

  async expirePrompts(now: number): Promise<number> {
    let expired = 0;
    for (const prompt of (await this.pendingPrompts(1000)).filter((p) => p.expiresAt <= now)) {
      const request = { idempotencyKey: `expire-prompt-${prompt.promptId}`, promptId: prompt.promptId };
      try {
        await this.ledger.commit('expirePrompt', request, async (ctx) => {
          const hold = await this.ledger.getHold(prompt.holdId);
          return {
            plan: planRelease(hold, { reason: 'prompt expired', ref: prompt.promptId, as: 'expired' }, ctx),
            writes: [this.closeWrite({ ...prompt, state: 'expired', closedAt: ctx.now })],
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

  async inbox(agentId: string, page: { limit?: number; cursor?: string } = {}): Promise<Page<InboxItem>> {
    const pk = `agent#${agentId}`;
    const { Items = [], LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tables.records,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :inbox)',
        ExpressionAttributeValues: { ':pk': pk, ':inbox': 'inbox#' },
        ScanIndexForward: false,
        Limit: assertLimit(page.limit),
        ...(page.cursor ? { ExclusiveStartKey: decodeCursor(page.cursor, pk) } : {}),
      }),
    );
    return {
      items: Items.map((i) => recordOf(i) as unknown as InboxItem),
      ...encodeCursor(LastEvaluatedKey),
    };
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
