/**
 * Agents' credentials: 256 random bits, shown once and stored only as a SHA-256 hash (with that
 * much entropy a fast hash is as strong as a slow one). An agent's own credential lives as long as
 * the agent; a run credential lives as long as one run (see launcher.ts).
 */
import { createHash, randomBytes } from 'node:crypto';

/** What an agent credential looks like: a prefix and 43 base64url characters. */
export const CREDENTIAL_PATTERN = /^syn_[A-Za-z0-9_-]{43}$/;

export function newCredential(): string {
  return `syn_${randomBytes(32).toString('base64url')}`;
}

export function credentialHash(credential: string): string {
  return createHash('sha256').update(credential).digest('hex');
}

/**
 * How long a run's supervisor token outlives the run's credential: after the run ends, its
 * supervisor still sends the last usage report and saves the workspace. Revoking the run (when
 * its task is seen to stop) ends it sooner.
 */
export const SUPERVISOR_AFTERLIFE_MS = 10 * 60_000;
