/** Workspaces in S3 under `workspaces/<agentId>/` (AWS): a child's is a server-side copy of its parent's. */
import { CopyObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
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
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefixOf(parentId), ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        const relative = object.Key!.slice(prefixOf(parentId).length);
        if (relative === 'state.json' || relative in files) continue;
        await this.s3.send(
          new CopyObjectCommand({ Bucket: this.bucket, CopySource: `${this.bucket}/${encodeURIComponent(object.Key!).replaceAll('%2F', '/')}`, Key: prefixOf(childId) + relative }),
        );
      }
      token = page.NextContinuationToken;
    } while (token);
    for (const [path, content] of Object.entries(files)) {
      await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: prefixOf(childId) + path, Body: content }));
    }
  }
}
