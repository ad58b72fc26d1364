/**
 * Bids in the records table, under the partition of the agent that pays for it, so that an agent
 * can only ever address its own:
 *   agent#<payer> / bid#<bidId>    a bid, under the agent that pays for it (itself, or a sponsor);
 *                                  while pending it is in the index as bids#<shard>, sorted by the
 *                                  first round it takes part in, so that a round reads exactly the
 *                                  bids that take part, and its expiry exactly the bids due
 *                                  (bids placed before that index are under pending#<shard>)
 * A winning bid becomes a lease (see leases.ts) in the transaction that captures its payment.
 * The profile of the agent a bid is for counts its pending bids (dormancy and death read it).
 * Every change that moves money goes through the ledger's `commit`, in the same transaction.
 */
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, ForbiddenError, NotFoundError } from '../../economy/errors.js';
import { planCapture, planHold, planRelease } from '../../economy/ledger.js';
import { closedBid, newBid, type Bid, type BidState, type Lease } from '../../economy/market.js';
import type { Micros } from '../../economy/money.js';
import type { BidBook, CredentialCheck, Idempotent, Page } from '../../economy/ports.js';
import { RoundPointer } from '../../economy/round-pointer.js';
import type { Bundle } from '../../economy/resources.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { pageLimit } from '../../economy/pages.js';
import { credentialCheck } from './credential-check.js';
import { agentKey } from './keys.js';
import { leasePut } from './leases.js';
import type { DynamoLedgerStore } from './ledger.js';
import { queryAll, recordOf } from './records.js';
import { DynamoRoundLog } from './rounds.js';
import { watchPut } from './death-watch.js';
import { INDEX_SHARDS, RECORDS_INDEX, shardOf, sortable, type Tables } from './tables.js';
import type { Write } from './transact.js';

const bidKey = (payerId: string, bidId: string) => ({ pk: `agent#${payerId}`, sk: `bid#${bidId}` });
/** The pending bids' index key (by first round), and the one before it (by placement, read until no bid is left there). */
const PENDING = 'bids';
const LEGACY_PENDING = 'pending';

/** A new pending bid's item, in the pending index. */
export function bidPut(tables: Tables, bid: Bid): Write {
  return {
    item: {
      Put: {
        TableName: tables.records,
        Item: {
          ...bidKey(bid.payerId, bid.bidId),
          t: 'bid',
          ...bid,
          gsi1pk: `${PENDING}#${shardOf(bid.bidId, INDEX_SHARDS)}`,
          gsi1sk: `${sortable(bid.firstRound)}#${sortable(bid.placedAt)}#${bid.bidId}`,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    explain: () => new ConflictError(`bid ${bid.bidId} already exists`),
  };
}

/** A bid for a living agent: its pending bids counted, and its last bid's time (dormancy counts from it). */
function countBid(tables: Tables, bid: Bid): Write {
  return {
    item: {
      Update: {
        TableName: tables.records,
        Key: agentKey(bid.agentId),
        UpdateExpression: 'SET lastBidAt = :now ADD pendingBids :one',
        ConditionExpression: '#status = :alive',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':now': bid.placedAt, ':one': 1, ':alive': 'alive' },
      },
    },
    explain: (current) => (current ? new ForbiddenError(`agent ${bid.agentId} is dead`) : new NotFoundError('agent', bid.agentId)),
  };
}

/** A bid closed: one pending bid fewer for its agent, and, when it won, the lease's end. */
function uncountBid(tables: Tables, bid: Bid, leasedUntil?: number): Write {
  return {
    item: {
      Update: {
        TableName: tables.records,
        Key: agentKey(bid.agentId),
        UpdateExpression: `${leasedUntil !== undefined ? 'SET leasedUntil = :until ' : ''}ADD pendingBids :minus`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':minus': -1, ...(leasedUntil !== undefined ? { ':until': leasedUntil } : {}) },
      },
    },
    explain: () => new NotFoundError('agent', bid.agentId),
  };
}

/**
 * A bid closed leaves its agent one bid fewer: it may have nothing left to live on, so the round's
 * death watch judges it. The payer's hold closes in the same transaction, and the ledger marks
 * the payer for that (adapters/dynamodb/ledger.ts); only an agent other than its payer (a
 * sponsored one) is marked here.
 */
function watchSponsored(tables: Tables, bid: Bid, now: number): Write[] {
  return bid.agentId === bid.payerId ? [] : [watchPut(tables, bid.agentId, now)];
}

export class DynamoBidBook implements BidBook {
  /** The last round begun, read once per round period at most (see economy/round-pointer.ts). */
  private readonly pointer: RoundPointer;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Tables,
    private readonly ledger: DynamoLedgerStore,
    /** The oracle's period: with it, the round pointer is read only when it may have moved. */
    roundSeconds?: number,
  ) {
    const rounds = new DynamoRoundLog(client, tables);
    this.pointer = new RoundPointer(() => rounds.state(), roundSeconds);
  }

  placeBid(req: Idempotent & { payerId: string; agentId: string; bundle: Bundle; amount: Micros }, credential?: CredentialCheck): Promise<Bid> {
    return this.ledger.commit('placeBid', req, async (ctx) => {
      const bid = newBid({ ...req, bidId: ctx.newId(), now: ctx.now, lastRound: await this.pointer.lastRound(ctx.now) });
      return {
        plan: planHold({ accountId: bid.payerId, amount: bid.amount, holdId: bid.holdId, reason: 'bid', ref: bid.bidId }, ctx),
        // Only the living may be bid for; the bid counts as their activity.
        writes: [bidPut(this.tables, bid), countBid(this.tables, bid)],
        result: bid,
      };
    }, credential && credentialCheck(this.tables, credential));
  }

  cancelBid(req: Idempotent & { payerId: string; bidId: string }, credential?: CredentialCheck): Promise<Bid> {
    return this.closeBid('cancelBid', req, 'cancelled', undefined, credential);
  }

  expireBid(req: Idempotent & { round: number; payerId: string; bidId: string }): Promise<Bid> {
    return this.closeBid('expireBid', req, 'expired', req.round);
  }

  private closeBid(
    operation: string,
    req: Idempotent & { payerId: string; bidId: string },
    to: 'cancelled' | 'expired',
    round?: number,
    credential?: CredentialCheck,
  ): Promise<Bid> {
    return this.ledger.commit(operation, req, async (ctx) => {
      const bid = await this.getBid(req.payerId, req.bidId);
      const closed = closedBid(bid, to, ctx.now, round);
      const hold = await this.ledger.getHold(bid.holdId);
      return {
        plan: planRelease(hold, { reason: to === 'cancelled' ? 'bid cancelled' : 'bid expired', ref: bid.bidId, as: to === 'cancelled' ? 'voided' : 'expired' }, ctx),
        writes: [this.closeWrite(closed), uncountBid(this.tables, bid), ...watchSponsored(this.tables, bid, ctx.now)],
        result: closed,
      };
    }, credential && credentialCheck(this.tables, credential));
  }

  settleWinner(req: Idempotent & { round: number; bid: Bid; payment: Micros; lease: Lease; payTo?: 'burn' | 'ubi' }): Promise<Lease> {
    // The lease's window is not part of the request's identity: a resumed round may compute it
    // again and must get the first one back. Nor is where the payment goes: a settlement replayed
    // after the payments setting changed returns the first one (and the pool holds what it got).
    const { lease, bid, payTo = 'burn', ...rest } = req;
    const identity = { ...rest, bidId: bid.bidId };
    return this.ledger.commit('settleWinner', identity, async (ctx) => {
      const hold = await this.ledger.getHold(bid.holdId);
      const won: Bid = { ...bid, state: 'won', payment: req.payment, leaseId: lease.leaseId, closedAt: ctx.now, closedRound: req.round };
      return {
        plan: planCapture(hold, { amount: req.payment, to: payTo === 'ubi' ? { ubi: req.round } : 'burn', reason: 'auction', ref: bid.bidId }, ctx),
        writes: [this.closeWrite(won), leasePut(this.tables, lease), uncountBid(this.tables, bid, lease.endsAt), ...watchSponsored(this.tables, bid, ctx.now)],
        result: lease,
      };
    });
  }

  /** Closes a pending bid: its new state, out of the pending index; refused unless still pending. */
  private closeWrite(bid: Bid): Write {
    const sets = ['#state = :state', 'closedAt = :closedAt'];
    const values: Record<string, unknown> = { ':state': bid.state, ':closedAt': bid.closedAt, ':pending': 'pending' };
    for (const field of ['closedRound', 'payment', 'leaseId'] as const) {
      if (bid[field] !== undefined) {
        sets.push(`${field} = :${field}`);
        values[`:${field}`] = bid[field];
      }
    }
    return {
      item: {
        Update: {
          TableName: this.tables.records,
          Key: bidKey(bid.payerId, bid.bidId),
          UpdateExpression: `SET ${sets.join(', ')} REMOVE gsi1pk, gsi1sk`,
          ConditionExpression: '#state = :pending',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: values,
        },
      },
      explain: (current) =>
        current ? new ConflictError(`bid ${bid.bidId} is already ${String(current.state)}`) : new NotFoundError('bid', bid.bidId),
    };
  }

  async getBid(payerId: string, bidId: string): Promise<Bid> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.records, Key: bidKey(payerId, bidId), ConsistentRead: true }));
    if (!Item) throw new NotFoundError('bid', bidId);
    return toBid(Item);
  }

  async listBids(payerId: string, page: { limit?: number; cursor?: string; state?: BidState } = {}): Promise<Page<Bid>> {
    const pk = `agent#${payerId}`;
    const { Items = [], LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tables.records,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :bid)',
        ExpressionAttributeValues: { ':pk': pk, ':bid': 'bid#', ...(page.state ? { ':state': page.state } : {}) },
        ...(page.state ? { FilterExpression: '#state = :state', ExpressionAttributeNames: { '#state': 'state' } } : {}),
        ScanIndexForward: false,
        Limit: pageLimit(page.limit),
        ...(page.cursor ? { ExclusiveStartKey: decodeCursor(page.cursor, pk, 'bid#') } : {}),
      }),
    );
    return { items: Items.map((i) => toBid(i)), ...encodeCursor(LastEvaluatedKey) };
  }

  async pendingBids(round: number): Promise<Bid[]> {
    return this.pendingUpTo(round);
  }

  async expiringBids(lastFirstRound: number): Promise<Bid[]> {
    return this.pendingUpTo(lastFirstRound);
  }

  /** Pending bids whose first round is `round` or before: a range of each shard of the index. */
  private async pendingUpTo(round: number): Promise<Bid[]> {
    const query = (shard: number) =>
      queryAll(this.client, {
        TableName: this.tables.records,
        IndexName: RECORDS_INDEX,
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk < :next',
        ExpressionAttributeValues: { ':pk': `${PENDING}#${shard}`, ':next': sortable(round + 1) },
      });
    const legacy = (shard: number) =>
      queryAll(this.client, {
        TableName: this.tables.records,
        IndexName: RECORDS_INDEX,
        KeyConditionExpression: 'gsi1pk = :pk',
        FilterExpression: 'firstRound <= :round',
        ExpressionAttributeValues: { ':pk': `${LEGACY_PENDING}#${shard}`, ':round': round },
      });
    const shards = await Promise.all(Array.from({ length: INDEX_SHARDS }, (_, shard) => [query(shard), legacy(shard)]).flat());
    return shards.flat().map((i) => toBid(i));
  }
}

const toBid = (item: Record<string, unknown>) => recordOf(item) as unknown as Bid;
