/**
 * POST /agents {endowment, files?}: the calling agent spawns a child. The spawn fee is burned and
 * the endowment moved to the child in one transaction; the child's workspace is a copy of the
 * parent's (without its state) overlaid with `files`; its lineage is [parent, ...parent's lineage]
 * and its generation one more. The child's credential is shown once (a replay returns null).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { assertFiles } from '../economy/society.js';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { credentialHash, newCredential } from './http/auth.js';
import { agentOf } from './http/principal.js';
import { route } from './http/route.js';
import { nonNegativeMicros } from './http/schemas.js';

const body = z.strictObject({ endowment: nonNegativeMicros, files: z.record(z.string(), z.string()).optional() });

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'agent', body, status: 201 }, async ({ principal, body, idempotencyKey }) => {
    const parentId = agentOf(principal);
    const workspaces = deps.workspaces;
    if (!workspaces) throw new Error('spawning needs a workspace store (WORKSPACE_BUCKET)');
    // Files are checked before any money moves.
    assertFiles(body.files ?? {});
    const credential = newCredential();
    // The child's id follows from the request's key, so a retried spawn fills the same workspace.
    const childId = createHash('sha256').update(idempotencyKey).digest('base64url').replace(/[^A-Za-z0-9]/g, '').slice(0, 26).toUpperCase();
    const round = (await deps.rounds.state())?.lastRound ?? 0;
    const { agent, credentialHash: stored } = await deps.agents.spawnAgent({
      parentId,
      childId,
      credentialHash: credentialHash(credential),
      endowment: body.endowment,
      fee: deps.config.spawnFee,
      round,
      idempotencyKey,
    });
    await workspaces.inherit(parentId, agent.agentId, body.files ?? {});
    return {
      agentId: agent.agentId,
      generation: agent.generation,
      lineage: agent.lineage,
      endowment: body.endowment,
      fee: deps.config.spawnFee,
      credential: stored === credentialHash(credential) ? credential : null,
    };
  });
}

export const handler = lazy(() => makeHandler(defaultDeps()));
