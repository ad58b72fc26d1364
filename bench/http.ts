/**
 * Bids and transfers through the local gateway (real HTTP → API Gateway v2 events → the handler
 * → DynamoDB Local) from 50 concurrent agents, against the same operations called straight on the
 * bid book and the payments port in the same run, alternating in slices so that other load on the
 * machine falls on both alike, after a warm-up slice of each (so each agent's first request, which
 * reads its credential, is in the warm-up): what the HTTP layer, auth and validation add here.
 * One round is begun first, as a live economy has one behind it, and the round period is an hour
 * so that the whole run falls within one period, as almost every bid does (the bid book reads the
 * round pointer again only when the period's round may begin: once a period per process).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTables, makeDocumentClient } from '../adapters/dynamodb/client.js';
import { tableDefinitions } from '../adapters/dynamodb/tables.js';
import { OfflineProvider } from '../adapters/llm/offline.js';
import { LocalWorkspaces } from '../adapters/workspace/local.js';
import { loadConfig } from '../economy/config.js';
import { runRound } from '../economy/round.js';
import { dynamoDeps } from '../wiring/deps.js';
import { createFirstAgent } from '../economy/birth.js';
import { allRoutes } from '../lambdas/all-routes.js';
import { startDynamoDbLocal } from '../local/dynamodb-local.js';
import { startGateway } from '../local/gateway.js';
import { formatSummary, measurePair, type LatencySummary } from './stats.js';

const AGENTS = 50;
const OPS = 1000;
const IN_FLIGHT = 50;
/** Each comparison alternates its two sides in this many slices (the machine may be shared). */
const SLICES = 10;
const BUNDLE = { vcpu: 0.25, memoryMiB: 512, tokens: 0, attention: 0, durationSeconds: 60 };

export async function benchHttp(): Promise<void> {
  const dynamodb = await startDynamoDbLocal();
  const client = makeDocumentClient({ endpoint: dynamodb.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  const suffix = randomUUID().slice(0, 8);
  const tables = { ledger: `ledger-${suffix}`, journal: `journal-${suffix}`, records: `records-${suffix}` };
  await ensureTables(client, tableDefinitions(tables));
  const workspaceDir = mkdtempSync(join(tmpdir(), 'bench-workspaces-'));
  const deps = dynamoDeps({
    client,
    tables,
    config: loadConfig({ ROUND_SECONDS: '3600' }, 'local'),
    operatorToken: () => Promise.resolve('bench'),
    llm: new OfflineProvider(),
    workspaces: new LocalWorkspaces(workspaceDir),
  });
  const gateway = await startGateway(allRoutes(deps));
  try {
    const agents = await Promise.all(
      Array.from({ length: AGENTS }, async () => {
        const born = await createFirstAgent(deps, { endowment: 1_000_000_000_000, files: {}, idempotencyKey: randomUUID() });
        return { agentId: born.agentId, credential: born.credential! };
      }),
    );
    await runRound(deps);
    // The requests each side sends to DynamoDB, counted: unlike times, they do not depend on the load.
    const requests: [number, number] = [0, 0];
    let side: 0 | 1 | undefined;
    const send = client.send.bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as unknown as { send: (...args: unknown[]) => Promise<unknown> }).send = (...args) => {
      if (side !== undefined) requests[side] += 1;
      return send(...args);
    };
    const measuring = (which: 0 | 1 | undefined) => {
      side = which;
    };
    const perOp = (what: string) => {
      console.log(`DynamoDB requests per ${what}: ${(requests[0] / OPS).toFixed(2)} through HTTP, ${(requests[1] / OPS).toFixed(2)} without`);
      requests.fill(0);
    };
    // The agents' client: node:http with keep-alive. It runs in this process, beside the gateway
    // it measures, so it should cost little: fetch (undici) cost about 1.5 ms of CPU per request here.
    const keepAlive = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
    const { hostname, port } = new URL(gateway.url);
    const post = (agent: { credential: string }, path: string, body: unknown) =>
      new Promise<void>((resolve, reject) => {
        const json = JSON.stringify(body);
        const headers = { authorization: `Bearer ${agent.credential}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) };
        const req = request({ host: hostname, port, path, method: 'POST', agent: keepAlive, headers }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`POST ${path}: ${res.statusCode} ${text}`))));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(json);
      });
    const compare = (what: string, http: LatencySummary, direct: LatencySummary) =>
      console.log(
        `${what}: through HTTP ${(http.perSecond / direct.perSecond).toFixed(2)}× the throughput, p99 ${(http.p99 / direct.p99).toFixed(2)}× (HTTP, auth and validation cost ${(((direct.perSecond - http.perSecond) / direct.perSecond) * 100).toFixed(0)}% of the throughput here)`,
      );

    console.log(`bids from ${AGENTS} agents, ${IN_FLIGHT} in flight, ${OPS} each way in ${SLICES} alternating slices`);
    const [bidsHttp, bidsDirect] = await measurePair(
      OPS,
      IN_FLIGHT,
      SLICES,
      (i) => post(agents[i % AGENTS]!, '/bids', { bundle: BUNDLE, amount: 1_000_000 }),
      (i) => deps.bids.placeBid({ payerId: agents[i % AGENTS]!.agentId, agentId: agents[i % AGENTS]!.agentId, bundle: BUNDLE, amount: 1_000_000, idempotencyKey: randomUUID() }),
      measuring,
    );
    console.log(formatSummary('POST /bids through the local gateway', bidsHttp));
    console.log(formatSummary('placeBid on the bid book (no HTTP)', bidsDirect));
    compare('bids', bidsHttp, bidsDirect);
    perOp('bid');

    console.log(`transfers between ${AGENTS} agents, ${IN_FLIGHT} in flight, ${OPS} each way in ${SLICES} alternating slices`);
    const to = (i: number) => agents[(i * 7 + 1) % AGENTS]!.agentId;
    const [transfersHttp, transfersDirect] = await measurePair(
      OPS,
      IN_FLIGHT,
      SLICES,
      (i) => post(agents[i % AGENTS]!, '/transfers', { to: to(i), amount: 1_000 }),
      (i) => deps.payments.transfer({ from: agents[i % AGENTS]!.agentId, to: to(i), amount: 1_000, idempotencyKey: randomUUID() }),
      measuring,
    );
    console.log(formatSummary('POST /transfers through the local gateway', transfersHttp));
    console.log(formatSummary('transfer on the payments port (no HTTP)', transfersDirect));
    compare('transfers', transfersHttp, transfersDirect);
    perOp('transfer');
    keepAlive.destroy();
  } finally {
    await gateway.close();
    client.destroy();
    await dynamodb.stop();
    rmSync(workspaceDir, { recursive: true, force: true });
  }
}
