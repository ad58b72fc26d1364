/**
 * Workspaces in S3 under `workspaces/<agentId>/` (AWS): a child's is a server-side copy of its
 * parent's; a first agent's holds only its own files, and the agent's task adds the genesis code
 * from its image for whatever is missing.
 */
import { CopyObjectCommand, DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { WorkspaceStore } from '../../economy/ports.js';
import { assertFiles } from '../../economy/society.js';

const prefixOf = (agentId: string) => `workspaces/${agentId}/`;

export class S3Workspaces implements WorkspaceStore {
  constructor(
    private readonly bucket: string,
    private readonly s3: S3Client = new S3Client({}),
  ) {}

  async inherit(parentId: string, childId: string, files: Record<string, string>): Promise<void> {
    assertFiles(files);
    for await (const key of this.keys(prefixOf(parentId))) {
      const relative = key.slice(prefixOf(parentId).length);
      if (relative === 'state.json' || relative in files) continue;
      await this.s3.send(new CopyObjectCommand({ Bucket: this.bucket, CopySource: `${this.bucket}/${encodeURIComponent(key).replaceAll('%2F', '/')}`, Key: prefixOf(childId) + relative }));
    }
    await this.write(childId, files);
  }

  async seed(agentId: string, files: Record<string, string>): Promise<void> {
    assertFiles(files);
    await this.write(agentId, files);
  }

  async remove(agentId: string): Promise<void> {
    const keys: string[] = [];
    for await (const key of this.keys(prefixOf(agentId))) keys.push(key);
    for (let i = 0; i < keys.length; i += 1000) {
      await this.s3.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })) } }));
    }
  }

  private async write(agentId: string, files: Record<string, string>): Promise<void> {
    for (const [path, content] of Object.entries(files)) {
      await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: prefixOf(agentId) + path, Body: content }));
    }
  }

  private async *keys(prefix: string): AsyncGenerator<string> {
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) yield object.Key!;
      token = page.NextContinuationToken;
    } while (token);
  }
}
