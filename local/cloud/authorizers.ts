/**
 * The template's Lambda REQUEST authorizers (`AWS::ApiGatewayV2::Authorizer`), applied as API
 * Gateway applies them to an HTTP API route (payload format 2.0, simple responses):
 * - a request that lacks an identity source gets 401 `{"message":"Unauthorized"}`, and the
 *   authorizer is not invoked;
 * - otherwise the authorizer's answer is cached per identity-source value for its TTL; `false`
 *   gets 403 `{"message":"Forbidden"}`, an authorizer that fails gets 500;
 * - `true` passes the request on to the route's function.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { functionByArn, type LocalFunction } from './functions.js';
import type { Resolver } from './intrinsics.js';
import type { Template } from './template.js';

/** Whether a request may reach its route; a response in its place when not. */
export type Authorize = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2 | undefined>;

const refusal = (statusCode: number, message: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ message }),
});

/** API Gateway's Lambda authorizer URI: `arn:…:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations`. */
const FUNCTION_IN_URI = /:lambda:path\/2015-03-31\/functions\/(.+)\/invocations$/;

/**
 * The template's authorizers, each with its own cache: `of(route)` is the route's, or undefined for
 * a route without one (AuthorizationType NONE).
 */
export function authorizersOf(template: Template, resolver: Resolver, functions: ReadonlyMap<string, LocalFunction>, now: () => number = Date.now) {
  const byId = new Map<string, Authorize>();
  const build = (id: string): Authorize => {
    const spec = template.resource(id).properties;
    if (spec.AuthorizerType !== 'REQUEST' || spec.EnableSimpleResponses !== true) {
      throw new Error(`authorizer ${id}: only Lambda REQUEST authorizers with simple responses run locally`);
    }
    const uri = resolver.string(spec.AuthorizerUri, `${id}.AuthorizerUri`);
    const fn = functionByArn(functions, resolver, FUNCTION_IN_URI.exec(uri)?.[1]);
    if (!fn) throw new Error(`authorizer ${id} invokes ${uri}, which is none of the template's functions`);
    const headers = (spec.IdentitySource as string[]).map((source) => {
      const header = /^\$request\.header\.(.+)$/.exec(source)?.[1];
      if (!header) throw new Error(`authorizer ${id}: identity source ${source} is not a header`);
      return header.toLowerCase();
    });
    return cachedAuthorizer(fn, headers, Number(spec.AuthorizerResultTtlInSeconds ?? 0) * 1000, now);
  };
  return {
    of(route: { logicalId: string; properties: Record<string, unknown> }): Authorize | undefined {
      const type = route.properties.AuthorizationType ?? 'NONE';
      if (type === 'NONE') return undefined;
      if (type !== 'CUSTOM') throw new Error(`route ${route.logicalId}: authorization ${JSON.stringify(type)} does not run locally`);
      // A reference to the authorizer resource in the template (its id in API Gateway has no local meaning).
      const id = (route.properties.AuthorizerId as { Ref?: string } | undefined)?.Ref;
      if (!id) throw new Error(`route ${route.logicalId}: AuthorizerId is no reference to the template's authorizer`);
      let authorize = byId.get(id);
      if (!authorize) byId.set(id, (authorize = build(id)));
      return authorize;
    },
  };
}

function cachedAuthorizer(fn: LocalFunction, headers: readonly string[], ttlMs: number, now: () => number): Authorize {
  const answers = new Map<string, { allowed: boolean; until: number }>();
  return async (event) => {
    const identity = headers.map((h) => event.headers[h]);
    if (identity.some((value) => !value)) return refusal(401, 'Unauthorized');
    const key = JSON.stringify(identity);
    const cached = answers.get(key);
    let allowed = cached && cached.until > now() ? cached.allowed : undefined;
    if (allowed === undefined) {
      try {
        const result = (await fn.invoke(authorizerEvent(event, identity as string[]))) as { isAuthorized?: unknown } | undefined;
        allowed = result?.isAuthorized === true;
      } catch {
        return refusal(500, 'Internal Server Error');
      }
      if (ttlMs > 0) answers.set(key, { allowed, until: now() + ttlMs });
    }
    return allowed ? undefined : refusal(403, 'Forbidden');
  };
}

function authorizerEvent(event: APIGatewayProxyEventV2, identitySource: string[]): APIGatewayRequestAuthorizerEventV2 {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:local:000000000000:local/$default/${event.requestContext.http.method}${event.rawPath}`,
    identitySource,
    routeKey: event.routeKey,
    rawPath: event.rawPath,
    rawQueryString: event.rawQueryString,
    cookies: event.cookies ?? [],
    headers: event.headers,
    queryStringParameters: (event.queryStringParameters ?? {}),
    requestContext: event.requestContext,
    pathParameters: (event.pathParameters ?? {}),
    stageVariables: {},
  };
}
