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
import { assertConfig, assertContent, configRightId, type Artifact, type ArtifactKind, type OpenListing } from '../../economy/artifacts.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../economy/errors.js';
import { planTransfer } from '../../economy/ledger.js';
import { assertMicros, type Micros } from '../../economy/money.js';
import type { ArtifactBook, Idempotent, Page } from '../../economy/ports.js';
import { agentKey, aliveCheck } from './agents.js';
import { assertLimit, decodeCursor, encodeCursor } from './cursor.js';
import type { DynamoLedgerStore } from './ledger.js';
import { queryIndex, recordOf } from './records.js';
import { sortable, type Tables } from './tables.js';
import type { Write } from './transact.js';

const artifactKey = (id: string) => ({ pk: `artifact#${id}`, sk: 'artifact' });
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
      if (req.kind !== 'config-right') assertContent(req.content);
      else if (req.content !== undefined) throw new ValidationError('a config right has no content', { field: 'content' });
      const artifact: Artifact = {
        artifactId: req.kind === 'config-right' ? configRightId(req.ownerId) : ctx.newId(),
        kind: req.kind,
        ownerId: req.ownerId,
        createdBy: req.ownerId,
        createdAt: ctx.now,
        ...(req.kind === 'config-right' ? { subjectAgentId: req.ownerId } : { content: req.content! }),
        version: 1,
      };
      return { writes: [this.putNew(artifact)], result: artifact };
    });
  }

  list(req: Idempotent & { ownerId: string; artifactId: string; price: Micros; buyer?: string }): Promise<Artifact> {
    return this.change('listArtifact', req, (artifact, now) => {
      assertMicros(req.price, 'price', 'positive');
      if (req.buyer === req.ownerId) throw new ValidationError('an owner cannot sell to itself', { field: 'buyer' });
      return { ...artifact, listing: { price: req.price, listedAt: now, ...(req.buyer ? { buyer: req.buyer } : {}) } };
    });
  }

  unlist(req: Idempotent & { ownerId: string; artifactId: string }): Promise<Artifact> {
    return this.change('unlistArtifact', req, (artifact) => {
      if (!artifact.listing) throw new ConflictError(`artifact ${artifact.artifactId} is not listed`);
      const { listing: _listing, ...rest } = artifact;
      return rest;
    });
  }

  /** Buys a listed artifact: price to the owner, ownership to the buyer, listing closed, at once. */
  purchase(req: Idempotent & { buyerId: string; artifactId: string; price: Micros }): Promise<Artifact> {
    return this.ledger.commit('purchaseArtifact', req, async (ctx) => {
      const artifact = await this.get(req.artifactId);
      const listing = artifact.listing;
      if (!listing) throw new ConflictError(`artifact ${artifact.artifactId} is not for sale`);
      // The price read is the price paid: the write below holds only if the artifact is unchanged since.
      if (listing.price !== req.price) throw new ConflictError(`artifact ${artifact.artifactId} costs ${listing.price} µcr now, not ${req.price}`, { price: listing.price });
      if (listing.buyer && listing.buyer !== req.buyerId) throw new ForbiddenError(`artifact ${artifact.artifactId} is offered to another buyer`);
      if (artifact.ownerId === req.buyerId) throw new ConflictError('you own it already');
      const { listing: _sold, ...rest } = artifact;
      const bought: Artifact = { ...rest, ownerId: req.buyerId, version: artifact.version + 1 };
      return {
        plan: planTransfer({ from: req.buyerId, to: artifact.ownerId, amount: listing.price, reason: 'purchase', ref: artifact.artifactId }, ctx),
        // Only a living seller is paid.
        writes: [this.replace(artifact, bought), ...this.listingWrites(artifact, bought), aliveCheck(this.tables, artifact.ownerId)],
        result: bought,
      };
    });
  }

  /** A loan: the lender's credits to the borrower, and a debt owned by the lender, at once. */
  lend(req: Idempotent & { lender: string; borrower: string; amount: Micros }): Promise<Artifact> {
    return this.ledger.commit('lend', req, (ctx) => {
      const debt: Artifact = {
        artifactId: ctx.newId(),
        kind: 'debt',
        ownerId: req.lender,
        createdBy: req.lender,
        createdAt: ctx.now,
        debtor: req.borrower,
        outstanding: req.amount,
        version: 1,
      };
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
      if (debt.kind !== 'debt' || debt.debtor !== req.debtor) throw new ForbiddenError('only the debtor repays a debt');
      assertMicros(req.amount, 'amount', 'positive');
      if (req.amount > (debt.outstanding ?? 0)) throw new ValidationError(`only ${debt.outstanding ?? 0} µcr is owed`, { field: 'amount' });
      const repaid: Artifact = { ...debt, outstanding: (debt.outstanding ?? 0) - req.amount, version: debt.version + 1 };
      return {
        plan: planTransfer({ from: req.debtor, to: debt.ownerId, amount: req.amount, reason: 'repayment', ref: debt.artifactId }, ctx),
        // A debt owned by a dead agent can no longer be repaid: nothing pays the dead.
        writes: [this.replace(debt, repaid), ...this.listingWrites(debt, repaid), aliveCheck(this.tables, debt.ownerId)],
        result: repaid,
      };
    });
  }

  /** Sets an agent's strategy configuration: by the owner of its config right, or by itself while it has none. */
  async setConfig(req: Idempotent & { callerId: string; agentId: string; config: Record<string, unknown> }): Promise<void> {
    assertConfig(req.config);
    const right = await this.get(configRightId(req.agentId)).catch((err: unknown) => {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    });
    const allowed = right ? right.ownerId === req.callerId : req.callerId === req.agentId;
    if (!allowed) throw new ForbiddenError(`only the owner of agent ${req.agentId}'s config right may change its configuration`);
    await this.ledger.commit('setConfig', req, () => ({
      writes: [
        {
          item: {
            Update: {
              TableName: this.tables.records,
              Key: agentKey(req.agentId),
              UpdateExpression: 'SET config = :config',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':config': req.config },
            },
          },
          explain: () => new NotFoundError('agent', req.agentId),
        },
        // The right must still be the caller's when the change lands.
        ...(right
          ? [
              {
                item: {
                  ConditionCheck: {
                    TableName: this.tables.records,
                    Key: artifactKey(right.artifactId),
                    ConditionExpression: 'ownerId = :caller',
                    ExpressionAttributeValues: { ':caller': req.callerId },
                  },
                },
                explain: () => new ForbiddenError('the config right changed hands'),
              } satisfies Write,
            ]
          : []),
      ],
      result: null,
    }));
  }

  /** Open listings, newest first. */
  async listings(page: { limit?: number; cursor?: string } = {}): Promise<Page<OpenListing>> {
    const { Items = [], LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tables.records,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': LISTINGS },
        ScanIndexForward: false,
        Limit: assertLimit(page.limit),
        ...(page.cursor ? { ExclusiveStartKey: decodeCursor(page.cursor, LISTINGS) } : {}),
      }),
    );
    return { items: Items.map((i) => recordOf(i) as unknown as OpenListing), ...encodeCursor(LastEvaluatedKey) };
  }

  /** A change by the owner, conditional on the version read. */
  private change(operation: string, req: Idempotent & { ownerId: string; artifactId: string }, apply: (artifact: Artifact, now: number) => Artifact): Promise<Artifact> {
    return this.ledger.commit(operation, req, async (ctx) => {
      const artifact = await this.get(req.artifactId);
      if (artifact.ownerId !== req.ownerId) throw new ForbiddenError(`artifact ${artifact.artifactId} is not yours`);
      const next = { ...apply(artifact, ctx.now), version: artifact.version + 1 };
      return { writes: [this.replace(artifact, next), ...this.listingWrites(artifact, next)], result: next };
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
