/**
 * Artifacts in the records table (`artifact#<id>` / `artifact`), indexed by owner
 * (`artifacts#<owner>` in the sparse index); an open listing also has a marker in the `listings`
 * partition, sorted by when it was listed, so that listings can be read without a scan (written
 * and removed in the transactions that list, unlist and sell). Every change is conditional on the version read, so
 * of two concurrent buyers exactly one wins; a purchase moves the credits, the ownership and
 * closes the listing in one transaction, and so does a loan (the transfer and the debt) and a
 * repayment (to the debt's owner at that moment).
 */
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { listed, newArtifact, newDebt, repaid, sold, unlisted, type Artifact, type ArtifactKind, type OpenListing } from '../../economy/artifacts.js';
import { ConflictError, NotFoundError } from '../../economy/errors.js';
import { planTransfer } from '../../economy/ledger.js';
import type { Micros } from '../../economy/money.js';
import type { ArtifactBook, Idempotent, Page } from '../../economy/ports.js';
import { aliveCheck } from './agents.js';
import { artifactKey } from './keys.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { pageLimit } from '../../economy/pages.js';
import type { DynamoLedgerStore } from './ledger.js';
import { queryIndex, recordOf } from './records.js';
import { sortable, type Tables } from './tables.js';
import type { Write } from './transact.js';

const LISTINGS = 'listings';
const listingKey = (artifactId: string, listedAt: number) => ({ pk: LISTINGS, sk: `${sortable(listedAt)}#${artifactId}` });
const ownerIndex = (a: Artifact) => ({ gsi1pk: `artifacts#${a.ownerId}`, gsi1sk: `${sortable(a.createdAt)}#${a.artifactId}` });

export class DynamoArtifacts implements ArtifactBook {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Tables,
    private readonly ledger: DynamoLedgerStore,
  ) {}

  async get(artifactId: string): Promise<Artifact> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.records, Key: artifactKey(artifactId), ConsistentRead: true }));
    if (!Item) throw new NotFoundError('artifact', artifactId);
    return recordOf(Item) as unknown as Artifact;
  }

  async owned(ownerId: string): Promise<Artifact[]> {
    return (await queryIndex(this.client, this.tables, `artifacts#${ownerId}`)) as unknown as Artifact[];
  }

  /** Data or code with its content, or the caller's own config right (one per agent). */
  create(req: Idempotent & { ownerId: string; kind: Exclude<ArtifactKind, 'debt'>; content?: string }): Promise<Artifact> {
    return this.ledger.commit('createArtifact', req, (ctx) => {
      const artifact = newArtifact(req, ctx);
      return { writes: [this.putNew(artifact)], result: artifact };
    });
  }

  list(req: Idempotent & { ownerId: string; artifactId: string; price: Micros; buyer?: string }): Promise<Artifact> {
    return this.change('listArtifact', req, (artifact, now) => listed(artifact, req, now));
  }

  unlist(req: Idempotent & { ownerId: string; artifactId: string }): Promise<Artifact> {
    return this.change('unlistArtifact', req, (artifact) => unlisted(artifact, req.ownerId));
  }

  /** Buys a listed artifact: price to the owner, ownership to the buyer, listing closed, at once. */
  purchase(req: Idempotent & { buyerId: string; artifactId: string; price: Micros }): Promise<Artifact> {
    return this.ledger.commit('purchaseArtifact', req, async (ctx) => {
      const artifact = await this.get(req.artifactId);
      const { bought, seller, price } = sold(artifact, req);
      return {
        plan: planTransfer({ from: req.buyerId, to: seller, amount: price, reason: 'purchase', ref: artifact.artifactId }, ctx),
        // Only a living seller is paid.
        writes: [this.replace(artifact, bought), ...this.listingWrites(artifact, bought), aliveCheck(this.tables, seller)],
        result: bought,
      };
    });
  }

  /** A loan: the lender's credits to the borrower, and a debt owned by the lender, at once. */
  lend(req: Idempotent & { lender: string; borrower: string; amount: Micros }): Promise<Artifact> {
    return this.ledger.commit('lend', req, (ctx) => {
      const debt = newDebt(req, ctx);
      return {
        plan: planTransfer({ from: req.lender, to: req.borrower, amount: req.amount, reason: 'loan', ref: debt.artifactId }, ctx),
        writes: [this.putNew(debt), aliveCheck(this.tables, req.borrower)],
        result: debt,
      };
    });
  }

  /** The debtor repays part or all of a debt, to whoever owns it now. */
  repay(req: Idempotent & { debtor: string; artifactId: string; amount: Micros }): Promise<Artifact> {
    return this.ledger.commit('repay', req, async (ctx) => {
      const debt = await this.get(req.artifactId);
      const after = repaid(debt, req);
      return {
        plan: planTransfer({ from: req.debtor, to: debt.ownerId, amount: req.amount, reason: 'repayment', ref: debt.artifactId }, ctx),
        // A debt owned by a dead agent can no longer be repaid: nothing pays the dead.
        writes: [this.replace(debt, after), ...this.listingWrites(debt, after), aliveCheck(this.tables, debt.ownerId)],
        result: after,
      };
    });
  }

  /** Open listings, newest first. */
  async listings(page: { limit?: number; cursor?: string } = {}): Promise<Page<OpenListing>> {
    const { Items = [], LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tables.records,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': LISTINGS },
        ScanIndexForward: false,
        Limit: pageLimit(page.limit),
        ...(page.cursor ? { ExclusiveStartKey: decodeCursor(page.cursor, LISTINGS) } : {}),
      }),
    );
    return { items: Items.map((i) => recordOf(i) as unknown as OpenListing), ...encodeCursor(LastEvaluatedKey) };
  }

  /** A change by the owner, conditional on the version read. */
  private change(operation: string, req: Idempotent & { artifactId: string }, apply: (artifact: Artifact, now: number) => Artifact): Promise<Artifact> {
    return this.ledger.commit(operation, req, async (ctx) => {
      const artifact = await this.get(req.artifactId);
      const after = apply(artifact, ctx.now);
      return { writes: [this.replace(artifact, after), ...this.listingWrites(artifact, after)], result: after };
    });
  }

  /** The listing markers that follow a change from `before` to `after`: the old one out, the new one in. */
  private listingWrites(before: Artifact, after: Artifact): Write[] {
    const was = before.listing ? listingKey(before.artifactId, before.listing.listedAt) : undefined;
    const now = after.listing ? listingKey(after.artifactId, after.listing.listedAt) : undefined;
    const writes: Write[] = [];
    if (was && (!now || was.sk !== now.sk)) writes.push({ item: { Delete: { TableName: this.tables.records, Key: was } }, explain: () => new ConflictError('listing') });
    if (now && after.listing) {
      const listing: OpenListing = {
        artifactId: after.artifactId,
        kind: after.kind,
        sellerId: after.ownerId,
        price: after.listing.price,
        listedAt: after.listing.listedAt,
        ...(after.listing.buyer ? { buyer: after.listing.buyer } : {}),
        ...(after.subjectAgentId ? { subjectAgentId: after.subjectAgentId } : {}),
        ...(after.debtor ? { debtor: after.debtor, outstanding: after.outstanding } : {}),
      };
      writes.push({ item: { Put: { TableName: this.tables.records, Item: { ...now, t: 'listing', ...listing } } }, explain: () => new ConflictError('listing') });
    }
    return writes;
  }

  private putNew(artifact: Artifact): Write {
    return {
      item: { Put: { TableName: this.tables.records, Item: { ...artifactKey(artifact.artifactId), t: 'artifact', ...artifact, ...ownerIndex(artifact) }, ConditionExpression: 'attribute_not_exists(pk)' } },
      explain: () => new ConflictError(`artifact ${artifact.artifactId} exists already`),
    };
  }

  /** The whole new version, written only if the stored one is still the version read. */
  private replace(previous: Artifact, next: Artifact): Write {
    return {
      item: {
        Put: {
          TableName: this.tables.records,
          Item: { ...artifactKey(next.artifactId), t: 'artifact', ...next, ...ownerIndex(next) },
          ConditionExpression: 'version = :version',
          ExpressionAttributeValues: { ':version': previous.version },
        },
      },
      explain: () => new ConflictError(`artifact ${previous.artifactId} changed meanwhile (sold, relisted or repaid): try again`),
    };
  }
}
