/** POST /artifacts/{id}/repay {amount}: the debtor repays a debt, to whoever owns it now. */
import { z } from 'zod';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { artifactIdOf } from './http/artifact-id.js';
import { agentOf } from './http/principal.js';
import { route } from './http/route.js';
import { positiveMicros } from './http/schemas.js';

const body = z.strictObject({ amount: positiveMicros });

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'agent', body }, ({ principal, params, body, idempotencyKey }) =>
    deps.artifacts.repay({ debtor: agentOf(principal), artifactId: artifactIdOf(params), amount: body.amount, idempotencyKey }),
  );
}

export const handler = lazy(() => makeHandler(defaultDeps()));
