/**
 * Short-lived access to one agent's workspace in S3, for its run's supervisor: presigned URLs, each
 * for one object under `workspaces/<agentId>/`, valid for a few minutes. The task that runs an agent
 * holds no S3 rights of its own; what it may touch is decided here, by the run's supervisor token.
 */
import type { WorkspaceAccess } from '../../economy/ports.js';
import type { S3Bucket } from './s3-bucket.js';

const prefixOf = (agentId: string) => `workspaces/${agentId}/`;

/** How long a URL works (s): long enough for a big workspace, short enough to be of no use later. */
export const URL_SECONDS = 900;

export class S3WorkspaceAccess implements WorkspaceAccess {
  constructor(private readonly bucket: S3Bucket) {}

  async downloads(agentId: string): Promise<{ path: string; url: string }[]> {
    const out: { path: string; url: string }[] = [];
    for await (const key of this.bucket.keys(prefixOf(agentId))) {
      out.push({ path: key.slice(prefixOf(agentId).length), url: await this.bucket.presign('GET', key, URL_SECONDS) });
    }
    return out;
  }

  async uploads(agentId: string, paths: readonly string[]): Promise<{ path: string; url: string }[]> {
    return Promise.all(paths.map(async (path) => ({ path, url: await this.bucket.presign('PUT', prefixOf(agentId) + path, URL_SECONDS) })));
  }
}
