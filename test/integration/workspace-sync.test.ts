/**
 * The runtime's workspace in S3 (against fauxqs's S3): copied down when a task starts, nested
 * files included, and back up when it stops, with the agent's changes; other agents' workspaces
 * are not touched.
 */
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadState, saveState } from '../../agent-container/runtime/workspace.js';
import { S3Workspace } from '../../agent-container/supervisor/workspace-sync.js';
import { startSqs, type LocalSqs } from '../../local/sqs.js';

let emulator: LocalSqs;
let s3: S3Client;

beforeAll(async () => {
  emulator = await startSqs();
  s3 = new S3Client({ endpoint: emulator.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await s3.send(new CreateBucketCommand({ Bucket: 'workspaces' }));
});
afterAll(async () => {
  s3.destroy();
  await emulator.stop();
});

describe('the S3 workspace', () => {
  it('syncs down at start and up at exit, with state', async () => {
    const put = (key: string, body: string) => s3.send(new PutObjectCommand({ Bucket: 'workspaces', Key: key, Body: body }));
    await put('workspaces/agent-1/agent.mjs', 'export const step = () => {};');
    await put('workspaces/agent-1/notes/ideas.txt', 'one idea');
    await put('workspaces/agent-1/state.json', JSON.stringify({ steps: 3 }));
    await put('workspaces/agent-2/agent.mjs', 'not yours');

    const dir = mkdtempSync(join(tmpdir(), 'workspace-'));
    const workspace = new S3Workspace('workspaces', 'agent-1', dir, s3);
    await workspace.download();
    expect(readFileSync(join(dir, 'notes', 'ideas.txt'), 'utf8')).toBe('one idea');
    const state = await loadState(dir);
    expect(state).toEqual({ steps: 3 });

    state.steps = 4;
    await saveState(dir, state);
    writeFileSync(join(dir, 'notes', 'ideas.txt'), 'two ideas');
    await workspace.upload();

    const text = async (key: string) => (await s3.send(new GetObjectCommand({ Bucket: 'workspaces', Key: key }))).Body!.transformToString();
    expect(JSON.parse(await text('workspaces/agent-1/state.json'))).toEqual({ steps: 4 });
    expect(await text('workspaces/agent-1/notes/ideas.txt')).toBe('two ideas');
    expect(await text('workspaces/agent-2/agent.mjs')).toBe('not yours');
    const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: 'workspaces', Prefix: 'workspaces/agent-1/' }));
    expect(Contents.map((c) => c.Key).sort()).toEqual(['workspaces/agent-1/agent.mjs', 'workspaces/agent-1/notes/ideas.txt', 'workspaces/agent-1/state.json']);
  });
});
