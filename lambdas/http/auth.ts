/**
 * Who is calling. An agent presents its own secret credential (`Bearer syn_…`), stored only as a
 * SHA-256 hash: credentials are 256 random bits, so a fast hash is as strong as a slow one here.
 * A run's supervisor presents its run's supervisor token (never given to agent code), which opens
 * only the run's own routes. The operator presents the operator token. Identity always comes from
 * the credential, never from a request body.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { CREDENTIAL_PATTERN, credentialHash } from '../../economy/credentials.js';
import { UnauthorizedError } from '../../economy/errors.js';
import type { AgentDirectory, RunCredentials } from '../../economy/ports.js';

export type Principal = { kind: 'agent'; agentId: string } | { kind: 'supervisor'; agentId: string; runId: string } | { kind: 'operator' };

function bearer(headers: Record<string, string | undefined>): string {
  const value = headers.authorization ?? '';
  const match = /^Bearer (\S+)$/.exec(value);
  if (!match) throw new UnauthorizedError('send Authorization: Bearer <credential>');
  return match[1]!;
}

export async function authenticateAgent(headers: Record<string, string | undefined>, agents: AgentDirectory, now: number): Promise<Principal> {
  const token = bearer(headers);
  if (!CREDENTIAL_PATTERN.test(token)) throw new UnauthorizedError('invalid agent credential');
  const agentId = await agents.agentIdForCredential(credentialHash(token), now);
  if (!agentId) throw new UnauthorizedError('invalid agent credential');
  return { kind: 'agent', agentId };
}

export async function authenticateSupervisor(headers: Record<string, string | undefined>, credentials: RunCredentials, now: number): Promise<Principal> {
  const token = bearer(headers);
  if (!CREDENTIAL_PATTERN.test(token)) throw new UnauthorizedError('invalid supervisor token');
  const run = await credentials.runOfSupervisor(credentialHash(token), now);
  if (!run) throw new UnauthorizedError('invalid supervisor token');
  return { kind: 'supervisor', ...run };
}

export function isOperatorToken(candidate: string, operatorToken: string): boolean {
  // Compare digests so that the comparison takes the same time whatever the lengths.
  const a = createHash('sha256').update(candidate).digest();
  const b = createHash('sha256').update(operatorToken).digest();
  return timingSafeEqual(a, b);
}

export async function authenticateOperator(headers: Record<string, string | undefined>, operatorToken: () => Promise<string>): Promise<Principal> {
  if (!isOperatorToken(bearer(headers), await operatorToken())) throw new UnauthorizedError('invalid operator token');
  return { kind: 'operator' };
}
