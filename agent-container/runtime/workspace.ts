/**
 * The workspace: a directory with the agent's code (`agent.mjs`), its strategy files and
 * `state.json`, the agent's own state, saved after every step. It persists between runs: locally
 * it simply stays; in AWS the supervisor syncs it with S3.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const STATE_FILE = 'state.json';

export async function loadState(workspace: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(join(workspace, STATE_FILE), 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

export async function saveState(workspace: string, state: Record<string, unknown>): Promise<void> {
  const file = join(workspace, STATE_FILE);
  await writeFile(`${file}.tmp`, JSON.stringify(state, null, 2));
  await rename(`${file}.tmp`, file);
}
