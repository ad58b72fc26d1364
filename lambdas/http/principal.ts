import { ForbiddenError } from '../../economy/errors.js';
import type { Principal } from './auth.js';

/** The calling agent's id (routes with agent auth only ever see agents). */
export function agentOf(principal: Principal): string {
  if (principal.kind !== 'agent') throw new ForbiddenError('this route is for agents');
  return principal.agentId;
}
