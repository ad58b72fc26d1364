/** GET /admin/audit: the conservation invariant and the journal replay, over a full scan. */
import { defaultDeps, lazy, type Deps } from './deps.js';
import { route } from './http/route.js';

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'operator' }, () => deps.ledger.audit());
}

export const handler = lazy(() => makeHandler(defaultDeps()));
