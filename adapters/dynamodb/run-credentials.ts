/**
 * Run credentials in the records table. The agent's profile names its one current run
 * (`runId`, `runCredentialHash`); the credential item `cred#<hash>` carries the run's expiry
 * (`expiresAt`, epoch seconds, which DynamoDB's TTL also reads). Issuing a run replaces the
 * previous one and deletes its credential in the same transaction; extending moves the expiry
 * forward; revoking deletes it. Only a living agent gets a run.
 */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import { credentialHash, newCredential } from '../../economy/credentials.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../economy/errors.js';
import type { RunCredentials } from '../../economy/ports.js';
import { agentKey, credentialKey, type Profile } from './agents.js';
import { isConditionFailure } from './conditions.js';
import { TTL_ATTRIBUTE, type Tables } from './tables.js';
import { transactWrite, type Write } from './transact.js';

const seconds = (ms: number) => Math.ceil(ms / 1000);

export class DynamoRunCredentials implements RunCredentials {
  private readonly newId = monotonicFactory();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Tables,
  ) {}

  async issue(agentId: string, expiresAt: number): Promise<{ runId: string; credential: string }> {
    const profile = await this.profile(agentId);
    const runId = this.newId();
    const credential = newCredential();
    const hash = credentialHash(credential);
    const previous = profile.runId === undefined ? 'attribute_not_exists(runId)' : 'runId = :previous';
    const writes: Write[] = [
      {
        item: {
          Put: {
            TableName: this.tables.records,
            Item: { ...credentialKey(hash), t: 'credential', agentId, kind: 'run', runId, [TTL_ATTRIBUTE]: seconds(expiresAt) },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        explain: () => new ConflictError('credential already in use'),
      },
      {
        item: {
          Update: {
            TableName: this.tables.records,
            Key: agentKey(agentId),
            UpdateExpression: 'SET runId = :runId, runCredentialHash = :hash',
            ConditionExpression: `#status = :alive AND ${previous}`,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':runId': runId, ':hash': hash, ':alive': 'alive', ...(profile.runId === undefined ? {} : { ':previous': profile.runId }) },
          },
        },
        explain: (current) =>
          current?.status === 'alive' ? new ConflictError(`agent ${agentId} started another run meanwhile`) : new ForbiddenError(`agent ${agentId} is dead`),
      },
    ];
    if (profile.runCredentialHash) writes.push({ item: { Delete: { TableName: this.tables.records, Key: credentialKey(profile.runCredentialHash) } }, explain: () => new ConflictError('credential') });
    await transactWrite(this.client, writes);
    return { runId, credential };
  }

  async extend(agentId: string, runId: string, expiresAt: number): Promise<void> {
    const profile = await this.profile(agentId);
    if (profile.runId !== runId || !profile.runCredentialHash) throw new ConflictError(`run ${runId} of agent ${agentId} is over`);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tables.records,
          Key: credentialKey(profile.runCredentialHash),
          UpdateExpression: 'SET #expires = :expires',
          ConditionExpression: 'attribute_exists(pk) AND runId = :runId AND #expires < :expires',
          ExpressionAttributeNames: { '#expires': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':expires': seconds(expiresAt), ':runId': runId },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      // Already valid as long (never shortened), or gone: tell the two apart.
      const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.records, Key: credentialKey(profile.runCredentialHash), ConsistentRead: true }));
      if (Item?.runId !== runId) throw new ConflictError(`run ${runId} of agent ${agentId} is over`);
    }
  }

  async revoke(agentId: string, runId: string): Promise<void> {
    const profile = await this.profile(agentId);
    if (profile.runId !== runId || !profile.runCredentialHash) return; // a later run replaced it, or it is gone
    try {
      await transactWrite(this.client, [
        { item: { Delete: { TableName: this.tables.records, Key: credentialKey(profile.runCredentialHash) } }, explain: () => new ConflictError('credential') },
        {
          item: {
            Update: {
              TableName: this.tables.records,
              Key: agentKey(agentId),
              UpdateExpression: 'REMOVE runId, runCredentialHash',
              ConditionExpression: 'runId = :runId',
              ExpressionAttributeValues: { ':runId': runId },
            },
          },
          explain: () => new ConflictError(`run ${runId} was replaced meanwhile`),
        },
      ]);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err; // replaced meanwhile: its credential went with it
    }
  }

  private async profile(agentId: string): Promise<Profile> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.records, Key: agentKey(agentId), ConsistentRead: true }));
    if (!Item) throw new NotFoundError('agent', agentId);
    return Item as unknown as Profile;
  }
}
