import type { Principal } from '../../economy/credentials.js';
import { ForbiddenError } from '../../economy/errors.js';
import type { RunOf } from '../../economy/ports.js';

/** The calling agent's id (routes with agent auth only ever see agents). */
export function agentOf(principal: Principal): string {
  if (principal.kind !== 'agent') throw new ForbiddenError('this route is for agents');
  return principal.agentId;
}

/** The run a supervisor speaks for (routes with supervisor auth only ever see supervisors). */
export function runOf(principal: Principal): RunOf {
  if (principal.kind !== 'supervisor') throw new ForbiddenError("this route is for a run's supervisor");
  return { agentId: principal.agentId, runId: principal.runId };
}
