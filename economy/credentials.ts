/**
 * Agents' credentials: 256 random bits, shown once and stored only as a SHA-256 hash (with that
 * much entropy a fast hash is as strong as a slow one). An agent's own credential lives as long as
 * the agent; a run credential lives as long as one run (see launcher.ts). Callers of the API are
 * known by these (and by the operator token).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { UnauthorizedError } from './errors.js';
import type { AgentDirectory, Clock, CredentialCheck, RunCredentials } from './ports.js';

export type { CredentialCheck } from './ports.js';

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

/** Who is calling, as a credential says; identity always comes from the credential, never a request's body. */
export type Principal = { kind: 'agent'; agentId: string } | { kind: 'supervisor'; agentId: string; runId: string } | { kind: 'operator' };

/**
 * How one kind of route knows its callers: an agent by its own or its run's credential, a run's
 * supervisor by its supervisor token (never given to agent code; it opens only the run's own
 * routes), the operator by the operator token.
 */
export interface Caller {
  readonly kind: Principal['kind'];
  /** The principal a presented secret belongs to; UnauthorizedError for anything else. */
  identify(secret: string): Promise<Principal>;
  /**
   * For a route whose one write checks the credential itself (a bid, a transfer, a cancel): the
   * agent a secret names and the check its write must pass, without a read when the credential's
   * owner is already known. Only agents' callers have it.
   */
  claim?(secret: string): Promise<Claim>;
}

/**
 * A credential's claim to be an agent's: `verified` when the credential was read just now and
 * found valid; otherwise its owner came from what was known of it and only the write's check
 * (or `identify`, before refusing for another reason) says whether it is still valid.
 */
export interface Claim {
  principal: Principal & { kind: 'agent' };
  check: CredentialCheck;
  verified: boolean;
}

/** How many credentials' owners an agent caller remembers (the oldest is forgotten first). */
export const KNOWN_CREDENTIALS = 10_000;

/**
 * Agents, by their own or their runs' credentials. Which agent a credential belongs to never
 * changes (an item `cred#<hash>` is written once, with its agent, and only ever deleted; 256 random
 * bits are never issued twice), so the owners of credentials seen valid are remembered, and a
 * claim by one of them needs no read. Whether a credential is still valid is never remembered: a
 * claim's write checks it (`CredentialCheck`), and `identify` reads it every time.
 */
export function agentCaller(agents: Pick<AgentDirectory, 'agentIdForCredential'>, clock: Clock): Caller {
  const owners = new Map<string, string>();
  const lookup = async (hash: string, now: number): Promise<string> => {
    const agentId = await agents.agentIdForCredential(hash, now);
    if (!agentId) throw new UnauthorizedError('invalid agent credential');
    owners.delete(hash);
    owners.set(hash, agentId);
    if (owners.size > KNOWN_CREDENTIALS) owners.delete(owners.keys().next().value!);
    return agentId;
  };
  const hashOf = (secret: string): string => {
    if (!CREDENTIAL_PATTERN.test(secret)) throw new UnauthorizedError('invalid agent credential');
    return credentialHash(secret);
  };
  return {
    kind: 'agent',
    identify: async (secret) => ({ kind: 'agent', agentId: await lookup(hashOf(secret), clock.now()) }),
    claim: async (secret) => {
      const hash = hashOf(secret);
      const now = clock.now();
      const known = owners.get(hash);
      const agentId = known ?? (await lookup(hash, now));
      return { principal: { kind: 'agent', agentId }, check: { credentialHash: hash, agentId, now }, verified: known === undefined };
    },
  };
}

export function supervisorCaller(credentials: Pick<RunCredentials, 'runOfSupervisor'>, clock: Clock): Caller {
  return {
    kind: 'supervisor',
    identify: async (secret) => {
      const run = CREDENTIAL_PATTERN.test(secret) ? await credentials.runOfSupervisor(credentialHash(secret), clock.now()) : undefined;
      if (!run) throw new UnauthorizedError('invalid supervisor token');
      return { kind: 'supervisor', ...run };
    },
  };
}

export function operatorCaller(operatorToken: () => Promise<string>): Caller {
  return {
    kind: 'operator',
    identify: async (secret) => {
      if (!isOperatorToken(secret, await operatorToken())) throw new UnauthorizedError('invalid operator token');
      return { kind: 'operator' };
    },
  };
}

/** Compares digests, so that the comparison takes the same time whatever the lengths. */
export function isOperatorToken(candidate: string, operatorToken: string): boolean {
  const a = createHash('sha256').update(candidate).digest();
  const b = createHash('sha256').update(operatorToken).digest();
  return timingSafeEqual(a, b);
}
