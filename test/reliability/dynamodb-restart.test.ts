/**
 * DynamoDB Local crashing in the middle of a run, with its data on disk: requests in flight when
 * it dies fail (none half-applied), and retried with their idempotency keys after it is back each
 * applies exactly once: a request whose first try went through gets its first result again.
 *
 * A crash is SIGKILL. DynamoDB Local is not durable across one: twice in CI a transaction it had
 * acknowledged just before it was killed was not there after the restart (a graceful SIGTERM did
 * the same once). Real DynamoDB is durable once it answers. So the test does not ask the emulator
 * to keep what it lost: such a request is applied by its retry, once, like a failed one; what it
 * asks of our code is that nothing is applied twice, every surviving first result is replayed, and
 * the audit holds.
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
    const journal = new Set<string>();
    for (const accountId of accounts) {
      let cursor: string | undefined;
      do {
        const page = await ledger.journal(accountId, { limit: 100, ...(cursor ? { cursor } : {}) });
        for (const entry of page.items) journal.add(entry.entryId);
        cursor = page.cursor;
      } while (cursor);
    }
    // Every request's result is an entry of the journal; a first result that survived the crash is replayed as it was.
    expect(retried.filter((r) => !journal.has(r.entryId))).toEqual([]);
    const survived = first.flatMap((r, i) => (r.status === 'fulfilled' && journal.has(r.value.entryId) ? [[r.value.entryId, retried[i]!.entryId]] : []));
    expect(survived.filter(([a, b]) => a !== b)).toEqual([]);
    const lost = first.filter((r) => r.status === 'fulfilled' && !journal.has(r.value.entryId)).length;
    if (lost > 0) console.log(`DynamoDB Local lost ${lost} acknowledged transaction(s) in the crash; each was applied once by its retry`);

    const report = await ledger.audit();
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, drift: 0, minted: 5_000_000 });
    // Exactly one journal entry per request: 5 grants and 300 transfers, none twice.
    expect(report.entries).toBe(5 + 300);
    client.destroy();
  }, 120_000);
});
