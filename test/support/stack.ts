/**
 * A market stack for tests: fresh tables on the shared DynamoDB Local, the real handlers behind
 * the local gateway on a free loopback port, a clock the test moves, and the oracle handler.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalWorkspaces } from '../../adapters/workspace/local.js';
import { ensureTables } from '../../adapters/dynamodb/client.js';
import { tableDefinitions, type Tables } from '../../adapters/dynamodb/tables.js';
import { llmProviderFromEnv } from '../../adapters/llm/provider.js';
import { loadConfig, type Config } from '../../economy/config.js';
import type { Clock, MeterQueue, WorkspaceAccess } from '../../economy/ports.js';
import { dynamoDeps, type Deps } from '../../wiring/deps.js';
import { makeHandler as makeAudit } from '../../lambdas/audit.js';
import { makeHandler as makeOracle } from '../../lambdas/oracle.js';
import { allRoutes } from '../../lambdas/all-routes.js';
import { startGateway, type Gateway } from '../../local/gateway.js';
import { testClient } from './dynamodb.js';

export const OPERATOR_TOKEN = 'test-operator-token-0123456789';

export class TestClock implements Clock {
  constructor(public t = Date.UTC(2026, 10, 21, 12, 0, 0)) {}
  now(): number {
    return this.t;
  }
  advance(seconds: number): void {
    this.t += seconds * 1000;
  }
}

/** Real time, for tests with real processes; `advance` waits for real time to pass. */
export class RealClock extends TestClock {
  override now(): number {
    return Date.now();
  }
  override advance(): void {
    throw new Error('real time cannot be advanced: wait instead');
  }
}

export interface TestStack {
  deps: Deps;
  workspaces: LocalWorkspaces;
  tables: Tables;
  clock: TestClock;
  gateway: Gateway;
  /** One oracle invocation, for the tick of the clock's current time. */
  oracle: () => ReturnType<ReturnType<typeof makeOracle>>;
  /** The clock moved on one round period, then the oracle invoked. */
  nextRound: () => ReturnType<ReturnType<typeof makeOracle>>;
  /** One run of the scheduled audit (what the human page shows). */
  scheduledAudit: ReturnType<typeof makeAudit>;
  api: Api;
  close(): Promise<void>;
}

export async function startTestStack(
  env: Record<string, string> = {},
  clock = new TestClock(),
  options: { socketPath?: string; meter?: MeterQueue; workspaceAccess?: WorkspaceAccess } = {},
): Promise<TestStack> {
  const client = testClient();
  const suffix = randomUUID().slice(0, 8);
  const tables = { ledger: `ledger-${suffix}`, journal: `journal-${suffix}`, records: `records-${suffix}` };
  await ensureTables(client, tableDefinitions(tables));
  const config: Config = loadConfig({ ROUND_SECONDS: '5', ...env }, 'local');
  const workspaces = new LocalWorkspaces(mkdtempSync(join(tmpdir(), 'workspaces-')));
  const deps = dynamoDeps({
    client,
    tables,
    config,
    clock,
    operatorToken: () => Promise.resolve(OPERATOR_TOKEN),
    llm: llmProviderFromEnv(env),
    workspaces,
    ...(options.meter ? { meter: options.meter } : {}),
    ...(options.workspaceAccess ? { workspaceAccess: options.workspaceAccess } : {}),
  });
  const gateway = await startGateway(
    allRoutes(deps),
    options.socketPath ? { socketPath: options.socketPath } : {},
  );
  const oracle = makeOracle(deps);
  return {
    deps,
    workspaces,
    tables,
    clock,
    gateway,
    oracle: () => oracle({ time: new Date(clock.now()).toISOString() }),
    nextRound: () => {
      clock.advance(config.roundSeconds);
      return oracle({ time: new Date(clock.now()).toISOString() });
    },
    scheduledAudit: makeAudit(deps),
    api: new Api(gateway.url),
    close: () => gateway.close(),
  };
}

export interface Reply {
  status: number;
  /** JSON from the wire; the test checks it. */
  body: any;
}

/** A tiny HTTP client over fetch, for calling the gateway like an agent or the operator would. */
export class Api {
  constructor(readonly url: string) {}

  async call(method: string, path: string, options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    const res = await fetch(`${this.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  /** `GET /me` as the agent with this credential: its body. */
  async me(token: string): Promise<any> {
    return (await this.call('GET', '/me', { token })).body;
  }

  /** `GET /admin/audit` as the operator: its body. */
  async audit(): Promise<any> {
    return (await this.call('GET', '/admin/audit', { token: OPERATOR_TOKEN })).body;
  }

  /** Creates an agent as the operator; returns its id and credential. */
  async createAgent(endowment: number): Promise<{ agentId: string; credential: string }> {
    const reply = await this.call('POST', '/admin/agents', { token: OPERATOR_TOKEN, body: { endowment } });
    if (reply.status !== 201) throw new Error(`createAgent: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body;
  }
}

export const SMALL_BUNDLE = { vcpu: 0.25, memoryMiB: 512, tokens: 1000, attention: 1, durationSeconds: 60 };

/** An agent that has won a lease: created, bid, and a round run. */
export async function leasedAgent(stack: TestStack, bundle = SMALL_BUNDLE, amount = 5_000_000) {
  const agent = await stack.api.createAgent(Math.max(10_000_000, 2 * amount));
  const bid = await stack.api.call('POST', '/bids', { token: agent.credential, body: { bundle, amount } });
  if (bid.status !== 201) throw new Error(`bid: ${bid.status} ${JSON.stringify(bid.body)}`);
  const report = await stack.nextRound();
  if (!report.ran) throw new Error(`round did not run: ${JSON.stringify(report)}`);
  const me = await stack.api.call('GET', '/me', { token: agent.credential });
  if (!me.body.lease) throw new Error(`no lease won: ${JSON.stringify(report)}`);
  return { ...agent, lease: me.body.lease as { leaseId: string; startsAt: number; endsAt: number; bundle: typeof bundle } };
}

/** Signs in to the human page as the operator: the session cookie. */
export async function humanSession(url: string): Promise<string> {
  const login = await fetch(`${url}/human`);
  const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  const csrf = /name="csrf" value="([^"]+)"/.exec(await login.text())![1]!;
  const signedIn = await fetch(`${url}/human/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: `csrf=${csrf}&token=${OPERATOR_TOKEN}`,
  });
  return signedIn.headers.getSetCookie().find((c) => c.startsWith('syntropism_session='))!.split(';')[0]!;
}
