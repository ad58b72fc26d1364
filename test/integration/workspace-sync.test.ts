/**
 * A workspace in S3 (fauxqs's), synced by a run's supervisor through presigned URLs for its own
 * agent's prefix only: copied down with nested files and state, back up with the agent's changes;
 * other agents' workspaces are never touched; a link the agent made is not followed up; a path
 * that would lead out of the workspace is refused.
 */
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsService } from '../../adapters/aws/service.js';
import { S3WorkspaceAccess } from '../../adapters/workspace/s3-access.js';
import { S3, S3Bucket } from '../../adapters/workspace/s3-bucket.js';
import { loadState, saveState } from '../../agent-container/runtime/workspace.js';
import { syncDown, syncUp } from '../../agent-container/supervisor/workspace-sync.js';
import { workspaceUrls } from '../../economy/runs.js';
import { localAws, startSqs, type LocalSqs } from '../../local/sqs.js';

let emulator: LocalSqs;
let s3: S3Client;

beforeAll(async () => {
  emulator = await startSqs();
  s3 = new S3Client({
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'workspaces' }));
});
afterAll(async () => {
  s3.destroy();
  await emulator.stop();
});

const text = async (key: string) => (await s3.send(new GetObjectCommand({ Bucket: 'workspaces', Key: key }))).Body!.transformToString();
const put = (key: string, body: string) => s3.send(new PutObjectCommand({ Bucket: 'workspaces', Key: key, Body: body }));

/** What the supervisor of agent-1's run may reach: the API's use case over S3 presigned URLs. */
const urlsFor = (agentId: string) => {
  const deps = { workspaceAccess: new S3WorkspaceAccess(new S3Bucket(new AwsService(S3, localAws(emulator.endpoint)), 'workspaces')) };
  const run = { agentId, runId: 'run-1' };
  return {
    downloads: async () => ((await workspaceUrls(deps, run)) as { downloads: { path: string; url: string }[] }).downloads,
    uploads: async (paths: string[]) => ((await workspaceUrls(deps, run, paths)) as { uploads: { path: string; url: string }[] }).uploads,
  };
};

describe('the workspace in S3', () => {
  it('syncs down at start and up at exit, with state, through URLs for its own prefix only', async () => {
    await put('workspaces/agent-1/agent.mjs', 'export const step = () => {};');
    await put('workspaces/agent-1/notes/ideas.txt', 'one idea');
    await put('workspaces/agent-1/state.json', JSON.stringify({ steps: 3 }));
    await put('workspaces/agent-2/agent.mjs', 'not yours');

    const dir = mkdtempSync(join(tmpdir(), 'workspace-'));
    expect(await syncDown(urlsFor('agent-1'), dir)).toBe(3);
    expect(readFileSync(join(dir, 'notes', 'ideas.txt'), 'utf8')).toBe('one idea');
    const state = await loadState(dir);
    expect(state).toEqual({ steps: 3 });

    state.steps = 4;
    await saveState(dir, state);
    writeFileSync(join(dir, 'notes', 'ideas.txt'), 'two ideas');
    // The agent links its workspace to something of the supervisor's: it must not travel.
    writeFileSync(join(tmpdir(), 'supervisor-secret'), 'sealed');
    symlinkSync(join(tmpdir(), 'supervisor-secret'), join(dir, 'secret-link'));
    await syncUp(urlsFor('agent-1'), dir);

    expect(JSON.parse(await text('workspaces/agent-1/state.json'))).toEqual({ steps: 4 });
    expect(await text('workspaces/agent-1/notes/ideas.txt')).toBe('two ideas');
    expect(await text('workspaces/agent-2/agent.mjs')).toBe('not yours');
    const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: 'workspaces', Prefix: 'workspaces/agent-1/' }));
    expect(Contents.map((c) => c.Key).sort()).toEqual(['workspaces/agent-1/agent.mjs', 'workspaces/agent-1/notes/ideas.txt', 'workspaces/agent-1/state.json']);
  });

  it('refuses paths that lead out of the workspace', async () => {
    for (const path of ['../agent-2/agent.mjs', '/etc/passwd', 'a/../../b', '.hidden/../x']) {
      await expect(urlsFor('agent-1').uploads([path])).rejects.toThrow(/inside the workspace/);
    }
    const dir = mkdtempSync(join(tmpdir(), 'workspace-'));
    await expect(syncDown({ downloads: () => Promise.resolve([{ path: '../escape', url: 'http://127.0.0.1:1/' }]), uploads: () => Promise.resolve([]) }, dir)).rejects.toThrow(/outside/);
  });
});
