/**
 * POST /admin/agents {endowment}: the operator creates a first agent; its endowment is minted as
 * a human grant. The credential is shown once: a replay with the same Idempotency-Key returns the
 * same agent id without it (it is stored only as a hash).
 */
import { z } from 'zod';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { credentialHash, newCredential } from './http/auth.js';
import { route } from './http/route.js';
import { nonNegativeMicros } from './http/schemas.js';

const body = z.strictObject({ endowment: nonNegativeMicros });

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'operator', body, status: 201 }, async ({ body, idempotencyKey }) => {
    const credential = newCredential();
    const created = await deps.agents.createAgent({
      agentId: deps.newId(),
      credentialHash: credentialHash(credential),
      endowment: body.endowment,
      round: (await deps.rounds.state())?.lastRound ?? 0,
      idempotencyKey,
    });
    const fresh = created.credentialHash === credentialHash(credential);
    return { agentId: created.agentId, endowment: body.endowment, credential: fresh ? credential : null };
  });
}

export const handler = lazy(() => makeHandler(defaultDeps()));
