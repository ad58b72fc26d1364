/**
 * Agents and their credentials in the records table:
 *   agent#<id> / profile   { status, generation, lineage, createdAt }
 *   cred#<sha256> / cred   { agentId }    only the credential's hash is ever stored
 * A dead agent's credential item is deleted, so a credential lookup is one read.
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, ForbiddenError, NotFoundError } from '../../economy/errors.js';
import { planBurn, planOpenAccount, planSpawn } from '../../economy/ledger.js';
import type { Agent } from '../../economy/market.js';
import type { Micros } from '../../economy/money.js';
import type { AgentDirectory, Idempotent } from '../../economy/ports.js';
import type { DynamoLedgerStore } from './ledger.js';
import { queryIndex, recordOf } from './records.js';
import { sortable, TTL_ATTRIBUTE, type Tables } from './tables.js';
import type { Write } from './transact.js';

/** Every agent is listed in the index under one key, by creation time (agents are created at human scale). */
const AGENTS_INDEX_KEY = 'agents';

export const agentKey = (agentId: string) => ({ pk: `agent#${agentId}`, sk: 'profile' });

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
const credentialKey = (hash: string) => ({ pk: `cred#${hash}`, sk: 'cred' });

export class DynamoAgentDirectory implements AgentDirectory {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Tables,
    private readonly ledger: DynamoLedgerStore,
  ) {}

  createAgent(req: Idempotent & { agentId: string; credentialHash: string; endowment: Micros; round?: number }): Promise<{ agentId: string; credentialHash: string }> {
    // The new id and credential are made fresh by each attempt: only the endowment says what was asked.
    const identity = { idempotencyKey: req.idempotencyKey, endowment: req.endowment };
    return this.ledger.commit('createAgent', identity, (ctx) => {
      const agent: Agent = { agentId: req.agentId, status: 'alive', generation: 0, lineage: [], createdAt: ctx.now, lastActiveRound: req.round ?? 0 };
      return {
        plan: planOpenAccount({ accountId: req.agentId, ...(req.endowment > 0 ? { grant: { amount: req.endowment, ref: 'operator' } } : {}) }, ctx),
        writes: this.birthWrites(agent, req.credentialHash, ctx.now),
        result: { agentId: req.agentId, credentialHash: req.credentialHash },
      };
    });
  }

  spawnAgent(
    req: Idempotent & { parentId: string; childId: string; credentialHash: string; endowment: Micros; fee: Micros; round: number },
  ): Promise<{ agent: Agent; credentialHash: string }> {
    const identity = { idempotencyKey: req.idempotencyKey, parentId: req.parentId, endowment: req.endowment };
    return this.ledger.commit('spawnAgent', identity, async (ctx) => {
      const parent = await this.getAgent(req.parentId);
      if (parent.status !== 'alive') throw new ForbiddenError(`agent ${parent.agentId} is dead`);
      const child: Agent = {
        agentId: req.childId,
        status: 'alive',
        generation: parent.generation + 1,
        lineage: [parent.agentId, ...parent.lineage],
        createdAt: ctx.now,
        lastActiveRound: req.round,
      };
      return {
        plan: planSpawn({ parent: parent.agentId, child: child.agentId, fee: req.fee, endowment: req.endowment }, ctx),
        writes: [aliveCheck(this.tables, parent.agentId), ...this.birthWrites(child, req.credentialHash, ctx.now)],
        result: { agent: child, credentialHash: req.credentialHash },
      };
    });
  }

  /**
   * Death: the agent is marked dead, its own credential deleted (run credentials are refused for a
   * dead agent) and its leftover credits burned, in one transaction.
   */
  async bury(req: { agentId: string; round: number; reason: string }): Promise<{ burned: Micros }> {
    const agent = await this.getAgent(req.agentId);
    if (agent.status === 'dead') return { burned: 0 };
    const balance = await this.ledger.getBalance(req.agentId);
    const request = { idempotencyKey: `death-${req.agentId}`, agentId: req.agentId };
    return this.ledger.commit('bury', request, (ctx) => ({
      ...(balance.available > 0 ? { plan: planBurn({ from: req.agentId, amount: balance.available, reason: 'death', ref: req.agentId }, ctx) } : {}),
      writes: [
        {
          item: {
            Update: {
              TableName: this.tables.records,
              Key: agentKey(req.agentId),
              UpdateExpression: 'SET #status = :dead, diedRound = :round, deathReason = :reason',
              ConditionExpression: '#status = :alive',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':dead': 'dead', ':alive': 'alive', ':round': req.round, ':reason': req.reason },
            },
          },
          explain: () => new ConflictError(`agent ${req.agentId} is already dead`),
        },
        ...(agent.credentialHash ? [{ item: { Delete: { TableName: this.tables.records, Key: credentialKey(agent.credentialHash) } }, explain: () => new ConflictError('credential') }] : []),
      ],
      result: { burned: balance.available },
    }));
  }

  /** The profile and credential of a new agent: both only if absent. */
  private birthWrites(agent: Agent, credentialHash: string, now: number): Write[] {
    return [
      {
        item: {
          Put: {
            TableName: this.tables.records,
            Item: { ...agentKey(agent.agentId), t: 'agent', ...agent, credentialHash, gsi1pk: AGENTS_INDEX_KEY, gsi1sk: `${sortable(now)}#${agent.agentId}` },
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
    ];
  }

  async agentIdForCredential(credentialHash: string, now: number): Promise<string | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.records, Key: credentialKey(credentialHash) }));
    if (!Item) return undefined;
    // Run credentials expire with their run (DynamoDB's TTL removes them later), and die with their agent.
    const expiresAt = Item[TTL_ATTRIBUTE] as number | undefined;
    if (expiresAt !== undefined && expiresAt * 1000 <= now) return undefined;
    if (Item.kind === 'run' && (await this.getAgent(Item.agentId as string)).status !== 'alive') return undefined;
    return Item.agentId as string;
  }

  async addRunCredential(req: { agentId: string; credentialHash: string; expiresAt: number }): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tables.records,
        Item: { ...credentialKey(req.credentialHash), t: 'credential', agentId: req.agentId, kind: 'run', [TTL_ATTRIBUTE]: Math.ceil(req.expiresAt / 1000) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async listAgents(limit: number): Promise<Agent[]> {
    return (await queryIndex(this.client, this.tables, AGENTS_INDEX_KEY, limit)).map(toAgent);
  }

  async getAgent(agentId: string): Promise<Agent & { credentialHash?: string }> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.records, Key: agentKey(agentId), ConsistentRead: true }));
    if (!Item) throw new NotFoundError('agent', agentId);
    return toAgent(Item);
  }
}

const toAgent = (item: Record<string, unknown>) => recordOf(item) as unknown as Agent & { credentialHash?: string };
