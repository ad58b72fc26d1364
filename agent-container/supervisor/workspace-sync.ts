/**
 * The workspace between runs lives in S3; the supervisor copies it down when the task starts and
 * back up when the agent has stopped, through short-lived URLs the API gives for this agent's
 * workspace only. Only regular files are copied up: a link the agent made (to the supervisor's
 * secrets, say) is never followed.
 */
import { lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';

export interface WorkspaceUrls {
  downloads(): Promise<{ path: string; url: string }[]>;
  uploads(paths: string[]): Promise<{ path: string; url: string }[]>;
}

/** Copies every file of the agent's workspace into `dir`. */
export async function syncDown(urls: WorkspaceUrls, dir: string): Promise<number> {
  const files = await urls.downloads();
  for (const { path, url } of files) {
    const target = resolve(dir, path);
    if (!target.startsWith(resolve(dir) + sep)) throw new Error(`workspace path ${path} leads outside the workspace`);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`downloading ${path}: HTTP ${res.status}`);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, Buffer.from(await res.arrayBuffer()));
  }
  return files.length;
}

/** Copies every regular file of `dir` up to the agent's workspace. */
export async function syncUp(urls: WorkspaceUrls, dir: string): Promise<number> {
  const paths = (await regularFiles(dir)).map((file) => relative(dir, file).split(sep).join('/'));
  for (let i = 0; i < paths.length; i += 1000) {
    for (const { path, url } of await urls.uploads(paths.slice(i, i + 1000))) {
      const res = await fetch(url, { method: 'PUT', body: await readFile(join(dir, path)) });
      if (!res.ok) throw new Error(`uploading ${path}: HTTP ${res.status}`);
    }
  }
  return paths.length;
}

async function regularFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    const stat = await lstat(path);
    if (stat.isDirectory()) out.push(...(await regularFiles(path)));
    else if (stat.isFile()) out.push(path);
  }
  return out;
}
