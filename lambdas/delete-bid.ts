/**
 * DELETE /bids/{id}: cancels a pending bid the caller pays for (its own, or one it sponsors) and
 * releases its hold. Bids live under their payer, so another agent's bid id is simply not found
 * (404). Cancelling twice returns the first result.
 */
import { ValidationError } from '../economy/errors.js';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { agentOf } from './http/principal.js';
import { route } from './http/route.js';
import { agentIdSchema } from './http/schemas.js';

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'agent' }, ({ principal, params }) => {
    const agentId = agentOf(principal);
    const bidId = agentIdSchema.safeParse(params.id);
    if (!bidId.success) throw new ValidationError('bid id is malformed', { field: 'id' });
    return deps.bids.cancelBid({ payerId: agentId, bidId: bidId.data, idempotencyKey: `${agentId}:cancel:${bidId.data}` });
  });
}

export const handler = lazy(() => makeHandler(defaultDeps()));
