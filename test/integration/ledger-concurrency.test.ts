/**
 * Concurrency against DynamoDB Local: many writers on few accounts, with contention retried.
 * Afterwards nothing is negative, nothing is lost or double-counted, and the audit is clean.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DynamoLedgerStore } from '../../adapters/dynamodb/ledger.js';
import { DomainError } from '../../economy/errors.js';
import { freshLedgerTables, testClient } from '../support/dynamodb.js';

const client = testClient();
const ACCOUNTS = Array.from({ length: 10 }, (_, i) => `agent-${i}`);

type Op =
  | { kind: 'transfer'; from: number; to: number; amount: number }
  | { kind: 'hold'; account: number; amount: number }
  | { kind: 'capture'; hold: number; fraction: number }
  | { kind: 'release'; hold: number };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('transfer' as const), from: fc.nat(9), to: fc.nat(9), amount: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ kind: fc.constant('hold' as const), account: fc.nat(9), amount: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ kind: fc.constant('capture' as const), hold: fc.nat(), fraction: fc.double({ min: 0.01, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('release' as const), hold: fc.nat() }),
);

describe('the ledger under concurrency', () => {
  it('keeps 200 concurrent transfers, holds, captures and releases among 10 accounts consistent', async () => {
    const tables = await freshLedgerTables(client);
    const ledger = new DynamoLedgerStore({ client, tables, burnShards: 4 });
    for (const accountId of ACCOUNTS) {
      await ledger.openAccount({ accountId, idempotencyKey: `open-${accountId}` });
      await ledger.mint({ to: accountId, amount: 1_000, reason: 'grant', idempotencyKey: `grant-${accountId}` });
    }
    // Holds to capture or release, made up front so that the concurrent phase can close them.
    const holdIds = await Promise.all(
      ACCOUNTS.map(
        async (accountId) => (await ledger.hold({ accountId, amount: 300, reason: 'bid', idempotencyKey: `seed-${accountId}` })).holdId,
      ),
    );

    const ops = fc.sample(opArbitrary, { numRuns: 200, seed: 20261121 });
    const outcomes = await Promise.all(
      ops.map(async (op) => {
        const idempotencyKey = randomUUID();
        try {
          switch (op.kind) {
            case 'transfer':
              if (op.from === op.to) return 'skipped';
              await ledger.transfer({ from: ACCOUNTS[op.from]!, to: ACCOUNTS[op.to]!, amount: op.amount, reason: 'pay', idempotencyKey });
              break;
            case 'hold':
              await ledger.hold({ accountId: ACCOUNTS[op.account]!, amount: op.amount, reason: 'bid', idempotencyKey });
              break;
            case 'capture':
              await ledger.capture({
                holdId: holdIds[op.hold % holdIds.length]!,
                amount: Math.max(1, Math.floor(300 * op.fraction)),
                reason: 'auction',
                idempotencyKey,
              });
              break;
            case 'release':
              await ledger.release({ holdId: holdIds[op.hold % holdIds.length]!, idempotencyKey });
              break;
          }
          return 'applied';
        } catch (err) {
          // Refusals (insufficient funds, a hold already closed) are expected; anything else is a bug.
          if (err instanceof DomainError && (err.code === 'INSUFFICIENT_FUNDS' || err.code === 'CONFLICT')) return err.code;
          throw err;
        }
      }),
    );
    expect(outcomes.filter((o) => o === 'applied').length).toBeGreaterThan(50);

    const report = await ledger.audit();
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, drift: 0, minted: 10_000 });
    expect(report.circulating).toBe(10_000 - report.burned);
    for (const accountId of ACCOUNTS) {
      const balance = await ledger.getBalance(accountId);
      expect(balance.available).toBeGreaterThanOrEqual(0);
      expect(balance.held).toBeGreaterThanOrEqual(0);
    }
    // Each seeded hold was closed at most once: captured by one winner or released, never both.
    for (const holdId of holdIds) {
      const hold = await ledger.getHold(holdId);
      expect(['pending', 'posted', 'voided']).toContain(hold.state);
    }
  });

  it('never lets concurrent spenders overdraw one account', async () => {
    const tables = await freshLedgerTables(client);
    const ledger = new DynamoLedgerStore({ client, tables, burnShards: 4 });
    await ledger.openAccount({ accountId: 'payer', idempotencyKey: 'open-payer' });
    await ledger.openAccount({ accountId: 'payee', idempotencyKey: 'open-payee' });
    await ledger.mint({ to: 'payer', amount: 1_000, reason: 'grant', idempotencyKey: 'grant' });
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? ledger.transfer({ from: 'payer', to: 'payee', amount: 100, reason: 'pay', idempotencyKey: `t${i}` })
          : ledger.hold({ accountId: 'payer', amount: 100, reason: 'bid', idempotencyKey: `h${i}` }),
      ),
    );
    const applied = results.filter((r) => r.status === 'fulfilled').length;
    expect(applied).toBe(10);
    for (const r of results) {
      if (r.status === 'rejected') expect((r.reason as DomainError).code).toBe('INSUFFICIENT_FUNDS');
    }
    expect(await ledger.getBalance('payer')).toMatchObject({ available: 0 });
    expect(await ledger.audit()).toMatchObject({ ok: true, drift: 0 });
  });
});
