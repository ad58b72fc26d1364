/**
 * Faults DynamoDB Local does not produce on its own (it serialises transactions), injected into
 * the real client's middleware: a transaction cancelled for contention or throttling is retried
 * with backoff and applied once; a lost response is retried and recognised by its idempotency
 * record; when retries run out the caller gets a typed error and nothing is applied.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoLedgerStore } from '../../adapters/dynamodb/ledger.js';
import { ConflictError } from '../../economy/errors.js';
import { freshLedgerTables, testClient } from '../support/dynamodb.js';

type Fault = 'TransactionConflict' | 'ThrottlingError' | 'lost-response';

/** Makes the next `faults.length` TransactWriteItems calls fail, one fault each. */
function injectFaults(client: DynamoDBDocumentClient, faults: Fault[]): { seen: () => number } {
  let seen = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'TransactWriteItemsCommand' || faults.length === 0) return next(args);
      seen += 1;
      const fault = faults.shift()!;
      if (fault === 'lost-response') {
        await next(args); // applied, but the caller never hears back
        throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError', $metadata: {} });
      }
      throw new TransactionCanceledException({
        message: `Transaction cancelled (injected ${fault})`,
        $metadata: {},
        CancellationReasons: [{ Code: 'None' }, { Code: fault, Message: 'injected' }],
      });
    },
    { step: 'initialize', name: 'inject-faults' },
  );
  return { seen: () => seen };
}

async function setup() {
  const client = testClient();
  const tables = await freshLedgerTables(client);
  const ledger = new DynamoLedgerStore({ client, tables, retry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 10 } });
  for (const accountId of ['alice', 'bob']) await ledger.openAccount({ accountId, idempotencyKey: `open-${accountId}` });
  await ledger.mint({ to: 'alice', amount: 100, reason: 'grant', idempotencyKey: 'grant' });
  return { client, ledger };
}

describe('transient faults', () => {
  it('retries a transaction cancelled for contention or throttling, and applies it once', async () => {
    const { client, ledger } = await setup();
    const faults = injectFaults(client, ['TransactionConflict', 'ThrottlingError', 'TransactionConflict']);
    await ledger.transfer({ from: 'alice', to: 'bob', amount: 30, reason: 'pay', idempotencyKey: 'pay' });
    expect(faults.seen()).toBe(3);
    expect(await ledger.getBalance('bob')).toMatchObject({ available: 30 });
    expect(await ledger.audit()).toMatchObject({ ok: true });
  });

  it('gives up with a typed conflict after its attempts, having applied nothing', async () => {
    const { client, ledger } = await setup();
    injectFaults(client, Array<Fault>(5).fill('TransactionConflict'));
    await expect(ledger.transfer({ from: 'alice', to: 'bob', amount: 30, reason: 'pay', idempotencyKey: 'pay' })).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect(await ledger.getBalance('alice')).toMatchObject({ available: 100 });
    // The same request, retried later with the same key, goes through.
    await ledger.transfer({ from: 'alice', to: 'bob', amount: 30, reason: 'pay', idempotencyKey: 'pay' });
    expect(await ledger.getBalance('bob')).toMatchObject({ available: 30 });
  });

  it('recognises a write whose response was lost, when the caller retries it', async () => {
    const { client, ledger } = await setup();
    injectFaults(client, ['lost-response']);
    const req = { from: 'alice', to: 'bob', amount: 30, reason: 'pay', idempotencyKey: 'pay' };
    await expect(ledger.transfer(req)).rejects.toThrow(/socket hang up/);
    const receipt = await ledger.transfer(req);
    expect(receipt).toMatchObject({ amount: 30 });
    expect(await ledger.getBalance('bob')).toMatchObject({ available: 30 });
    expect((await ledger.journal('bob')).items).toHaveLength(1);
  });
});
