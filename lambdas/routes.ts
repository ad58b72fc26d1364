/**
 * The HTTP API as data: each route's Lambda entry point (`lambdas/<entry>.ts`), who may call it,
 * whether it writes, and what it uses besides the tables. The handlers take their authentication
 * from here, the CDK stack its functions, grants and environment, the local gateway its routes.
 * It imports nothing, so that `cdk synth` loads no runtime code.
 */
export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * Who calls: an agent (its credential, or its run's), a run's supervisor (its supervisor token),
 * the operator (the operator token as a bearer token), or the human at the page (its session,
 * opened with the operator token).
 */
export type Auth = 'agent' | 'supervisor' | 'operator' | 'human';

/** What the route does to the tables: reads, or reads and writes (transactions included). */
export type Access = 'read' | 'write';

/**
 * What a route uses besides the tables, each with its configuration and its grant:
 * - `llm`: names the model the gateway serves (and its prices);
 * - `model`: calls the model;
 * - `workspaces`: writes agents' workspaces, or signs URLs for one;
 * - `meter`: queues usage reports.
 */
export type Need = 'llm' | 'model' | 'workspaces' | 'meter';

export interface RouteRule {
  /** The Lambda entry point: `lambdas/<entry>.ts` (the human page's routes share one). */
  readonly entry: string;
  readonly auth: Auth;
  readonly access: Access;
  readonly needs: readonly Need[];
}

export interface ApiRoute extends RouteRule {
  readonly method: Method;
  /** API Gateway's path syntax: `{name}` is a path parameter. */
  readonly path: string;
}

const rule = (auth: Auth) => (entry: string, access: Access, ...needs: Need[]): RouteRule => ({ entry, auth, access, needs });
const agent = rule('agent');
const supervisor = rule('supervisor');
const operator = rule('operator');
const human = rule('human');

export const ROUTES = {
  'GET /me': agent('get-me', 'read'),
  'GET /market': agent('get-market', 'read', 'llm'),
  'POST /bids': agent('post-bids', 'write'),
  'GET /bids': agent('get-bids', 'read'),
  'DELETE /bids/{id}': agent('delete-bid', 'write'),
  'POST /transfers': agent('post-transfers', 'write'),
  'GET /journal': agent('get-journal', 'read'),
  'POST /v1/chat/completions': agent('post-chat-completions', 'write', 'llm', 'model'),
  'GET /v1/models': agent('get-models', 'read', 'llm'),
  'POST /prompts': agent('post-prompts', 'write'),
  'GET /inbox': agent('get-inbox', 'read'),
  'POST /agents': agent('post-agents', 'write', 'workspaces'),
  'GET /agents': agent('get-agents', 'read'),
  'POST /messages': agent('post-messages', 'write'),
  'PUT /agents/{id}/config': agent('put-agent-config', 'write'),
  'POST /artifacts': agent('post-artifacts', 'write'),
  'GET /artifacts': agent('get-artifacts', 'read'),
  'GET /artifacts/{id}': agent('get-artifact', 'read'),
  'GET /listings': agent('get-listings', 'read'),
  'POST /artifacts/{id}/listing': agent('post-artifact-listing', 'write'),
  'DELETE /artifacts/{id}/listing': agent('delete-artifact-listing', 'write'),
  'POST /artifacts/{id}/purchase': agent('post-artifact-purchase', 'write'),
  'POST /artifacts/{id}/repay': agent('post-artifact-repay', 'write'),
  'POST /loans': agent('post-loans', 'write'),
  'POST /run/renewal': supervisor('post-run-renewal', 'write'),
  'POST /run/usage': supervisor('post-run-usage', 'read', 'meter'),
  'POST /run/workspace': supervisor('post-run-workspace', 'read', 'workspaces'),
  'POST /admin/agents': operator('post-admin-agents', 'write', 'workspaces'),
  'GET /admin/prompts': operator('get-admin-prompts', 'read'),
  'POST /admin/prompts/{id}/reward': operator('post-admin-prompt-reward', 'write'),
  'GET /admin/audit': operator('get-admin-audit', 'read'),
  'GET /human': human('human', 'read', 'llm'),
  'POST /human/login': human('human', 'write'),
  'POST /human/logout': human('human', 'write'),
  'POST /human/prompts/{id}/reward': human('human', 'write'),
  'GET /human/assets/{name}': human('human', 'read'),
} as const satisfies Record<`${Method} /${string}`, RouteRule>;

export type RouteKey = keyof typeof ROUTES;

/** At most `rate` requests a second, with bursts of `burst`, over all callers of a route. */
export interface Throttle {
  readonly rate: number;
  readonly burst: number;
}

/**
 * Routes held below the stage's limit, so that traffic on them cannot take the agents' share: the
 * human's page (a person clicks; signing in is where a guesser would try tokens, so slowest) and
 * the operator's routes. The agents' routes share the stage's limit.
 */
export function throttleOf(route: Pick<ApiRoute, 'auth' | 'method' | 'path'>): Throttle | undefined {
  if (route.auth === 'human') return route.path === '/human/login' ? { rate: 1, burst: 5 } : { rate: 5, burst: 20 };
  if (route.auth === 'operator') return { rate: 5, burst: 10 };
  return undefined;
}

/**
 * Callers whose routes sit behind the gate (`lambdas/gate.ts`, API Gateway's authorizer): bearer
 * credentials the records table knows. The operator's routes (five requests a second, an operator
 * token from Secrets Manager) and the human page's (a session cookie; signing in is open by nature)
 * are held by their throttles instead.
 */
export const GATED: ReadonlySet<Auth> = new Set<Auth>(['agent', 'supervisor']);

/** How long API Gateway keeps the gate's answer for one Authorization header (seconds). */
export const GATE_CACHE_SECONDS = 300;

/** The entry points that no route calls: invoked by a schedule, a queue, an event, or API Gateway before a route (the gate). */
export const UNROUTED_ENTRIES = ['oracle', 'audit', 'metering', 'ecs-task-stopped', 'gate'] as const;

export const API_ROUTES: readonly ApiRoute[] = Object.entries(ROUTES).map(([key, rule]) => {
  const [method, path] = key.split(' ') as [Method, string];
  return { method, path, ...rule };
});

/** One Lambda function: its routes, and what it needs (the union of what they need). */
export interface EntryPoint {
  routes: ApiRoute[];
  auth: Set<Auth>;
  access: Access;
  needs: Set<Need>;
}

/** The entry points of the routes, by entry. */
export function entryPoints(routes: readonly ApiRoute[] = API_ROUTES): Map<string, EntryPoint> {
  const entries = new Map<string, EntryPoint>();
  for (const route of routes) {
    const entry = entries.get(route.entry) ?? { routes: [], auth: new Set<Auth>(), access: 'read' as Access, needs: new Set<Need>() };
    entry.routes.push(route);
    entry.auth.add(route.auth);
    if (route.access === 'write') entry.access = 'write';
    for (const need of route.needs) entry.needs.add(need);
    entries.set(route.entry, entry);
  }
  return entries;
}
