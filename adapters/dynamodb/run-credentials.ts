/**
 * Run secrets in the records table. The agent's profile names its one current run (`runId`,
 * `runCredentialHash`, `supervisorTokenHash`); each secret's item `cred#<hash>` carries its kind
 * (`run`: agent code's credential; `supervisor`: the supervisor's token) and expiry (`expiresAt`,
 * epoch seconds, which DynamoDB's TTL also reads). Issuing a run replaces the previous one and
 * deletes its secrets in the same transaction; extending moves both expiries forward; revoking
 * deletes both. Only a living agent gets a run.
 */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import { credentialHash, newCredential, SUPERVISOR_AFTERLIFE_MS } from '../../economy/credentials.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../economy/errors.js';
import type { RunCredentials, RunOf, RunSecrets } from '../../economy/ports.js';
import type { Profile } from './agents.js';
import { agentKey, credentialKey } from './keys.js';
import { isConditionFailure } from './conditions.js';
import { TTL_ATTRIBUTE, type Tables } from './tables.js';
import { retryingConflicts, transactWrite, type Write } from './transact.js';

const seconds = (ms: number) => Math.ceil(ms / 1000);

export class DynamoRunCredentials implements RunCredentials {
  private readonly newId = monotonicFactory();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Tables,
  ) {}

  async issue(agentId: string, expiresAt: number): Promise<RunSecrets> {
    const profile = await this.profile(agentId);
    const runId = this.newId();
    const credential = newCredential();
    const supervisorToken = newCredential();
    const hashes = { run: credentialHash(credential), supervisor: credentialHash(supervisorToken) };
    const previous = profile.runId === undefined ? 'attribute_not_exists(runId)' : 'runId = :previous';
    const writes: Write[] = [
      this.secretPut(agentId, runId, 'run', hashes.run, expiresAt),
      this.secretPut(agentId, runId, 'supervisor', hashes.supervisor, expiresAt + SUPERVISOR_AFTERLIFE_MS),
      {
        item: {
          Update: {
            TableName: this.tables.records,
            Key: agentKey(agentId),
            UpdateExpression: 'SET runId = :runId, runCredentialHash = :run, supervisorTokenHash = :supervisor',
            ConditionExpression: `#status = :alive AND ${previous}`,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':runId': runId,
              ':run': hashes.run,
              ':supervisor': hashes.supervisor,
              ':alive': 'alive',
              ...(profile.runId === undefined ? {} : { ':previous': profile.runId }),
            },
          },
        },
        explain: (current) =>
          current?.status === 'alive' ? new ConflictError(`agent ${agentId} started another run meanwhile`) : new ForbiddenError(`agent ${agentId} is dead`),
      },
      ...this.secretDeletes(profile),
    ];
    await transactWrite(this.client, writes);
    return { runId, credential, supervisorToken };
  }

  async extend(agentId: string, runId: string, expiresAt: number): Promise<void> {
    const profile = await this.profile(agentId);
    if (profile.runId !== runId || !profile.runCredentialHash) throw new ConflictError(`run ${runId} of agent ${agentId} is over`);
    const secrets: [string | undefined, number][] = [
      [profile.runCredentialHash, expiresAt],
      [profile.supervisorTokenHash, expiresAt + SUPERVISOR_AFTERLIFE_MS],
    ];
    for (const [hash, until] of secrets) {
      if (!hash) continue;
      try {
        // Bids and transfers by the run check its credential in their transactions (credential-check.ts).
        await retryingConflicts(() =>
          this.client.send(
            new UpdateCommand({
              TableName: this.tables.records,
              Key: credentialKey(hash),
              UpdateExpression: 'SET #expires = :expires',
              ConditionExpression: 'attribute_exists(pk) AND runId = :runId AND #expires < :expires',
              ExpressionAttributeNames: { '#expires': TTL_ATTRIBUTE },
              ExpressionAttributeValues: { ':expires': seconds(until), ':runId': runId },
            }),
          ),
        );
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        // Already valid as long (never shortened), or gone: tell the two apart.
        const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.records, Key: credentialKey(hash), ConsistentRead: true }));
        if (Item?.runId !== runId) throw new ConflictError(`run ${runId} of agent ${agentId} is over`);
      }
    }
  }

  async revoke(agentId: string, runId: string): Promise<void> {
    const profile = await this.profile(agentId);
    if (profile.runId !== runId) return; // a later run replaced it, or it is gone
    try {
      await transactWrite(this.client, [
        ...this.secretDeletes(profile),
        {
          item: {
            Update: {
              TableName: this.tables.records,
              Key: agentKey(agentId),
              UpdateExpression: 'REMOVE runId, runCredentialHash, supervisorTokenHash',
              ConditionExpression: 'runId = :runId',
              ExpressionAttributeValues: { ':runId': runId },
            },
          },
          explain: () => new ConflictError(`run ${runId} was replaced meanwhile`),
        },
      ]);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err; // replaced meanwhile: its secrets went with it
    }
  }

  async liveRun(agentId: string, now: number): Promise<string | undefined> {
    const profile = await this.profile(agentId);
    if (profile.runId === undefined || !profile.runCredentialHash) return undefined;
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.records, Key: credentialKey(profile.runCredentialHash), ConsistentRead: true }));
    return Item && (Item[TTL_ATTRIBUTE] as number) * 1000 > now ? profile.runId : undefined;
  }

  async runOfSupervisor(tokenHash: string, now: number): Promise<RunOf | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.records, Key: credentialKey(tokenHash) }));
    if (Item?.kind !== 'supervisor' || (Item[TTL_ATTRIBUTE] as number) * 1000 <= now) return undefined;
    return { agentId: Item.agentId as string, runId: Item.runId as string };
  }

  private secretPut(agentId: string, runId: string, kind: 'run' | 'supervisor', hash: string, expiresAt: number): Write {
    return {
      item: {
        Put: {
          TableName: this.tables.records,
          Item: { ...credentialKey(hash), t: 'credential', agentId, kind, runId, [TTL_ATTRIBUTE]: seconds(expiresAt) },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      explain: () => new ConflictError('credential already in use'),
    };
  }

  /** Deletes the secrets of the profile's current run. */
  private secretDeletes(profile: Profile): Write[] {
    return [profile.runCredentialHash, profile.supervisorTokenHash]
      .filter((hash): hash is string => hash !== undefined)
      .map((hash) => ({ item: { Delete: { TableName: this.tables.records, Key: credentialKey(hash) } }, explain: () => new ConflictError('credential') }));
  }

  private async profile(agentId: string): Promise<Profile> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.records, Key: agentKey(agentId), ConsistentRead: true }));
    if (!Item) throw new NotFoundError('agent', agentId);
    return Item as unknown as Profile;
  }
}
