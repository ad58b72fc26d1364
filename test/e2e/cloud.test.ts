/**
 * `npm start -- --cloud`: the synthesised template's own wiring, run locally (local/cloud/). The
 * black-box test of every agent route (test/support/agent-routes.ts) passes through the template's
 * routes, integrations and functions, each function with only its template environment, with the
 * oracle on the template's schedule leasing to the agents. A function whose code reads a variable
 * the template does not give it fails as it would in AWS, and a template route that leads to no
 * function stops the start.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentApi } from '../../agent-container/runtime/client.js';
import { startCloudStack, RouteWithoutHandlerError, type CloudStack } from '../../local/cloud/stack.js';
import { synthesizeTemplate, templateOf, type Json, type Template } from '../../local/cloud/template.js';
import { freePort } from '../../local/free-port.js';
import { AGENT_ROUTES, callEveryAgentRoute, trackRoutes } from '../support/agent-routes.js';
import { hasMoto, MOTO_MISSING } from '../support/moto.js';
import { SMALL_BUNDLE } from '../support/stack.js';
import { newCredential } from '../../economy/credentials.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let template: Template;
let stack: CloudStack | undefined;
const lines: string[] = [];

const start = async (t: Template, log: (line: string) => void = (line) => lines.push(line)) =>
  startCloudStack({ port: await freePort(), dataDir: mkdtempSync(join(tmpdir(), 'syntropism-cloud-')), template: t, genesisLeaseSeconds: 10, log, onCrash: (what) => log(`CRASH ${what}`) });

/** The template as JSON, changed by `edit`. */
const edited = (edit: (resources: Json) => void): Template => {
  const json = structuredClone(template.json);
  edit(json.Resources as Json);
  return templateOf(json);
};

beforeAll(async () => {
  if (!hasMoto) return;
  template = synthesizeTemplate({ roundSeconds: 2, localCloud: true, llmProvider: 'offline' });
  stack = await start(template);
}, 300_000);
afterAll(async () => {
  await stack?.stop();
}, 60_000);

describe.skipIf(!hasMoto)(`the template's wiring, run locally${hasMoto ? '' : ` (${MOTO_MISSING})`}`, () => {
  it('serves every agent route through its routes and functions, the oracle leasing on its schedule', { timeout: 180_000 }, async () => {
    const operator = { authorization: `Bearer ${stack!.operatorToken}`, 'content-type': 'application/json' };
    const create = async (body: unknown) => {
      const res = await fetch(`${stack!.url}/admin/agents`, { method: 'POST', headers: operator, body: JSON.stringify(body) });
      expect(res.status).toBe(201);
      return (await res.json()) as { agentId: string; credential: string };
    };
    const a = await create({ endowment: 20_000_000, bid: { bundle: SMALL_BUNDLE, amount: 5_000_000 } });
    const b = await create({ endowment: 50_000_000 });
    const alice = new AgentApi(stack!.url, a.credential);
    for (let i = 0; i < 60 && !(await alice.me()).lease; i += 1) await sleep(1000);
    expect((await alice.me()).lease).toBeTruthy();

    const routes = trackRoutes();
    try {
      await callEveryAgentRoute({ api: alice, agentId: a.agentId }, { api: new AgentApi(stack!.url, b.credential), agentId: b.agentId });
    } finally {
      routes.restore();
    }
    expect(AGENT_ROUTES.filter((r) => !routes.reached.has(r))).toEqual([]);
    const audit = await fetch(`${stack!.url}/admin/audit`, { headers: operator });
    expect(await audit.json()).toMatchObject({ ok: true, drift: 0 });
    expect(lines.filter((l) => l.startsWith('CRASH') || l.startsWith('function '))).toEqual([]);
  });

  it("stops requests without a live credential at the gate, as API Gateway does, and the route still authenticates what the gate let through", { timeout: 120_000 }, async () => {
    const gate = [...stack!.functions.values()].find((fn) => fn.spec.entry === 'lambdas/gate.ts')!;
    // The gate's calls for this test's secrets (the running agents' tasks call through it too).
    const ours = new Set<string>();
    let gateCalls = 0;
    const invoke = gate.invoke.bind(gate);
    gate.invoke = (event) => {
      if (ours.has((event as { headers: Record<string, string> }).headers.authorization ?? '')) gateCalls += 1;
      return invoke(event);
    };
    const call = async (path: string, authorization?: string, method = 'GET') => {
      const res = await fetch(`${stack!.url}${path}`, { method, headers: authorization ? { authorization } : {} });
      return { status: res.status, body: (await res.json()) };
    };
    try {
      // No header: API Gateway's own 401, without calling the gate.
      expect(await call('/me')).toEqual({ status: 401, body: { message: 'Unauthorized' } });
      expect(await call('/run/renewal', undefined, 'POST')).toEqual({ status: 401, body: { message: 'Unauthorized' } });
      expect(gateCalls).toBe(0);
      // A stranger's secret: the gate's 403, asked once and then cached for every gated route.
      const stranger = `Bearer ${newCredential()}`;
      ours.add(stranger);
      expect(await call('/me', stranger)).toEqual({ status: 403, body: { message: 'Forbidden' } });
      expect(await call('/bids', stranger, 'POST')).toEqual({ status: 403, body: { message: 'Forbidden' } });
      expect(gateCalls).toBe(1);
      // The operator's routes have no gate: their handler answers, in the API's own error shape.
      expect(await call('/admin/audit')).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });

      // A living agent passes; once dead, the gate's cached yes still lets it through, and the route refuses it.
      const operator = { authorization: `Bearer ${stack!.operatorToken}`, 'content-type': 'application/json' };
      const res = await fetch(`${stack!.url}/admin/agents`, { method: 'POST', headers: operator, body: JSON.stringify({ endowment: 1_000_000 }) });
      const { agentId, credential } = (await res.json()) as { agentId: string; credential: string };
      ours.add(`Bearer ${credential}`);
      expect((await call('/me', `Bearer ${credential}`)).status).toBe(200);
      await stack!.deps.agents.bury({ agentId, round: 1, reason: 'dormant', judged: { available: 1_000_000, held: 0, pendingBids: 0 } });
      expect(await call('/me', `Bearer ${credential}`)).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
      expect(gateCalls).toBe(2);
    } finally {
      gate.invoke = invoke;
    }
  });

  it('fails a function whose code reads a variable the template does not give it, as AWS would', { timeout: 180_000 }, async () => {
    // The operator's agent creation writes workspaces: without the bucket's name, the genesis agent cannot be born.
    const broken = edited((resources) => {
      const fn = Object.values(resources).find((r: Json) => r.Metadata?.['Syntropism::Entry'] === 'lambdas/post-admin-agents.ts') as Json;
      delete fn.Properties.Environment.Variables.WORKSPACE_BUCKET;
    });
    const log: string[] = [];
    await expect(start(broken, (line) => log.push(line))).rejects.toThrow(/genesis agent: 500/);
    expect(log.join('\n')).toMatch(/post-admin-agents|WORKSPACE_BUCKET must be set/);
    expect(log.join('\n')).toContain('WORKSPACE_BUCKET must be set');
  });

  it('does not start when a route of the template leads to no function', { timeout: 120_000 }, async () => {
    const broken = edited((resources) => {
      resources.NowhereIntegration = {
        Type: 'AWS::ApiGatewayV2::Integration',
        Properties: { IntegrationType: 'AWS_PROXY', IntegrationUri: 'arn:aws:lambda:us-east-1:123456789012:function:Nowhere', PayloadFormatVersion: '2.0' },
      };
      resources.NowhereRoute = { Type: 'AWS::ApiGatewayV2::Route', Properties: { RouteKey: 'GET /nowhere', Target: 'integrations/NowhereIntegration' } };
    });
    await expect(start(broken)).rejects.toThrow(RouteWithoutHandlerError);
  });
});
