/**
 * Bids through the local gateway (real HTTP → API Gateway v2 events → the handler → DynamoDB
 * Local) from 50 concurrent agents, against the same bids placed straight on the bid book in the
 * same run: what the HTTP layer, auth and validation add on this machine.
 */
import { randomUUID } from 'node:crypto';
import { ensureTables, makeDocumentClient } from '../adapters/dynamodb/client.js';
import { tableDefinitions } from '../adapters/dynamodb/tables.js';
import { OfflineProvider } from '../adapters/llm/offline.js';
import { loadConfig } from '../economy/config.js';
import { dynamoDeps } from '../wiring/deps.js';
import { createFirstAgent } from '../economy/birth.js';
import { allRoutes } from '../lambdas/all-routes.js';
import { startDynamoDbLocal } from '../local/dynamodb-local.js';
import { startGateway } from '../local/gateway.js';
import { formatSummary, measure } from './stats.js';

const AGENTS = 50;
const BUNDLE = { vcpu: 0.25, memoryMiB: 512, tokens: 0, attention: 0, durationSeconds: 60 };

export async function benchHttp(): Promise<void> {
  const dynamodb = await startDynamoDbLocal();
  const client = makeDocumentClient({ endpoint: dynamodb.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  const suffix = randomUUID().slice(0, 8);
  const tables = { ledger: `ledger-${suffix}`, journal: `journal-${suffix}`, records: `records-${suffix}` };
  await ensureTables(client, tableDefinitions(tables));
  const deps = dynamoDeps({ client, tables, config: loadConfig({}, 'local'), operatorToken: () => Promise.resolve('bench'), llm: new OfflineProvider() });
  const gateway = await startGateway(allRoutes(deps));
  try {
    const agents = await Promise.all(
      Array.from({ length: AGENTS }, async () => {
        const born = await createFirstAgent(deps, { endowment: 1_000_000_000_000, files: {}, idempotencyKey: randomUUID() });
        return { agentId: born.agentId, credential: born.credential! };
      }),
    );
    console.log(`bids from ${AGENTS} agents, 50 in flight`);
    const http = await measure(1000, 50, async (i) => {
      const agent = agents[i % AGENTS]!;
      const res = await fetch(`${gateway.url}/bids`, {
        method: 'POST',
        headers: { authorization: `Bearer ${agent.credential}`, 'content-type': 'application/json' },
        body: JSON.stringify({ bundle: BUNDLE, amount: 1_000_000 }),
      });
      if (res.status !== 201) throw new Error(`POST /bids: ${res.status} ${await res.text()}`);
    });
    console.log(formatSummary('POST /bids through the local gateway', http));
    const direct = await measure(1000, 50, (i) => deps.bids.placeBid({ payerId: agents[i % AGENTS]!.agentId, agentId: agents[i % AGENTS]!.agentId, bundle: BUNDLE, amount: 1_000_000, idempotencyKey: randomUUID() }));
    console.log(formatSummary('placeBid on the bid book (no HTTP)', direct));
    console.log(`HTTP, auth and validation cost ${(((direct.perSecond - http.perSecond) / direct.perSecond) * 100).toFixed(0)}% of the throughput here`);
  } finally {
    await gateway.close();
    client.destroy();
    await dynamodb.stop();
  }
}
