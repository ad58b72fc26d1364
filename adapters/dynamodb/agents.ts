/**
 * Agents and their credentials in the records table:
 *   agent#<id> / profile   { status, generation, lineage, createdAt, pendingBids, lastBidAt,
 *                            leasedUntil, credentialHash, runId, runCredentialHash }
 *   cred#<sha256> / cred   { agentId, kind?, runId?, expiresAt? }   only a credential's hash is stored
 *                          (kind: none for the agent's own, `run` or `supervisor`: see run-credentials.ts)
 * An agent's own credential lives as long as the agent; a run credential as long as one run (see
 * run-credentials.ts). A dead agent's credentials are deleted, so a credential lookup is one read.
 */
import { GetCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { assertConfig, assertMayConfigure, configRightId, type Artifact } from '../../economy/artifacts.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../economy/errors.js';
import { planDeath, planOpenAccount, planSpawn } from '../../economy/ledger.js';
import { newAgent, newBid, newChild, planFirstBid, type Agent, type Bid } from '../../economy/market.js';
import type { Micros } from '../../economy/money.js';
import type { PlanContext } from '../../economy/ledger.js';
import type { AgentDirectory, Birth, FirstBid, Idempotent, Judged, Page } from '../../economy/ports.js';
import { agentKey, artifactKey, credentialKey } from './keys.js';
import { bidPut } from './bids.js';
import { watchPut } from './death-watch.js';
import type { Built, DynamoLedgerStore } from './ledger.js';
import { queryAll, queryUpTo, recordOf } from './records.js';
import { pageLimit } from '../../economy/pages.js';
import { INDEX_SHARDS, RECORDS_INDEX, shardOf, sortable, TTL_ATTRIBUTE, type Tables } from './tables.js';
import type { Write } from './transact.js';

/**
 * Every agent is listed in the index by creation time, under one of several keys: a profile is
 * rewritten in the index by every change to it (each bid placed or closed for the agent), and
 * under one key those writes would all land on one partition (1,000 writes a second at most).
 * Agents from before the shards are under the unsharded key, which is read too.
 */
const AGENTS_INDEX_KEY = 'agents';
const agentsIndexKey = (agentId: string) => `${AGENTS_INDEX_KEY}#${shardOf(agentId, INDEX_SHARDS)}`;
const AGENTS_INDEX_KEYS = [AGENTS_INDEX_KEY, ...Array.from({ length: INDEX_SHARDS }, (_, shard) => `${AGENTS_INDEX_KEY}#${shard}`)];
/** A directory cursor: the index sort key of the last agent listed. */
const DIRECTORY_POSITION = /^\d{16}#[A-Za-z0-9_-]{1,64}$/;


/** A transaction item that holds only while the agent is alive (404 if there is no such agent, 403 if dead). */
export function aliveCheck(tables: Tables, agentId: string): Write {
  return {
    item: {
      ConditionCheck: {
        TableName: tables.records,
        Key: agentKey(agentId),
        ConditionExpression: '#status = :alive',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':alive': 'alive' },
      },
    },
    explain: (current) => (current ? new ForbiddenError(`agent ${agentId} is dead`) : new NotFoundError('agent', agentId)),
  };
}

/** The stored profile: the agent, with the hashes of its credentials. */
export type Profile = Agent & { credentialHash?: string; runId?: string; runCredentialHash?: string; supervisorTokenHash?: string };

export class DynamoAgentDirectory implements AgentDirectory {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Tables,
    private readonly ledger: DynamoLedgerStore,
  ) {}

  createAgent(
    req: Idempotent & Birth & { agentId: string; credentialHash: string; endowment: Micros; round: number; firstBid?: FirstBid },
  ): Promise<{ agent: Agent; credentialHash: string; bid?: Bid }> {
    // The new id and credential are made fresh by each attempt: only what was asked is the request.
    const identity = { idempotencyKey: req.idempotencyKey, endowment: req.endowment, firstBid: req.firstBid, filesHash: req.filesHash };
    return this.birth('createAgent', identity, req.prepare, (ctx) => {
      const opening = planOpenAccount({ accountId: req.agentId, ...(req.endowment > 0 ? { grant: { amount: req.endowment, ref: 'operator' } } : {}) }, ctx);
      const bid = req.firstBid && newBid({ ...req.firstBid, bidId: ctx.newId(), agentId: req.agentId, payerId: req.agentId, now: ctx.now, lastRound: req.round });
      const agent = newAgent({ agentId: req.agentId, now: ctx.now, bid });
      return {
        plan: bid ? planFirstBid(opening, req.endowment, bid, ctx) : opening,
        writes: [...this.birthWrites(agent, req.credentialHash, ctx.now), ...(bid ? [bidPut(this.tables, bid)] : [])],
        result: { agent, credentialHash: req.credentialHash, ...(bid ? { bid } : {}) },
      };
    });
  }

  spawnAgent(
    req: Idempotent & Birth & { parentId: string; childId: string; credentialHash: string; endowment: Micros; fee: Micros; round: number; firstBid?: FirstBid },
  ): Promise<{ agent: Agent; credentialHash: string; bid?: Bid }> {
    const identity = { idempotencyKey: req.idempotencyKey, parentId: req.parentId, endowment: req.endowment, firstBid: req.firstBid, filesHash: req.filesHash };
    return this.birth('spawnAgent', identity, req.prepare, async (ctx) => {
      const parent = await this.getAgent(req.parentId);
      const bid = req.firstBid && newBid({ ...req.firstBid, bidId: ctx.newId(), agentId: req.childId, payerId: req.childId, now: ctx.now, lastRound: req.round });
      const child = newChild(parent, { agentId: req.childId, now: ctx.now, bid });
      const spawn = planSpawn({ parent: parent.agentId, child: child.agentId, fee: req.fee, endowment: req.endowment }, ctx);
      return {
        plan: bid ? planFirstBid(spawn, req.endowment, bid, ctx) : spawn,
        writes: [aliveCheck(this.tables, parent.agentId), ...this.birthWrites(child, req.credentialHash, ctx.now), ...(bid ? [bidPut(this.tables, bid)] : [])],
        result: { agent: child, credentialHash: req.credentialHash, ...(bid ? { bid } : {}) },
      };
    });
  }

  /** Sets an agent's strategy configuration: by the owner of its config right, or by itself while it has none. */
  async setConfig(req: Idempotent & { callerId: string; agentId: string; config: Record<string, unknown> }): Promise<void> {
    assertConfig(req.config);
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.records, Key: artifactKey(configRightId(req.agentId)), ConsistentRead: true }));
    const right = Item ? (recordOf(Item) as unknown as Artifact) : undefined;
    assertMayConfigure(right, req);
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

  /** A replay returns the first birth and prepares nothing; a new request prepares, then commits. */
  private async birth<R>(operation: string, identity: Idempotent, prepare: (() => Promise<void>) | undefined, build: (ctx: PlanContext) => Promise<Built<R>> | Built<R>): Promise<R> {
    const prior = await this.ledger.prior<R>(operation, identity);
    if (prior) return prior;
    await prepare?.();
    return this.ledger.commit(operation, identity, build);
  }

  /**
   * Death: the agent is marked dead, its credentials deleted and its leftover credits burned, in
   * one transaction that holds only if the agent is exactly as the round judged it: no pending bid
   * for it, the same last bid, the same run, the same balance.
   */
  async bury(req: { agentId: string; round: number; reason: string; judged: Judged }): Promise<{ burned: Micros }> {
    const agent = await this.getAgent(req.agentId);
    if (agent.status === 'dead') return { burned: 0 };
    const { judged } = req;
    const request = { idempotencyKey: `death-${req.agentId}`, agentId: req.agentId };
    const conditions = ['#status = :alive', '(attribute_not_exists(pendingBids) OR pendingBids = :pending)'];
    const values: Record<string, unknown> = { ':dead': 'dead', ':alive': 'alive', ':round': req.round, ':reason': req.reason, ':pending': judged.pendingBids };
    if (judged.lastBidAt === undefined) conditions.push('attribute_not_exists(lastBidAt)');
    else {
      conditions.push('lastBidAt = :lastBidAt');
      values[':lastBidAt'] = judged.lastBidAt;
    }
    if (agent.runId === undefined) conditions.push('attribute_not_exists(runId)');
    else {
      conditions.push('runId = :runId');
      values[':runId'] = agent.runId;
    }
    const deleteCredential = (hash: string | undefined): Write[] =>
      hash ? [{ item: { Delete: { TableName: this.tables.records, Key: credentialKey(hash) } }, explain: () => new ConflictError('credential') }] : [];
    return this.ledger.commit('bury', request, (ctx) => ({
      plan: planDeath({ accountId: req.agentId, available: judged.available, held: judged.held }, ctx),
      writes: [
        {
          item: {
            Update: {
              TableName: this.tables.records,
              Key: agentKey(req.agentId),
              UpdateExpression: 'SET #status = :dead, diedRound = :round, deathReason = :reason REMOVE runId, runCredentialHash, supervisorTokenHash',
              ConditionExpression: conditions.join(' AND '),
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: values,
            },
          },
          explain: (current) =>
            current?.status === 'dead' ? new ConflictError(`agent ${req.agentId} is already dead`) : new ConflictError(`agent ${req.agentId} changed since it was judged`),
        },
        ...deleteCredential(agent.credentialHash),
        ...deleteCredential(agent.runCredentialHash),
        ...deleteCredential(agent.supervisorTokenHash),
      ],
      result: { burned: judged.available },
    }));
  }

  /** The profile and credential of a new agent: both only if absent. */
  private birthWrites(agent: Agent, credentialHash: string, now: number): Write[] {
    return [
      {
        item: {
          Put: {
            TableName: this.tables.records,
            Item: { ...agentKey(agent.agentId), t: 'agent', ...agent, credentialHash, gsi1pk: agentsIndexKey(agent.agentId), gsi1sk: `${sortable(now)}#${agent.agentId}` },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        explain: () => new ConflictError(`agent ${agent.agentId} already exists`),
      },
      {
        item: {
          Put: {
            TableName: this.tables.records,
            Item: { ...credentialKey(credentialHash), t: 'credential', agentId: agent.agentId },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        explain: () => new ConflictError('credential already in use'),
      },
      // Judged at the next round, like every change that can leave an agent with nothing to live on.
      watchPut(this.tables, agent.agentId, now),
    ];
  }

  async agentIdForCredential(credentialHash: string, now: number): Promise<string | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.records, Key: credentialKey(credentialHash) }));
    if (!Item) return undefined;
    // A supervisor's token is not an agent's credential: it opens only the run's own routes.
    if (Item.kind === 'supervisor') return undefined;
    // A run credential expires with its run (and DynamoDB's TTL removes it later); death deletes every credential.
    const expiresAt = Item[TTL_ATTRIBUTE] as number | undefined;
    if (expiresAt !== undefined && expiresAt * 1000 <= now) return undefined;
    return Item.agentId as string;
  }

  async listAgents(limit?: number): Promise<Agent[]> {
    return (await this.listed(limit)).items.map(toAgent);
  }

  async directory(page: { limit?: number; cursor?: string } = {}): Promise<Page<Agent>> {
    const { items, more } = await this.listed(pageLimit(page.limit), page.cursor === undefined ? undefined : decodePosition(page.cursor));
    const last = items.at(-1);
    return { items: items.map(toAgent), ...(more && last ? { cursor: Buffer.from(JSON.stringify({ after: last.gsi1sk })).toString('base64url') } : {}) };
  }

  /** Agents oldest first, after a position: every shard of the index read up to `limit`, merged. */
  private async listed(limit?: number, after?: string): Promise<{ items: Record<string, unknown>[]; more: boolean }> {
    const parts = await Promise.all(
      AGENTS_INDEX_KEYS.map(async (key) => {
        const input: QueryCommandInput = {
          TableName: this.tables.records,
          IndexName: RECORDS_INDEX,
          KeyConditionExpression: after === undefined ? 'gsi1pk = :pk' : 'gsi1pk = :pk AND gsi1sk > :after',
          ExpressionAttributeValues: { ':pk': key, ...(after === undefined ? {} : { ':after': after }) },
        };
        if (limit === undefined) return { items: await queryAll(this.client, input), more: false };
        // One more than asked: whether this shard has more to list.
        const items = await queryUpTo(this.client, input, limit + 1);
        return { items, more: items.length > limit };
      }),
    );
    const merged = parts.flatMap((p) => p.items).sort((a, b) => (String(a.gsi1sk) < String(b.gsi1sk) ? -1 : 1));
    if (limit === undefined) return { items: merged, more: false };
    return { items: merged.slice(0, limit), more: merged.length > limit || parts.some((p) => p.more) };
  }

  async getAgent(agentId: string): Promise<Profile> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.records, Key: agentKey(agentId), ConsistentRead: true }));
    if (!Item) throw new NotFoundError('agent', agentId);
    return toAgent(Item);
  }
}

const toAgent = (item: Record<string, unknown>) => recordOf(item) as unknown as Profile;

function decodePosition(cursor: string): string {
  try {
    const position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (Object.keys(position).join() === 'after' && typeof position.after === 'string' && DIRECTORY_POSITION.test(position.after)) return position.after;
  } catch {
    // fall through to the validation error
  }
  throw new ValidationError('cursor is not valid here', { field: 'cursor' });
}
