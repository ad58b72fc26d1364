/**
 * Workspaces in S3 under `workspaces/<agentId>/` (AWS): a child's is a server-side copy of its
 * parent's; a first agent's holds only its own files, and the agent's task adds the genesis code
 * from its image for whatever is missing.
 */
import type { WorkspaceStore } from '../../economy/ports.js';
import { assertFiles } from '../../economy/society.js';
import type { S3Bucket } from './s3-bucket.js';

const prefixOf = (agentId: string) => `workspaces/${agentId}/`;

export class S3Workspaces implements WorkspaceStore {
  constructor(private readonly bucket: S3Bucket) {}

  async inherit(parentId: string, childId: string, files: Record<string, string>): Promise<void> {
    assertFiles(files);
    for await (const key of this.bucket.keys(prefixOf(parentId))) {
      const relative = key.slice(prefixOf(parentId).length);
      if (relative === 'state.json' || relative in files) continue;
      await this.bucket.copy(key, prefixOf(childId) + relative);
    }
    await this.write(childId, files);
  }

  async seed(agentId: string, files: Record<string, string>): Promise<void> {
    assertFiles(files);
    await this.write(agentId, files);
  }

  async remove(agentId: string): Promise<void> {
    const keys: string[] = [];
    for await (const key of this.bucket.keys(prefixOf(agentId))) keys.push(key);
    for (let i = 0; i < keys.length; i += 1000) await this.bucket.delete(keys.slice(i, i + 1000));
  }

  private async write(agentId: string, files: Record<string, string>): Promise<void> {
    for (const [path, content] of Object.entries(files)) await this.bucket.put(prefixOf(agentId) + path, content);
  }
}
