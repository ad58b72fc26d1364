/**
 * The ledger on DynamoDB. Every operation is planned by the economy's rules (economy/ledger.ts)
 * and applied as one `TransactWriteItems`: the balance updates with their conditions (never a
 * negative available balance), the hold's state change, the journal postings and the
 * idempotency record. A failed condition comes back as a typed error and nothing is applied.
 *
 * Items in the ledger table (key `pk`):
 *   acct#<id>          { available, held }            an agent's balances
 *   hold#<id>          { accountId, amount, state }   a two-phase transfer
 *   sys#minted         { total }                      all money ever minted
 *   sys#burned#<n>     { total }                      one shard of all money ever burned
 *   ubi#<round>        { round, total, plan? }        a round's UBI pool (economy/ubi.ts): open to
 *                                                    payments until its plan is fixed, then paid out
 *   idem#<key>         { requestHash, result }        an idempotency record
 * The journal table holds each entry twice, once under each side's account (`pk`), sorted by
 * entry id (a ULID, so by time); the burn's postings are sharded like its total.
 */
import { randomInt } from 'node:crypto';
import { GetCommand, QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import {
  ConflictError,
  DomainError,
  InsufficientFundsError,
  LedgerIntegrityError,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
} from '../../economy/errors.js';
import {
  agentAccount,
  assertAccountId,
  auditLedger,
  settledAudit,
  BURN_ACCOUNT,
  planBurn,
  planOpenAccount,
  planCapture,
  planHold,
  planMint,
  planRelease,
  planTransfer,
  type AuditReport,
  type Balance,
  type BalanceChange,
  type Hold,
  type JournalEntry,
  type LedgerPlan,
  type Movement,
  type PlanContext,
} from '../../economy/ledger.js';
import { type Micros } from '../../economy/money.js';
import type {
  BurnReceipt,
  CaptureReceipt,
  Clock,
  HoldReceipt,
  Idempotent,
  LedgerStore,
  MintReceipt,
  Page,
  ReleaseReceipt,
  TransferReceipt,
} from '../../economy/ports.js';
import { systemClock } from '../../economy/ports.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { pageLimit } from '../../economy/pages.js';
import { idempotencyWrite, priorResult, requestHash } from './idempotency.js';
import { assertIdempotencyKey } from '../../economy/ids.js';
import type { LedgerTables } from './tables.js';
import { DEFAULT_RETRY, transactWrite, type RetryPolicy, type Write } from './transact.js';

/** What one ledger transaction writes: a plan of money movements, other writes, and its result. */
export interface Built<R> {
  plan?: LedgerPlan;
  writes?: Write[];
  result: R;
}

export interface DynamoLedgerOptions {
  client: DynamoDBDocumentClient;
  tables: LedgerTables;
  clock?: Clock;
  newId?: () => string;
  burnShards?: number;
  idempotencyTtlSeconds?: number;
  retry?: RetryPolicy;
  /**
   * A mark for the round's death watch (adapters/dynamodb/death-watch.ts), added to every
   * transaction in which an agent's balance falls: its available credits leave it, or a hold of
   * its closes. A hold taken needs none: what it holds protects the agent until it closes.
   */
  watch?: (accountId: string, at: number) => Write;
}

const MAX = Number.MAX_SAFE_INTEGER;
const accountKey = (id: string) => ({ pk: `acct#${id}` });
const holdKey = (id: string) => ({ pk: `hold#${id}` });
const MINTED_KEY = { pk: 'sys#minted' };
const burnedKey = (shard: number) => ({ pk: `sys#burned#${shard}` });
/** A round's UBI pool item (its journal account is `ubi:<round>`). */
export const ubiPoolKey = (round: number) => ({ pk: `ubi#${round}` });

export class DynamoLedgerStore implements LedgerStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tables: LedgerTables;
  private readonly clock: Clock;
  private readonly newId: () => string;
  private readonly burnShards: number;
  private readonly ttlSeconds: number;
  private readonly retry: RetryPolicy;
  private readonly watch: DynamoLedgerOptions['watch'];

  constructor(options: DynamoLedgerOptions) {
    this.client = options.client;
    this.tables = options.tables;
    this.clock = options.clock ?? systemClock;
    this.newId = options.newId ?? monotonicFactory();
    this.burnShards = options.burnShards ?? 16;
    this.ttlSeconds = options.idempotencyTtlSeconds ?? 7 * 24 * 3600;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.watch = options.watch;
  }

  // -- writes --------------------------------------------------------------------------------

  openAccount(req: Idempotent & { accountId: string; grant?: { amount: Micros; ref?: string } }): Promise<Balance> {
    return this.commit('openAccount', req, (ctx) => ({
      plan: planOpenAccount(req, ctx),
      result: { accountId: req.accountId, available: req.grant?.amount ?? 0, held: 0 },
    }));
  }

  transfer(req: Idempotent & Movement & { from: string; to: string; amount: Micros }): Promise<TransferReceipt> {
    return this.commit('transfer', req, (ctx) => {
      const plan = planTransfer(req, ctx);
      return { plan, result: { entryId: plan.entries[0]!.entryId, from: req.from, to: req.to, amount: req.amount } };
    });
  }

  hold(req: Idempotent & { accountId: string; amount: Micros; holdId?: string; reason: string; ref?: string }): Promise<HoldReceipt> {
    return this.commit('hold', req, (ctx) => {
      const holdId = req.holdId ?? ctx.newId();
      return { plan: planHold({ ...req, holdId }, ctx), result: { holdId, accountId: req.accountId, amount: req.amount } };
    });
  }

  capture(
    req: Idempotent & { holdId: string; amount: Micros; to?: 'burn' | { agent: string }; reason: string; ref?: string },
  ): Promise<CaptureReceipt> {
    return this.commit('capture', req, async (ctx) => {
      const hold = await this.getHold(req.holdId);
      const plan = planCapture(hold, { ...req, to: req.to ?? 'burn' }, ctx);
      return { plan, result: { holdId: hold.holdId, captured: req.amount, released: hold.amount - req.amount } };
    });
  }

  release(req: Idempotent & { holdId: string; reason?: string }): Promise<ReleaseReceipt> {
    return this.close('release', req, 'voided');
  }

  expire(req: Idempotent & { holdId: string; reason?: string }): Promise<ReleaseReceipt> {
    return this.close('expire', req, 'expired');
  }

  mint(req: Idempotent & { to: string; amount: Micros; reason: 'grant' | 'reward'; ref?: string }): Promise<MintReceipt> {
    return this.commit('mint', req, (ctx) => {
      const plan = planMint(req, ctx);
      return { plan, result: { entryId: plan.entries[0]!.entryId, to: req.to, amount: req.amount } };
    });
  }

  burn(req: Idempotent & { from: string; amount: Micros; reason: string; ref?: string }): Promise<BurnReceipt> {
    return this.commit('burn', req, (ctx) => {
      const plan = planBurn(req, ctx);
      return { plan, result: { entryId: plan.entries[0]!.entryId, from: req.from, amount: req.amount } };
    });
  }

  private close(
    operation: 'release' | 'expire',
    req: Idempotent & { holdId: string; reason?: string },
    as: 'voided' | 'expired',
  ): Promise<ReleaseReceipt> {
    return this.commit(operation, req, async (ctx) => {
      const hold = await this.getHold(req.holdId);
      const plan = planRelease(hold, { reason: req.reason ?? hold.reason, ...(hold.ref ? { ref: hold.ref } : {}), as }, ctx);
      return { plan, result: { holdId: hold.holdId, released: hold.amount, state: as } };
    });
  }

  // -- the transaction behind every write ----------------------------------------------------

  /**
   * Commits a ledger plan, together with any writes of the thing it pays for (a bid, a lease, a
   * prompt...), and the idempotency record, as one transaction. Other DynamoDB stores build on
   * this so that a movement and the state change it belongs to are never apart. On any domain
   * error (a failed condition, a hold already closed...) the key's record is consulted: if this
   * same request already succeeded, its first result is returned instead.
   *
   * `guard`, a condition the request is honoured under (the caller's credential: see
   * credential-check.ts), is part of the transaction, and is checked alone before a first result
   * is returned again: a caller it refuses (UnauthorizedError) is told nothing else.
   */
  async commit<R>(operation: string, req: Idempotent, build: (ctx: PlanContext) => Built<R> | Promise<Built<R>>, guard?: Write): Promise<R> {
    const { idempotencyKey: key, ...request } = req;
    assertIdempotencyKey(key);
    const hash = requestHash(operation, request);
    const now = this.clock.now();
    try {
      const { plan, writes = [], result } = await build({ newId: this.newId, now });
      const record = idempotencyWrite({ table: this.tables.ledger, key, hash, result, now, ttlSeconds: this.ttlSeconds });
      await transactWrite(this.client, [...(plan ? this.planWrites(plan, now) : []), ...writes, record, ...(guard ? [guard] : [])], this.retry);
      return result;
    } catch (err) {
      // Whatever refused it now (the thing sold since, the lease over, the debt repaid...), a
      // request that already succeeded under this key gets its first result.
      if (!(err instanceof DomainError) || err instanceof UnauthorizedError) throw err;
      const prior = await priorResult(this.client, this.tables.ledger, key, hash, now);
      if (prior && guard) await transactWrite(this.client, [guard], this.retry);
      if (prior) return prior.result as R;
      throw err;
    }
  }

  /**
   * The first result of `operation` under the request's key, if the key was used for this same
   * request (IdempotencyMismatchError if for another); undefined if the key is fresh.
   */
  async prior<R>(operation: string, req: Idempotent): Promise<R | undefined> {
    const { idempotencyKey: key, ...request } = req;
    assertIdempotencyKey(key);
    const prior = await priorResult(this.client, this.tables.ledger, key, requestHash(operation, request), this.clock.now());
    return prior?.result as R | undefined;
  }

  /** The plan's balance changes, hold and journal postings as conditional transaction items. */
  private planWrites(plan: LedgerPlan, now: number): Write[] {
    const shard = randomInt(this.burnShards);
    const opens = new Set(plan.opens);
    const writes = plan.changes.map((change) =>
      change.target.kind === 'agent' && opens.has(change.target.accountId)
        ? this.openWrite(change.target.accountId, change, now)
        : this.balanceWrite(change, shard),
    );
    if (plan.hold) writes.push(this.holdWrite(plan.hold));
    for (const entry of plan.entries) {
      writes.push(this.postingWrite(entry, 'debit', shard), this.postingWrite(entry, 'credit', shard));
    }
    if (this.watch) {
      const fallen = plan.changes.flatMap((c) => (c.target.kind === 'agent' && (c.held < 0 || (c.available < 0 && c.held <= 0)) ? [c.target.accountId] : []));
      for (const accountId of new Set(fallen)) writes.push(this.watch(accountId, now));
    }
    return writes;
  }

  private openWrite(accountId: string, opening: BalanceChange, now: number): Write {
    return {
      item: {
        Put: {
          TableName: this.tables.ledger,
          Item: { ...accountKey(accountId), t: 'account', accountId, available: opening.available, held: opening.held, createdAt: now },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      explain: () => new ConflictError(`account ${accountId} already exists`, { accountId }),
    };
  }

  private balanceWrite(change: BalanceChange, shard: number): Write {
    const { target } = change;
    if (target.kind === 'ubi') return this.poolWrite(target.round, change);
    if (target.kind !== 'agent') {
      // The mint and burn totals only grow; the item is created by its first ADD.
      return {
        item: {
          Update: {
            TableName: this.tables.ledger,
            Key: target.kind === 'minted' ? MINTED_KEY : burnedKey(shard),
            UpdateExpression: 'SET t = :t ADD #total :amount',
            ConditionExpression: 'attribute_not_exists(#total) OR #total <= :limit',
            ExpressionAttributeNames: { '#total': 'total' },
            ExpressionAttributeValues: { ':t': target.kind, ':amount': change.available, ':limit': MAX - change.available },
          },
        },
        explain: () => new LedgerIntegrityError(`the ${target.kind} total would overflow`),
        precedence: 0,
      };
    }
    const { accountId } = target;
    const conditions = ['attribute_exists(pk)'];
    const values: Record<string, number> = { ':available': change.available, ':held': change.held };
    if (change.expect) {
      conditions.push('available = :was_available', 'held = :was_held');
      values[':was_available'] = change.expect.available;
      values[':was_held'] = change.expect.held;
    }
    for (const field of ['available', 'held'] as const) {
      const delta = change[field];
      if (delta < 0) {
        conditions.push(`${field} >= :min_${field}`);
        values[`:min_${field}`] = -delta;
      } else if (delta > 0) {
        conditions.push(`${field} <= :max_${field}`);
        values[`:max_${field}`] = MAX - delta;
      }
    }
    return {
      item: {
        Update: {
          TableName: this.tables.ledger,
          Key: accountKey(accountId),
          UpdateExpression: 'ADD available :available, held :held',
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeValues: values,
        },
      },
      explain: (current) => {
        if (!current) return new NotFoundError('account', accountId);
        const available = current.available as number;
        const held = current.held as number;
        if (change.expect && (available !== change.expect.available || held !== change.expect.held)) {
          return new ConflictError(`the balance of account ${accountId} changed`, { accountId });
        }
        if (change.available < 0 && available < -change.available) {
          return new InsufficientFundsError(accountId, -change.available, available);
        }
        if (change.held < 0 && held < -change.held) {
          return new LedgerIntegrityError(`held balance ${held} is less than the hold being closed`, { accountId });
        }
        return new ValidationError(`the balance of account ${accountId} would overflow`, { accountId });
      },
      precedence: 0,
    };
  }

  /**
   * A round's UBI pool: payments go in only while its plan is not fixed (fixing it closes the pool);
   * shares and the rest come out only once it is, never below zero, and (the rest) only from the
   * total that was read.
   */
  private poolWrite(round: number, change: BalanceChange): Write {
    const names = { '#total': 'total', '#plan': 'plan', '#round': 'round' };
    if (change.available >= 0) {
      return {
        item: {
          Update: {
            TableName: this.tables.ledger,
            Key: ubiPoolKey(round),
            UpdateExpression: 'SET t = :t, #round = :round ADD #total :amount',
            ConditionExpression: 'attribute_not_exists(#plan) AND (attribute_not_exists(#total) OR #total <= :limit)',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ':t': 'ubi', ':round': round, ':amount': change.available, ':limit': MAX - change.available },
          },
        },
        explain: (current) =>
          current?.plan ? new ConflictError(`round ${round}'s UBI is already shared out`, { round }) : new LedgerIntegrityError(`round ${round}'s UBI pool would overflow`),
        precedence: 0,
      };
    }
    const conditions = ['attribute_exists(#plan)', '#total >= :min'];
    const values: Record<string, number> = { ':amount': change.available, ':min': -change.available };
    if (change.expect) {
      conditions.push('#total = :was');
      values[':was'] = change.expect.available;
    }
    return {
      item: {
        Update: {
          TableName: this.tables.ledger,
          Key: ubiPoolKey(round),
          UpdateExpression: 'ADD #total :amount',
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: { '#total': 'total', '#plan': 'plan' },
          ExpressionAttributeValues: values,
        },
      },
      explain: (current) =>
        !current?.plan
          ? new ConflictError(`round ${round}'s UBI plan is not fixed`, { round })
          : change.expect && current.total !== change.expect.available
            ? new ConflictError(`round ${round}'s UBI pool changed`, { round })
            : new LedgerIntegrityError(`round ${round}'s UBI pool holds ${String(current.total)} µcr, less than ${-change.available}`, { round }),
      precedence: 0,
    };
  }

  private holdWrite(change: NonNullable<LedgerPlan['hold']>): Write {
    if ('create' in change) {
      const hold = change.create;
      return {
        item: {
          Put: {
            TableName: this.tables.ledger,
            Item: { ...holdKey(hold.holdId), t: 'hold', ...hold },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        explain: () => new ConflictError(`hold ${hold.holdId} already exists`, { holdId: hold.holdId }),
      };
    }
    const { holdId } = change.close;
    return {
      item: {
        Update: {
          TableName: this.tables.ledger,
          Key: holdKey(holdId),
          UpdateExpression: 'SET #state = :to, captured = :captured, closedAt = :at',
          ConditionExpression: '#state = :pending',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':to': change.to, ':captured': change.captured, ':at': change.at, ':pending': 'pending' },
        },
      },
      explain: (current) =>
        current
          ? new ConflictError(`hold ${holdId} is already ${String(current.state)}`, { holdId, state: current.state })
          : new NotFoundError('hold', holdId),
    };
  }

  private postingWrite(entry: JournalEntry, side: 'debit' | 'credit', shard: number): Write {
    const account = entry[side];
    return {
      item: {
        Put: {
          TableName: this.tables.journal,
          Item: { pk: account === BURN_ACCOUNT ? `${account}#${shard}` : account, sk: entry.entryId, side, ...entry },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      explain: () => new LedgerIntegrityError(`journal entry ${entry.entryId} already exists`),
    };
  }

  // -- reads ---------------------------------------------------------------------------------

  async getBalance(accountId: string): Promise<Balance> {
    assertAccountId(accountId);
    const item = await this.get(accountKey(accountId));
    if (!item) throw new NotFoundError('account', accountId);
    return toBalance(item);
  }

  async getHold(holdId: string): Promise<Hold> {
    assertAccountId(holdId, 'holdId');
    const item = await this.get(holdKey(holdId));
    if (!item) throw new NotFoundError('hold', holdId);
    return toHold(item);
  }

  async journal(accountId: string, page: { limit?: number; cursor?: string } = {}): Promise<Page<JournalEntry>> {
    assertAccountId(accountId);
    const limit = pageLimit(page.limit);
    const { Items = [], LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tables.journal,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': agentAccount(accountId) },
        ScanIndexForward: false,
        Limit: limit,
        ...(page.cursor ? { ExclusiveStartKey: decodeCursor(page.cursor, agentAccount(accountId)) } : {}),
      }),
    );
    return {
      items: Items.map(toEntry),
      ...encodeCursor(LastEvaluatedKey),
    };
  }

  /** The audit of the whole ledger, repeated while the economy runs beside it (`settledAudit`). */
  audit(): Promise<AuditReport> {
    return settledAudit(() => this.scanAudit());
  }

  private async scanAudit(): Promise<AuditReport> {
    const [ledgerItems, postings] = await Promise.all([
      this.scanAll(this.tables.ledger),
      this.scanAll(this.tables.journal, { FilterExpression: 'side = :debit', ExpressionAttributeValues: { ':debit': 'debit' } }),
    ]);
    const accounts: Balance[] = [];
    const holds: Hold[] = [];
    const pools: { round: number; total: Micros }[] = [];
    let minted = 0;
    let burned = 0;
    for (const item of ledgerItems) {
      if (item.t === 'account') accounts.push(toBalance(item));
      else if (item.t === 'hold') holds.push(toHold(item));
      else if (item.t === 'minted') minted += item.total as number;
      else if (item.t === 'burned') burned += item.total as number;
      else if (item.t === 'ubi') pools.push({ round: item.round as number, total: item.total as number });
    }
    return auditLedger({ accounts, holds, minted, burned, pools, entries: postings.map(toEntry) });
  }

  private async get(key: Record<string, string>): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.ledger, Key: key, ConsistentRead: true }));
    return Item;
  }

  /** A full, consistent scan, read in parallel segments. */
  private async scanAll(
    table: string,
    filter: { FilterExpression?: string; ExpressionAttributeValues?: Record<string, unknown> } = {},
  ): Promise<Record<string, unknown>[]> {
    const segments = 4;
    const parts = await Promise.all(
      Array.from({ length: segments }, async (_, segment) => {
        const items: Record<string, unknown>[] = [];
        let start: Record<string, unknown> | undefined;
        do {
          const page = await this.client.send(
            new ScanCommand({
              TableName: table,
              ConsistentRead: true,
              Segment: segment,
              TotalSegments: segments,
              ...filter,
              ...(start ? { ExclusiveStartKey: start } : {}),
            }),
          );
          items.push(...(page.Items ?? []));
          start = page.LastEvaluatedKey;
        } while (start);
        return items;
      }),
    );
    return parts.flat();
  }
}

function toBalance(item: Record<string, unknown>): Balance {
  return { accountId: item.accountId as string, available: item.available as number, held: item.held as number };
}

function toHold(item: Record<string, unknown>): Hold {
  const { pk: _pk, t: _t, ...hold } = item;
  return hold as unknown as Hold;
}

function toEntry(item: Record<string, unknown>): JournalEntry {
  const { pk: _pk, sk: _sk, side: _side, ...entry } = item;
  return entry as unknown as JournalEntry;
}
