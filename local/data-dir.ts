/**
 * The local stack's data dir: DynamoDB's files, workspaces, agents' logs, the operator token, the
 * genesis agent's credential and the agent API's socket. It is the operator's and no agent's: it
 * is made 0700, agents see only their own workspace (bound into their sandbox), and the secrets in
 * it are 0600. It records the layout version it was made with, so that a data dir made by an
 * incompatible version is refused with what to do, instead of failing later.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Raised when the records' layout changes incompatibly. */
export const DATA_VERSION = '2';

export class DataDirVersionError extends Error {
  constructor(dataDir: string, found: string) {
    super(`${dataDir} was made by an older version of Syntropism (layout ${found}, this one needs ${DATA_VERSION}): start a new economy with \`npm start -- --fresh\`, or set SYNTROPISM_DATA_DIR to another directory`);
  }
}

export function prepareDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  const versionFile = join(dataDir, 'version');
  const found = existsSync(versionFile) ? readFileSync(versionFile, 'utf8').trim() : readdirSync(dataDir).length > 0 ? '1' : undefined;
  if (found !== undefined && found !== DATA_VERSION) throw new DataDirVersionError(dataDir, found);
  writeFileSync(versionFile, `${DATA_VERSION}\n`);
}

/** The operator token: from the environment, or kept in the data dir (generated on first start). */
export function operatorToken(dataDir: string, env: Record<string, string | undefined>): { token: string; generated: boolean } {
  if (env.SYNTROPISM_OPERATOR_TOKEN) return { token: env.SYNTROPISM_OPERATOR_TOKEN, generated: false };
  const file = join(dataDir, 'operator-token');
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), generated: false };
  const token = randomBytes(24).toString('base64url');
  writeSecret(file, token);
  return { token, generated: true };
}

/** A secret file only the operator can read. */
export function writeSecret(file: string, value: string): void {
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}
