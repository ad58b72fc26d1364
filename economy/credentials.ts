/**
 * Agents' credentials: 256 random bits, shown once and stored only as a SHA-256 hash (with that
 * much entropy a fast hash is as strong as a slow one). An agent's own credential lives as long as
 * the agent; a run credential lives as long as one run (see launcher.ts). Callers of the API are
 * known by these (and by the operator token).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { UnauthorizedError } from './errors.js';
import type { AgentDirectory, Clock, RunCredentials } from './ports.js';

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
}

export function agentCaller(agents: Pick<AgentDirectory, 'agentIdForCredential'>, clock: Clock): Caller {
  return {
    kind: 'agent',
    identify: async (secret) => {
      const agentId = CREDENTIAL_PATTERN.test(secret) ? await agents.agentIdForCredential(credentialHash(secret), clock.now()) : undefined;
      if (!agentId) throw new UnauthorizedError('invalid agent credential');
      return { kind: 'agent', agentId };
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
