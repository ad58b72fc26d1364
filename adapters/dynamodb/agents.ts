/**
 * Agents and their credentials in the records table:
 *   agent#<id> / profile   { status, generation, lineage, createdAt }
 *   cred#<sha256> / cred   { agentId }    only the credential's hash is ever stored
 * A dead agent's credential item is deleted, so a credential lookup is one read.
 */
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../../economy/errors.js';
import { planOpenAccount } from '../../economy/ledger.js';
import type { Agent } from '../../economy/market.js';
import type { Micros } from '../../economy/money.js';
import type { AgentDirectory, Idempotent } from '../../economy/ports.js';
import type { DynamoLedgerStore } from './ledger.js';
import { RECORDS_INDEX, sortable, TTL_ATTRIBUTE, type Tables } from './tables.js';

/** Every agent is listed in the index under one key, by creation time (agents are created at human scale). */
const AGENTS_INDEX_KEY = 'agents';

export const agentKey = (agentId: string) => ({ pk: `agent#${agentId}`, sk: 'profile' });
const credentialKey = (hash: string) => ({ pk: `cred#${hash}`, sk: 'cred' });

export class DynamoAgentDirectory implements AgentDirectory {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Tables,
    private readonly ledger: DynamoLedgerStore,
  ) {}

  createAgent(req: Idempotent & { agentId: string; credentialHash: string; endowment: Micros }): Promise<{ agentId: string; credentialHash: string }> {
    // The new id and credential are made fresh by each attempt: only the endowment says what was asked.
    const identity = { idempotencyKey: req.idempotencyKey, endowment: req.endowment };
    return this.ledger.commit('createAgent', identity, (ctx) => {
      const agent: Agent = { agentId: req.agentId, status: 'alive', generation: 0, lineage: [], createdAt: ctx.now };
      return {
        plan: planOpenAccount({ accountId: req.agentId, ...(req.endowment > 0 ? { grant: { amount: req.endowment, ref: 'operator' } } : {}) }, ctx),
        writes: [
          {
            item: {
              Put: {
                TableName: this.tables.records,
                Item: { ...agentKey(req.agentId), t: 'agent', ...agent, gsi1pk: AGENTS_INDEX_KEY, gsi1sk: `${sortable(ctx.now)}#${req.agentId}` },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            explain: () => new ConflictError(`agent ${req.agentId} already exists`),
          },
          {
            item: {
              Put: {
                TableName: this.tables.records,
                Item: { ...credentialKey(req.credentialHash), t: 'credential', agentId: req.agentId },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            explain: () => new ConflictError('credential already in use'),
          },
        ],
        result: { agentId: req.agentId, credentialHash: req.credentialHash },
      };
    });
  }

  async agentIdForCredential(credentialHash: string, now: number): Promise<string | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.records, Key: credentialKey(credentialHash) }));
    if (!Item) return undefined;
    // Run credentials expire with their run (DynamoDB's TTL removes them later).
    const expiresAt = Item[TTL_ATTRIBUTE] as number | undefined;
    if (expiresAt !== undefined && expiresAt * 1000 <= now) return undefined;
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
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tables.records,
        IndexName: RECORDS_INDEX,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': AGENTS_INDEX_KEY },
        Limit: limit,
      }),
    );
    return Items.map(toAgent);
  }

  async getAgent(agentId: string): Promise<Agent> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.records, Key: agentKey(agentId), ConsistentRead: true }));
    if (!Item) throw new NotFoundError('agent', agentId);
    return toAgent(Item);
  }
}

function toAgent(item: Record<string, unknown>): Agent {
  const { pk: _pk, sk: _sk, t: _t, gsi1pk: _g1, gsi1sk: _g2, ...agent } = item;
  return agent as unknown as Agent;
}
