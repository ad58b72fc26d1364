/**
 * Nothing deploys that would fail at its first request for want of configuration: every variable
 * a handler's code reads without a default is set on that function in the template; every
 * variable set there is one its code reads; the wiring (wiring/base.ts) builds from each
 * function's template environment; and each bundled handler, as deployed, loads in Node and
 * answers a request.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_ENV } from '../../economy/config.js';
import { REPO_ROOT } from '../../infra/handler-function.js';
import { llmModelFromEnv } from '../../adapters/llm/settings.js';
import { usesOperatorToken } from '../../infra/http-api.js';
import { API_ROUTES, entryPoints, UNROUTED_ENTRIES, type ApiRoute, type Need } from '../../lambdas/routes.js';
import { baseFromEnv } from '../../wiring/base.js';
import { envReadsOf } from './support/env-reads.js';
import { functionsOf, placeholderEnv, synthesize, type Synthesized, type TemplateFunction } from './support/synth.js';

/** Variables a deployment may leave unset: they have defaults in code, or serve the local stack only. */
const OPTIONAL = new Set<string>([
  ...Object.values(CONFIG_ENV), // economy/config.ts has a default for each
  'SYNTROPISM_MODE', // `local` in the local stack; AWS is the default
  'OPERATOR_TOKEN', // the local stack's token; in AWS the secret below
  'OPERATOR_TOKEN_SECRET_ARN', // needed where the operator is authenticated: checked below
  'SYNTROPISM_LLM_PROVIDER', // offline unless set; the LLM route must set it: checked below
  'SYNTROPISM_LLM_MODEL',
  'OPENAI_BASE_URL', // only with SYNTROPISM_LLM_PROVIDER=openai, which the stack does not offer
  'OPENAI_API_KEY',
  'WORKSPACE_BUCKET', // needed where workspaces are written or signed for: checked below
  'METERING_QUEUE_URL', // needed where usage is queued: checked below
  'AWS_ENDPOINT_URL', // an emulator's or LocalStack's endpoint (adapters/aws/service.ts); unset in AWS
]);
/**
 * The ECS runner's configuration (wiring/aws.ts): all or none. Without AGENT_CLUSTER a handler
 * runs no agents (the API alone), which is what the stack deploys until the runner is wired.
 */
const RUNNER_CONFIG = [
  'AGENT_CLUSTER',
  'AGENT_TASK_DEFINITION',
  'AGENT_CONTAINER_NAME',
  'AGENT_SUBNETS',
  'AGENT_SECURITY_GROUPS',
  'AGENT_ASSIGN_PUBLIC_IP',
  'AGENT_API_URL',
  'RUN_CREDENTIAL_KEY_ID',
];
/** Set on every function for the Node runtime, not read by our code. */
const FOR_THE_RUNTIME = new Set(['NODE_OPTIONS']);
/** What the routes table says each entry point needs. */
const ENTRIES = entryPoints();
const needs = (entry: string, need: Need) => ENTRIES.get(entry)?.needs.has(need) === true;
/** Entry points whose callers are known by the operator token (the operator's, the human's). */
const operatorEntries = new Set([...ENTRIES].filter(([, e]) => usesOperatorToken(e)).map(([name]) => name));

let synth: Synthesized;
let fns: TemplateFunction[];
const reads = new Map<string, Set<string>>();

beforeAll(async () => {
  synth = synthesize({ bundle: true });
  fns = functionsOf(synth.json);
  for (const fn of fns) reads.set(fn.entry, (await envReadsOf(fn.entry)).names);
});
afterAll(() => synth.dispose());

/** What a function's code needs set: what it reads without a default, and what its role needs. */
function required(fn: TemplateFunction): string[] {
  const runner = 'AGENT_CLUSTER' in fn.environment;
  const names = [...(reads.get(fn.entry) ?? [])].filter((name) => !OPTIONAL.has(name) && (runner || !RUNNER_CONFIG.includes(name)));
  if (operatorEntries.has(fn.entry)) names.push('OPERATOR_TOKEN_SECRET_ARN');
  if (needs(fn.entry, 'llm')) names.push('SYNTROPISM_LLM_PROVIDER', 'SYNTROPISM_LLM_MODEL');
  if (needs(fn.entry, 'workspaces')) names.push('WORKSPACE_BUCKET');
  if (needs(fn.entry, 'meter')) names.push('METERING_QUEUE_URL');
  return names.sort();
}

const missing = (fn: TemplateFunction, environment: Record<string, unknown>): string[] => required(fn).filter((name) => !(name in environment));

function request(route: Pick<ApiRoute, 'method' | 'path'>, authorization?: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: `${route.method} ${route.path}`,
    rawPath: route.path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: route.method === 'POST' ? '{}' : undefined,
    isBase64Encoded: false,
    requestContext: { domainName: 'example.execute-api.us-east-1.amazonaws.com', http: { method: route.method, path: route.path } },
  } as unknown as APIGatewayProxyEventV2;
}

describe('handler environments', () => {
  it('find the variables each handler reads (the scan sees the table names, the config, the token)', () => {
    // The API's entry points, and those invoked by a schedule, a queue or an event.
    expect(fns).toHaveLength(new Set(API_ROUTES.map((r) => r.entry)).size + UNROUTED_ENTRIES.length);
    for (const fn of fns) {
      expect([...reads.get(fn.entry)!], fn.entry).toEqual(expect.arrayContaining(['LEDGER_TABLE', 'JOURNAL_TABLE', 'RECORDS_TABLE', 'ROUND_SECONDS']));
      // Only the code of the operator's and the human's routes reads where the operator token is.
      expect(reads.get(fn.entry)!.has('OPERATOR_TOKEN_SECRET_ARN'), fn.entry).toBe(operatorEntries.has(fn.entry));
    }
    expect([...operatorEntries].sort()).toEqual(['get-admin-audit', 'get-admin-prompts', 'human', 'post-admin-agents', 'post-admin-prompt-reward']);
  });

  it('set on each function every variable its handler needs', () => {
    for (const fn of fns) expect(missing(fn, fn.environment), fn.entry).toEqual([]);
  });

  it('set nothing a handler does not read (a misspelt setting would be ignored silently)', () => {
    for (const fn of fns) {
      const unread = Object.keys(fn.environment).filter((name) => !FOR_THE_RUNTIME.has(name) && !reads.get(fn.entry)!.has(name));
      expect(unread, fn.entry).toEqual([]);
    }
  });

  it("let the wiring build each handler's base from its function's environment", () => {
    for (const fn of fns) {
      const base = baseFromEnv(placeholderEnv(fn.environment));
      expect(base.config.roundSeconds, fn.entry).toBe(60);
      if (needs(fn.entry, 'llm')) expect(llmModelFromEnv(base.env).name, fn.entry).toBe('bedrock');
    }
  });

  it('catch a variable missing from a function (the check can fail)', () => {
    const fn = fns.find((f) => f.entry === 'post-bids')!;
    const { LEDGER_TABLE: _dropped, ...withoutLedger } = fn.environment;
    expect(missing(fn, withoutLedger)).toEqual(['LEDGER_TABLE']);
    expect(() => baseFromEnv(placeholderEnv(withoutLedger))).toThrow(/LEDGER_TABLE/);
    const admin = fns.find((f) => operatorEntries.has(f.entry))!;
    const { OPERATOR_TOKEN_SECRET_ARN: _secret, ...withoutSecret } = admin.environment;
    expect(missing(admin, withoutSecret)).toEqual(['OPERATOR_TOKEN_SECRET_ARN']);
  });
});

describe('bundled handlers', () => {
  const run = promisify(execFile);
  const fnFor = (entry: string) => fns.find((f) => f.entry === entry)!;
  const bundleOf = (fn: TemplateFunction) => join(synth.outdir, `asset.${String(fn.properties.Code.S3Key).replace(/\.zip$/, '')}`, 'index.mjs');

  /**
   * Loads a bundle in a fresh Node with only its function's environment (plus what Lambda sets,
   * and `extra`), and calls it.
   */
  async function invoke(fn: TemplateFunction, event: unknown, extra: Record<string, string> = {}): Promise<unknown> {
    const script = `
      const module = await import(process.argv[1]);
      const event = JSON.parse(process.argv[2]);
      if (typeof module.handler !== 'function') throw new Error('no handler export');
      console.log(JSON.stringify(event === null ? 'loaded' : await module.handler(event, {})));`;
    const env = { ...placeholderEnv(fn.environment), PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...extra };
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, '--', bundleOf(fn), JSON.stringify(event)], { env });
    return JSON.parse(stdout.trim().split('\n').at(-1)!);
  }

  it('load as ES modules and answer an unauthenticated request with 401, wired lazily from the template environment', async () => {
    const apiRoutes = [...new Map(API_ROUTES.filter((r) => r.entry !== 'human').map((r) => [r.entry, r])).values()];
    const responses = await Promise.all(apiRoutes.map((route) => invoke(fnFor(route.entry), request(route))));
    responses.forEach((response, i) => {
      expect(response, apiRoutes[i]!.entry).toMatchObject({ statusCode: 401, body: expect.stringContaining('UNAUTHORIZED') });
    });
  });

  it('include the human page, which answers a visitor without a session with its sign-in form', async () => {
    const human = fns.find((f) => f.entry === 'human');
    if (!human) return;
    // The token stands in for the secret's value (the local stack's way), so that nothing calls AWS.
    const response = await invoke(human, request({ method: 'GET', path: '/human' }), { OPERATOR_TOKEN: 'a-token-in-place-of-the-secret' });
    expect(response).toMatchObject({ statusCode: 200, headers: { 'content-type': expect.stringContaining('text/html') } });
  });

  it("include the human page's assets, every one its pages link to (some are read from package files at run time)", async () => {
    const human = fns.find((f) => f.entry === 'human');
    if (!human) return;
    const pages = readFileSync(join(REPO_ROOT, 'lambdas/human/page.ts'), 'utf8');
    const names = [...new Set([...pages.matchAll(/assets\/([\w.-]+)/g)].map((m) => m[1]!))];
    expect(names).toContain('uPlot.iife.min.js');
    const responses = await Promise.all(
      names.map((name) => {
        const event = { ...request({ method: 'GET', path: '/human/assets/{name}' }), pathParameters: { name } };
        return invoke(human, event, { OPERATOR_TOKEN: 'a-token-in-place-of-the-secret' });
      }),
    );
    responses.forEach((response, i) => expect(response, names[i]).toMatchObject({ statusCode: 200, body: expect.stringMatching(/\S/) }));
  });

  it('include the oracle, whose module loads without doing anything', async () => {
    expect(await invoke(fns.find((f) => f.entry === 'oracle')!, null)).toBe('loaded');
  });
});
