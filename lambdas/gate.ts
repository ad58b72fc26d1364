/**
 * The gate: API Gateway's Lambda REQUEST authorizer (simple responses) in front of the agents' and
 * the supervisors' routes, so that a request without a live credential is stopped before its
 * route's function runs:
 * - no `Authorization` header: API Gateway answers 401 `{"message":"Unauthorized"}` itself, without
 *   calling the gate (the header is its identity source);
 * - a header that is no live agent credential, run credential or supervisor token: the gate says
 *   no, and API Gateway answers 403 `{"message":"Forbidden"}`.
 * API Gateway caches the gate's answer per header value, so a client that
 * repeats a refused secret costs neither a Lambda nor a read within that time (`GATE_CACHE_SECONDS`
 * and the routes it guards, `GATED`, are in lambdas/routes.ts). The gate only lets
 * a request reach its route: the route authenticates again (`lambdas/http/route.ts`), exactly as
 * before, so a credential revoked while its "yes" is cached is still refused there with 401, and
 * a supervisor token is still refused on an agent's route. See docs/SECURITY.md.
 */
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerResult } from 'aws-lambda';
import type { Caller } from '../economy/credentials.js';
import { UnauthorizedError } from '../economy/errors.js';
import { deployed } from '../wiring/base.js';
import { bearer } from './http/auth.js';
import { agentCallerOf, supervisorCallerOf } from '../wiring/dynamodb.js';

/** Whether the request's bearer secret belongs to a living agent or a run (any of `callers`). */
export function makeHandler(callers: readonly Caller[]) {
  return async (event: Pick<APIGatewayRequestAuthorizerEventV2, 'headers'>): Promise<APIGatewaySimpleAuthorizerResult> => {
    let secret: string;
    try {
      secret = bearer(event.headers ?? {});
    } catch {
      return { isAuthorized: false }; // not `Bearer <secret>`
    }
    for (const caller of callers) {
      try {
        await caller.identify(secret);
        return { isAuthorized: true };
      } catch (err) {
        // Not this kind of caller: the next. A failure to look it up fails the request (500, not cached).
        if (!(err instanceof UnauthorizedError)) throw err;
      }
    }
    return { isAuthorized: false };
  };
}

export const handler = deployed((b) => makeHandler([agentCallerOf(b), supervisorCallerOf(b)]));
