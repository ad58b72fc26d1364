/**
 * The middleware chain every API route shares (middy): JSON errors, JSON body parsing, then
 * authentication, zod validation of body and query, and the Idempotency-Key, before the route's
 * own few lines run. Routes stay thin: parse → call the economy → respond.
 */
import { randomUUID } from 'node:crypto';
import middy, { type MiddlewareObj } from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { UnauthorizedError, ValidationError } from '../../economy/errors.js';
import type { Caller, Claim, CredentialCheck, Principal } from '../../economy/credentials.js';
import type { RouteRule } from '../routes.js';
import { bearer } from './auth.js';
import { jsonErrors } from './errors.js';
import { responseOf } from './respond.js';

export type ApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** What a route's handler takes to know its callers: agents, runs' supervisors, or the operator. */
export interface AgentAuth {
  agentCaller: Caller;
}
export interface SupervisorAuth {
  supervisorCaller: Caller;
}
export interface OperatorAuth {
  operatorCaller: Caller;
}

export interface RouteSpec<B extends z.ZodMiniType | undefined, Q extends z.ZodMiniType | undefined> {
  body?: B;
  query?: Q;
  /** The status of a success (200 unless given). */
  status?: number;
  /** Errors in the shape OpenAI's clients read (`type` and `param` besides `code` and `message`). */
  openaiErrors?: boolean;
  /**
   * The route's one write checks the caller's credential in its own transaction (it passes
   * `credential` on): authentication then costs no read when the credential's owner is known.
   */
  checksCredential?: boolean;
}

type Infer<S> = S extends z.ZodMiniType ? z.infer<S> : undefined;

export interface RouteInput<B, Q> {
  principal: Principal;
  body: B;
  query: Q;
  params: Record<string, string | undefined>;
  /** The caller's Idempotency-Key scoped to the caller (a fresh key when none was sent). */
  idempotencyKey: string;
  /** On a route that `checksCredential`: what its write must check (see CredentialCheck). */
  credential?: CredentialCheck;
}

// zod/mini loads no messages of its own: the API's errors say what is wrong in English.
z.config(en());

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/**
 * A route of the table (`lambdas/routes.ts`), called by whom its rule says: `caller` must be of
 * that kind (checked when the handler is built, so a handler cannot drift from the table).
 */
export function route<B extends z.ZodMiniType | undefined = undefined, Q extends z.ZodMiniType | undefined = undefined>(
  rule: RouteRule,
  caller: Caller,
  spec: RouteSpec<B, Q>,
  fn: (input: RouteInput<Infer<B>, Infer<Q>>) => Promise<unknown>,
): ApiHandler {
  if (caller.kind !== rule.auth) throw new Error(`lambdas/${rule.entry}.ts: the routes table says its callers are ${rule.auth}s, its handler knows ${caller.kind}s`);
  // Who is calling is settled first: a caller without a valid credential gets 401 whatever it sent.
  // Where the route's write checks the credential, a known credential is not read first; if the
  // request is refused for anything else before or in that write, the credential is read then, so
  // that an invalid one still gets its 401 (a refusal never says more to an invalid credential).
  const principals = new WeakMap<APIGatewayProxyEventV2, Principal>();
  const claims = new WeakMap<APIGatewayProxyEventV2, Claim>();
  const deferred = spec.checksCredential === true && caller.claim !== undefined;
  const authenticate: MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> = {
    before: async ({ event }) => {
      const secret = bearer(event.headers);
      if (!deferred) {
        principals.set(event, await caller.identify(secret));
        return;
      }
      const claimed = await caller.claim!(secret);
      claims.set(event, claimed);
      principals.set(event, claimed.principal);
    },
    onError: async (request) => {
      const claimed = claims.get(request.event);
      if (!claimed || claimed.verified || request.error instanceof UnauthorizedError) return;
      try {
        await caller.identify(bearer(request.event.headers));
      } catch (err) {
        if (err instanceof UnauthorizedError) request.error = err;
      }
    },
  };
  const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(jsonErrors({ openai: spec.openaiErrors === true }))
    .use(authenticate);
  // Any Content-Type is read as JSON (agents need not remember the header); the option exists
  // at runtime but is missing from the package's type declarations.
  if (spec.body) handler.use(httpJsonBodyParser({ disableContentTypeCheck: true } as Parameters<typeof httpJsonBodyParser>[0]));
  return handler.handler(async (event: APIGatewayProxyEventV2) => {
    const headers = event.headers;
    const principal = principals.get(event)!;
    const body = spec.body ? parse(spec.body, event.body, 'body') : undefined;
    const query = spec.query ? parse(spec.query, event.queryStringParameters ?? {}, 'query') : undefined;
    const input: RouteInput<Infer<B>, Infer<Q>> = {
      principal,
      body: body as Infer<B>,
      query: query as Infer<Q>,
      params: event.pathParameters ?? {},
      idempotencyKey: `${principal.kind === 'operator' ? 'operator' : principal.agentId}:${idempotencyKey(headers)}`,
    };
    const claimed = claims.get(event);
    if (claimed) input.credential = claimed.check;
    return responseOf(spec.status ?? 200, await fn(input));
  });
}

function idempotencyKey(headers: Record<string, string | undefined>): string {
  const key = headers['idempotency-key'];
  if (key === undefined) return randomUUID();
  if (!IDEMPOTENCY_KEY.test(key)) throw new ValidationError('Idempotency-Key must be 1–200 visible ASCII characters', { field: 'Idempotency-Key' });
  return key;
}

function parse(schema: z.ZodMiniType, value: unknown, where: string): unknown {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const detail = result.error.issues.map((i) => `${[where, ...i.path.map(String)].join('.')}: ${i.message}`).join('; ');
  throw new ValidationError(detail, { field: where });
}
