/**
 * The adapters that reach AWS without an SDK client (adapters/aws/service.ts), against emulators:
 * births' workspaces in S3 (fauxqs's) — a seed, a child's inherited copy without its parent's state
 * or the files it was given, removal of every object, odd names included — and the operator token
 * read once from Secrets Manager (moto's), with an error that names what is wrong.
 */
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsError, AwsService } from '../../adapters/aws/service.js';
import { operatorTokenSource, SECRETS_MANAGER } from '../../adapters/secrets/operator-token.js';
import { S3Workspaces } from '../../adapters/workspace/s3.js';
import { S3, S3Bucket } from '../../adapters/workspace/s3-bucket.js';
import { localAws, startSqs, type LocalSqs } from '../../local/sqs.js';
import { awsTestConfig, hasMoto, MOTO_MISSING, startMoto, type Moto } from '../support/moto.js';

describe('workspaces in S3', () => {
  let emulator: LocalSqs;
  let s3: S3Client;
  let workspaces: S3Workspaces;

  beforeAll(async () => {
    emulator = await startSqs();
    s3 = new S3Client({ ...localAws(emulator.endpoint), forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'births' }));
    workspaces = new S3Workspaces(new S3Bucket(new AwsService(S3, localAws(emulator.endpoint)), 'births'));
  });
  afterAll(async () => {
    s3.destroy();
    await emulator.stop();
  });

  const keys = async (prefix: string) => ((await s3.send(new ListObjectsV2Command({ Bucket: 'births', Prefix: prefix }))).Contents ?? []).map((o) => o.Key!).sort();
  const text = async (key: string) => (await s3.send(new GetObjectCommand({ Bucket: 'births', Key: key }))).Body!.transformToString();

  it('seeds, inherits and removes a workspace', async () => {
    await workspaces.seed('parent', { 'agent.mjs': 'export const step = () => {};', 'state.json.bak': 'x' });
    // What the parent's runs saved: its state, and a name no birth could give (copied all the same).
    await s3.send(new PutObjectCommand({ Bucket: 'births', Key: 'workspaces/parent/state.json', Body: '{"steps":3}' }));
    await s3.send(new PutObjectCommand({ Bucket: 'births', Key: 'workspaces/parent/notes/a & b (1).txt', Body: 'odd name' }));
    expect(await keys('workspaces/parent/')).toEqual(['workspaces/parent/agent.mjs', 'workspaces/parent/notes/a & b (1).txt', 'workspaces/parent/state.json', 'workspaces/parent/state.json.bak']);

    await workspaces.inherit('parent', 'child', { 'agent.mjs': 'export const step = () => "mine";' });
    expect(await keys('workspaces/child/')).toEqual(['workspaces/child/agent.mjs', 'workspaces/child/notes/a & b (1).txt', 'workspaces/child/state.json.bak']);
    expect(await text('workspaces/child/agent.mjs')).toBe('export const step = () => "mine";');
    expect(await text('workspaces/child/notes/a & b (1).txt')).toBe('odd name');

    await workspaces.remove('parent');
    expect(await keys('workspaces/parent/')).toEqual([]);
    expect(await keys('workspaces/child/')).toHaveLength(3);
  });

  it('lists and removes past a page of keys (S3 answers 1,000 at a time)', async () => {
    const names = Array.from({ length: 1005 }, (_, i) => `workspaces/many/f${String(i).padStart(4, '0')}.txt`);
    for (let i = 0; i < names.length; i += 100) await Promise.all(names.slice(i, i + 100).map((Key) => s3.send(new PutObjectCommand({ Bucket: 'births', Key, Body: 'x' }))));
    const listed: string[] = [];
    for await (const key of new S3Bucket(new AwsService(S3, localAws(emulator.endpoint)), 'births').keys('workspaces/many/')) listed.push(key);
    expect(listed.sort()).toEqual(names);
    await workspaces.remove('many');
    expect(await keys('workspaces/many/')).toEqual([]);
  });
});

describe.skipIf(!hasMoto)(`the operator token in Secrets Manager${hasMoto ? '' : ` (${MOTO_MISSING})`}`, () => {
  let moto: Moto;
  let secrets: AwsService;

  beforeAll(async () => {
    moto = await startMoto();
    secrets = new AwsService(SECRETS_MANAGER, awsTestConfig(moto.endpoint));
  });
  afterAll(() => moto.stop());

  it('is read from the secret once, and a missing secret is said to be missing', async () => {
    const { ARN } = await secrets.json<{ ARN: string }>('CreateSecret', { Name: 'operator-token', SecretString: 'the-operator-token' });
    let reads = 0;
    const token = operatorTokenSource({ OPERATOR_TOKEN_SECRET_ARN: ARN }, () => (reads++, secrets));
    expect(await token()).toBe('the-operator-token');
    expect(await token()).toBe('the-operator-token');
    expect(reads).toBe(1);

    const missing = operatorTokenSource({ OPERATOR_TOKEN_SECRET_ARN: 'no-such-secret' }, () => secrets);
    const error = await missing().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AwsError);
    expect(error).toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
