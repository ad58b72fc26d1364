/**
 * Short-lived access to one agent's workspace in S3, for its run's supervisor: presigned URLs, each
 * for one object under `workspaces/<agentId>/`, valid for a few minutes. The task that runs an agent
 * holds no S3 rights of its own; what it may touch is decided here, by the run's supervisor token.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { WorkspaceAccess } from '../../economy/ports.js';

const prefixOf = (agentId: string) => `workspaces/${agentId}/`;

/** How long a URL works (s): long enough for a big workspace, short enough to be of no use later. */
export const URL_SECONDS = 900;

export class S3WorkspaceAccess implements WorkspaceAccess {
  constructor(
    private readonly bucket: string,
    // No checksum of the (unknown) body may be signed into an upload URL.
    private readonly s3: S3Client = new S3Client({ requestChecksumCalculation: 'WHEN_REQUIRED' }),
  ) {}

  async downloads(agentId: string): Promise<{ path: string; url: string }[]> {
    const out: { path: string; url: string }[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefixOf(agentId), ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        const url = await getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: object.Key }), { expiresIn: URL_SECONDS });
        out.push({ path: object.Key!.slice(prefixOf(agentId).length), url });
      }
      token = page.NextContinuationToken;
    } while (token);
    return out;
  }

  async uploads(agentId: string, paths: readonly string[]): Promise<{ path: string; url: string }[]> {
    return Promise.all(
      paths.map(async (path) => ({
        path,
        url: await getSignedUrl(this.s3, new PutObjectCommand({ Bucket: this.bucket, Key: prefixOf(agentId) + path }), { expiresIn: URL_SECONDS }),
      })),
    );
  }
}
