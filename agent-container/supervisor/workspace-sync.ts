/**
 * The workspace in S3 under `workspaces/<agentId>/`: copied down when the agent's task starts and
 * back up when it stops, by the supervisor (never by agent code).
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

export class S3Workspace {
  private readonly prefix: string;

  constructor(
    private readonly bucket: string,
    agentId: string,
    private readonly dir: string,
    private readonly s3: S3Client = new S3Client({}),
  ) {
    this.prefix = `workspaces/${agentId}/`;
  }

  async download(): Promise<void> {
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        const key = object.Key!;
        const target = join(this.dir, key.slice(this.prefix.length));
        const body = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, await body.Body!.transformToByteArray());
      }
      token = page.NextContinuationToken;
    } while (token);
  }

  async upload(): Promise<void> {
    for (const file of await listFiles(this.dir)) {
      await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.prefix + relative(this.dir, file), Body: await readFile(file) }));
    }
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    if ((await stat(path)).isDirectory()) out.push(...(await listFiles(path)));
    else out.push(path);
  }
  return out;
}
