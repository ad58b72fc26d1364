/**
 * DynamoDB Local crashing in the middle of a run, with its data on disk: requests in flight when
 * it dies fail (none half-applied), and retried with their idempotency keys after it is back they
 * apply exactly once; nothing committed before the crash is lost.
 *
 * A crash is SIGKILL. A graceful stop (SIGTERM) runs DynamoDB Local's shutdown hooks while requests
 * are still being served, and once in CI it acknowledged a transaction that was not there after the
 * restart: an emulator's shutdown, not a database's durability, so not what this test is about
 * (the local stack stops its API before DynamoDB Local, so nothing is in flight when it stops).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureTables, makeDocumentClient } from '../../adapters/dynamodb/client.js';
import { DynamoLedgerStore } from '../../adapters/dynamodb/ledger.js';
import { ledgerTableDefinitions } from '../../adapters/dynamodb/tables.js';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb-local.js';

let dynamodb: DynamoDbLocal | undefined;
afterAll(async () => {
  await dynamodb?.stop();
});

describe('DynamoDB Local restarted mid-run', () => {
  it('loses nothing and applies nothing twice', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dynamodb-restart-'));
    dynamodb = await startDynamoDbLocal({ dataDir });
    const { port } = dynamodb;
    const client = makeDocumentClient({ endpoint: dynamodb.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    const tables = { ledger: 'ledger', journal: 'journal' };
    await ensureTables(client, ledgerTableDefinitions(tables));
    const ledger = new DynamoLedgerStore({ client, tables, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 } });
    const accounts = Array.from({ length: 5 }, (_, i) => `a${i}`);
    for (const accountId of accounts) await ledger.openAccount({ accountId, grant: { amount: 1_000_000 }, idempotencyKey: `open-${accountId}` });

    // 300 transfers in flight; the database dies part-way through.
    const requests = Array.from({ length: 300 }, (_, i) => ({
      from: accounts[i % 5]!,
      to: accounts[(i + 1) % 5]!,
      amount: 1 + (i % 7),
      reason: 'pay',
      idempotencyKey: randomUUID(),
    }));
    const crashing = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const { process: java } = dynamodb;
      const exited = new Promise((resolve) => java.once('exit', resolve));
      java.kill('SIGKILL');
      await exited;
    })();
    const first = await Promise.allSettled(requests.map((r) => ledger.transfer(r)));
    await crashing;
    const failed = first.filter((r) => r.status === 'rejected').length;
    expect(failed).toBeGreaterThan(0);

    // Back, on the same port and data: every request is retried with its own key.
    dynamodb = await startDynamoDbLocal({ dataDir, port });
    const retried = await Promise.all(requests.map((r) => ledger.transfer(r)));
    const applied = first.map((r, i) => (r.status === 'fulfilled' ? r.value.entryId : retried[i]!.entryId));
    expect(retried.map((r) => r.entryId)).toEqual(applied);

    const report = await ledger.audit();
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, drift: 0, minted: 5_000_000 });
    // Exactly one journal entry per request: 5 grants and 300 transfers, none twice.
    expect(report.entries).toBe(5 + 300);
    client.destroy();
  }, 120_000);
});
