/**
 * The local stand-in for API Gateway: real HTTP on 127.0.0.1, each request turned into an API
 * Gateway v2 (HTTP API) event and passed to the same Lambda handler that AWS would run.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

export interface GatewayRoute {
  method: string;
  path: string;
  handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
}

export interface Gateway {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

interface CompiledRoute extends GatewayRoute {
  pattern: RegExp;
  names: string[];
}

function compile(route: GatewayRoute): CompiledRoute {
  const names: string[] = [];
  const source = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { ...route, pattern: new RegExp(`^${source}$`), names };
}

/**
 * Serves the routes on 127.0.0.1:`port` and, when `socketPath` is given, on that unix socket too:
 * the only way out of a local agent sandbox leads there.
 */
export async function startGateway(routes: readonly GatewayRoute[], options: { port?: number; socketPath?: string } = {}): Promise<Gateway> {
  const compiled = routes.map(compile);
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(compiled, req, res).catch((err: unknown) => {
      console.error('gateway error', err);
      if (!res.headersSent) send(res, { statusCode: 500, body: JSON.stringify({ error: { code: 'INTERNAL', message: 'internal error' } }) });
    });
  };
  const server: Server = createServer(listener);
  await listen(server, options.port ?? 0, '127.0.0.1');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const servers = [server];
  if (options.socketPath) {
    rmSync(options.socketPath, { force: true });
    const socket = createServer(listener);
    await listen(socket, options.socketPath);
    // Agents run as another user: they may connect (the socket is reachable only where it is bound in).
    chmodSync(options.socketPath, 0o666);
    servers.push(socket);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.closeAllConnections();
              s.close(() => resolve());
            }),
        ),
      );
    },
  };
}

function listen(server: Server, ...where: [number, string] | [string]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(...(where as [number, string]), () => resolve());
  });
}

async function handle(routes: readonly CompiledRoute[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  // The request target as a path on this host (a target such as '//x' is a path, not another host).
  const url = new URL(`http://127.0.0.1${(req.url ?? '/').startsWith('/') ? '' : '/'}${req.url ?? ''}`);
  const method = (req.method ?? 'GET').toUpperCase();
  let pathParameters: Record<string, string> | undefined;
  const route = routes.find((r) => {
    if (r.method !== method) return false;
    const match = r.pattern.exec(url.pathname);
    if (!match) return false;
    pathParameters = Object.fromEntries(r.names.map((name, i) => [name, decodePathSegment(match[i + 1]!)]));
    return true;
  });
  if (pathParameters && Object.values(pathParameters).includes(MALFORMED)) {
    send(res, { statusCode: 400, body: JSON.stringify({ error: { code: 'VALIDATION', message: 'the path has a malformed percent-escape' } }) });
    return;
  }
  if (!route) {
    send(res, { statusCode: 404, body: JSON.stringify({ error: { code: 'NOT_FOUND', message: `no route for ${method} ${url.pathname}` } }) });
    return;
  }
  const body = await readBody(req);
  if (body === undefined) {
    send(res, { statusCode: 413, body: JSON.stringify({ error: { code: 'VALIDATION', message: `body larger than ${MAX_BODY_BYTES} bytes` } }) });
    return;
  }
  const event = toEvent(req, url, route, pathParameters, body);
  const context = { awsRequestId: event.requestContext.requestId, functionName: `local-${route.method}-${route.path}` } as Context;
  send(res, await route.handler(event, context));
}

const MALFORMED = '\u0000malformed';

/** A path parameter, percent-decoded as API Gateway does; a malformed escape is the caller's error. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return MALFORMED;
  }
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function toEvent(
  req: IncomingMessage,
  url: URL,
  route: CompiledRoute,
  pathParameters: Record<string, string> | undefined,
  body: string,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (name === 'cookie') cookies.push(...String(value).split(/;\s*/).filter(Boolean));
    else headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
  const now = new Date();
  return {
    version: '2.0',
    routeKey: `${route.method} ${route.path}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(cookies.length > 0 ? { cookies } : {}),
    ...(url.search ? { queryStringParameters: query } : {}),
    ...(pathParameters && Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
    ...(body.length > 0 ? { body } : {}),
    isBase64Encoded: false,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method: route.method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: `${route.method} ${route.path}`,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
  };
}

function send(res: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const headers: Record<string, string | string[]> = { 'content-type': 'application/json; charset=utf-8' };
  for (const [k, v] of Object.entries(result.headers ?? {})) headers[k.toLowerCase()] = String(v);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(result.isBase64Encoded && result.body ? Buffer.from(result.body, 'base64') : (result.body ?? ''));
}
