/**
 * The DynamoDB ledger against DynamoDB Local: every operation's happy path and failures, its
 * idempotency, the journal and the audit.
 */
import { randomUUID } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoLedgerStore } from '../../adapters/dynamodb/ledger.js';
import type { LedgerTables } from '../../adapters/dynamodb/tables.js';
import {
  ConflictError,
  IdempotencyMismatchError,
  InsufficientFundsError,
  NotFoundError,
  ValidationError,
} from '../../economy/errors.js';
import { credits } from '../../economy/money.js';
import { freshLedgerTables, testClient } from '../support/dynamodb.js';

const client = testClient();
let tables: LedgerTables;
let ledger: DynamoLedgerStore;
const key = () => randomUUID();

/** Opens an account and funds it with a grant. */
async function funded(accountId: string, amount: number): Promise<void> {
  await ledger.openAccount({ accountId, idempotencyKey: key() });
  if (amount > 0) await ledger.mint({ to: accountId, amount, reason: 'grant', idempotencyKey: key() });
}

/** Everything observable about the ledger, to show that a refused operation changed nothing. */
async function state(...accounts: string[]) {
  const audit = await ledger.audit();
  const balances = await Promise.all(accounts.map((a) => ledger.getBalance(a)));
  const journals = await Promise.all(accounts.map(async (a) => (await ledger.journal(a)).items.length));
  return { audit, balances, journals };
}

beforeEach(async () => {
  tables = await freshLedgerTables(client);
  ledger = new DynamoLedgerStore({ client, tables, burnShards: 4 });
});

describe('accounts and minting', () => {
  it('opens an account with zero balances, and refuses to open it twice', async () => {
    expect(await ledger.openAccount({ accountId: 'alice', idempotencyKey: 'open-1' })).toEqual({
      accountId: 'alice',
      available: 0,
      held: 0,
    });
    await expect(ledger.openAccount({ accountId: 'alice', idempotencyKey: 'open-2' })).rejects.toBeInstanceOf(ConflictError);
    await expect(ledger.getBalance('nobody')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('opens an account funded by a grant in one write', async () => {
    const req = { accountId: 'genesis', grant: { amount: credits(1000), ref: 'operator' }, idempotencyKey: 'genesis' };
    expect(await ledger.openAccount(req)).toEqual({ accountId: 'genesis', available: credits(1000), held: 0 });
    expect(await ledger.openAccount(req)).toEqual({ accountId: 'genesis', available: credits(1000), held: 0 });
    expect((await ledger.journal('genesis')).items).toMatchObject([{ kind: 'mint', reason: 'grant', ref: 'operator' }]);
    expect(await ledger.audit()).toMatchObject({ ok: true, minted: credits(1000) });
  });

  it('mints grants and rewards, and nothing else', async () => {
    await funded('alice', credits(1000));
    await ledger.mint({ to: 'alice', amount: 5, reason: 'reward', ref: 'prompt-1', idempotencyKey: key() });
    expect(await ledger.getBalance('alice')).toMatchObject({ available: credits(1000) + 5, held: 0 });
    const before = await state('alice');
    await expect(
      ledger.mint({ to: 'alice', amount: 5, reason: 'bonus' as 'grant', idempotencyKey: key() }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(ledger.mint({ to: 'ghost', amount: 5, reason: 'grant', idempotencyKey: key() })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(await state('alice')).toEqual(before);
    expect(before.audit).toMatchObject({ ok: true, minted: credits(1000) + 5, burned: 0, circulating: credits(1000) + 5 });
  });

  it.each([
    ['zero', 0],
    ['negative', -1],
    ['fractional', 1.5],
    ['unsafe', Number.MAX_SAFE_INTEGER + 1],
    ['NaN', Number.NaN],
  ])('refuses a %s amount and changes nothing', async (_name, amount) => {
    await funded('alice', 100);
    await funded('bob', 0);
    const before = await state('alice', 'bob');
    await expect(ledger.mint({ to: 'alice', amount, reason: 'grant', idempotencyKey: key() })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(ledger.transfer({ from: 'alice', to: 'bob', amount, reason: 'pay', idempotencyKey: key() })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(ledger.hold({ accountId: 'alice', amount, reason: 'bid', idempotencyKey: key() })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(await state('alice', 'bob')).toEqual(before);
  });
});

describe('transfers and burns', () => {
  it('moves money between agents and journals both sides', async () => {
    await funded('alice', 100);
    await funded('bob', 0);
    const receipt = await ledger.transfer({ from: 'alice', to: 'bob', amount: 40, reason: 'pay', ref: 'memo-1', idempotencyKey: key() });
    expect(receipt).toMatchObject({ from: 'alice', to: 'bob', amount: 40 });
    expect(await ledger.getBalance('alice')).toMatchObject({ available: 60 });
    expect(await ledger.getBalance('bob')).toMatchObject({ available: 40 });
    const [entry] = (await ledger.journal('bob')).items;
    expect(entry).toMatchObject({ entryId: receipt.entryId, kind: 'transfer', debit: 'agent:alice', credit: 'agent:bob', amount: 40, ref: 'memo-1' });
    expect((await ledger.journal('alice')).items[0]).toEqual(entry);
  });

  it('refuses a transfer beyond the available balance and changes nothing', async () => {
    await funded('alice', 100);
    await funded('bob', 0);
    const before = await state('alice', 'bob');
    const err = await ledger
      .transfer({ from: 'alice', to: 'bob', amount: 101, reason: 'pay', idempotencyKey: key() })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InsufficientFundsError);
    expect((err as InsufficientFundsError).details).toEqual({ accountId: 'alice', needed: 101, available: 100 });
    expect(await state('alice', 'bob')).toEqual(before);
  });

  it('refuses transfers to a missing account or to oneself', async () => {
    await funded('alice', 100);
    const before = await state('alice');
    await expect(ledger.transfer({ from: 'alice', to: 'ghost', amount: 1, reason: 'pay', idempotencyKey: key() })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(ledger.transfer({ from: 'ghost', to: 'alice', amount: 1, reason: 'pay', idempotencyKey: key() })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(ledger.transfer({ from: 'alice', to: 'alice', amount: 1, reason: 'pay', idempotencyKey: key() })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(await state('alice')).toEqual(before);
  });

  it('burns from available into the sharded burn total', async () => {
    await funded('alice', 100);
    for (let i = 0; i < 8; i += 1) await ledger.burn({ from: 'alice', amount: 5, reason: 'fee:spawn', idempotencyKey: key() });
    expect(await ledger.getBalance('alice')).toMatchObject({ available: 60 });
    const before = await state('alice');
    expect(before.audit).toMatchObject({ ok: true, minted: 100, burned: 40, circulating: 60 });
    await expect(ledger.burn({ from: 'alice', amount: 61, reason: 'fee:spawn', idempotencyKey: key() })).rejects.toBeInstanceOf(
      InsufficientFundsError,
    );
    expect(await state('alice')).toEqual(before);
  });
});

describe('holds: pending → posted / voided / expired', () => {
  it('holds funds out of the available balance', async () => {
    await funded('alice', 100);
    const receipt = await ledger.hold({ accountId: 'alice', amount: 70, reason: 'bid', ref: 'bid-1', idempotencyKey: key() });
    expect(await ledger.getBalance('alice')).toMatchObject({ available: 30, held: 70 });
    expect(await ledger.getHold(receipt.holdId)).toMatchObject({ accountId: 'alice', amount: 70, state: 'pending', captured: 0, ref: 'bid-1' });
    expect((await ledger.audit()).pendingHolds).toBe(1);
  });

  it('refuses a hold beyond the available balance and changes nothing', async () => {
    await funded('alice', 100);
    await ledger.hold({ accountId: 'alice', amount: 70, reason: 'bid', idempotencyKey: key() });
    const before = await state('alice');
    await expect(ledger.hold({ accountId: 'alice', amount: 31, reason: 'bid', idempotencyKey: key() })).rejects.toBeInstanceOf(
      InsufficientFundsError,
    );
    expect(await state('alice')).toEqual(before);
  });

  it('captures a whole hold into the burn', async () => {
    await funded('alice', 100);
    const { holdId } = await ledger.hold({ accountId: 'alice', amount: 70, reason: 'bid', idempotencyKey: key() });
    expect(await ledger.capture({ holdId, amount: 70, reason: 'auction', idempotencyKey: key() })).toEqual({ holdId, captured: 70, released: 0 });
    expect(await ledger.getBalance('alice')).toMatchObject({ available: 30, held: 0 });
    expect(await ledger.getHold(holdId)).toMatchObject({ state: 'posted', captured: 70 });
    expect(await ledger.audit()).toMatchObject({ ok: true, burned: 70, circulating: 30 });
  });

  it('captures part of a hold, pays an agent, and releases the rest', async () => {
    await funded('alice', 100);
    await funded('bob', 0);
    const { holdId } = await ledger.hold({ accountId: 'alice', amount: 70, reason: 'purchase', idempotencyKey: key() });
    expect(await ledger.capture({ holdId, amount: 25, to: { agent: 'bob' }, reason: 'purchase', idempotencyKey: key() })).toEqual({
      holdId,
      captured: 25,
      released: 45,
    });
    expect(await ledger.getBalance('alice')).toMatchObject({ available: 75, held: 0 });
    expect(await ledger.getBalance('bob')).toMatchObject({ available: 25, held: 0 });
    const kinds = (await ledger.journal('alice')).items.map((e) => e.kind);
    expect(kinds).toEqual(['release', 'hold', 'mint']);
    expect(await ledger.audit()).toMatchObject({ ok: true, drift: 0 });
  });

  it('refuses to capture more than was held, and changes nothing', async () => {
    await funded('alice', 100);
    const { holdId } = await ledger.hold({ accountId: 'alice', amount: 70, reason: 'bid', idempotencyKey: key() });
    const before = await state('alice');
    await expect(ledger.capture({ holdId, amount: 71, reason: 'auction', idempotencyKey: key() })).rejects.toBeInstanceOf(ConflictError);
    expect(await state('alice')).toEqual(before);
    expect(await ledger.getHold(holdId)).toMatchObject({ state: 'pending' });
  });

  it('releases a hold in full, and refuses release or capture after it is closed', async () => {
    await funded('alice', 100);
    const a = await ledger.hold({ accountId: 'alice', amount: 30, reason: 'bid', idempotencyKey: key() });
    const b = await ledger.hold({ accountId: 'alice', amount: 20, reason: 'bid', idempotencyKey: key() });
    await ledger.capture({ holdId: a.holdId, amount: 10, reason: 'auction', idempotencyKey: key() });
    expect(await ledger.release({ holdId: b.holdId, idempotencyKey: key() })).toEqual({ holdId: b.holdId, released: 20, state: 'voided' });
    expect(await ledger.getBalance('alice')).toMatchObject({ available: 90, held: 0 });
    const before = await state('alice');
    await expect(ledger.release({ holdId: a.holdId, idempotencyKey: key() })).rejects.toThrow(/already posted/);
    await expect(ledger.capture({ holdId: b.holdId, amount: 1, reason: 'auction', idempotencyKey: key() })).rejects.toThrow(/already voided/);
    await expect(ledger.expire({ holdId: b.holdId, idempotencyKey: key() })).rejects.toBeInstanceOf(ConflictError);
    await expect(ledger.release({ holdId: 'no-such-hold', idempotencyKey: key() })).rejects.toBeInstanceOf(NotFoundError);
    expect(await state('alice')).toEqual(before);
  });

  it('expires a hold, releasing it in full', async () => {
    await funded('alice', 100);
    const { holdId } = await ledger.hold({ accountId: 'alice', amount: 30, reason: 'bid', idempotencyKey: key() });
    expect(await ledger.expire({ holdId, idempotencyKey: key() })).toEqual({ holdId, released: 30, state: 'expired' });
    expect(await ledger.getHold(holdId)).toMatchObject({ state: 'expired' });
    expect(await ledger.getBalance('alice')).toMatchObject({ available: 100, held: 0 });
    expect((await ledger.journal('alice')).items[0]).toMatchObject({ kind: 'expire', debit: `hold:${holdId}`, credit: 'agent:alice' });
  });
});

describe('idempotency', () => {
  it('applies a replayed operation once and returns the first result', async () => {
    await funded('alice', 100);
    await funded('bob', 0);
    const req = { from: 'alice', to: 'bob', amount: 10, reason: 'pay', idempotencyKey: 'pay-once' };
    const first = await ledger.transfer(req);
    expect(await ledger.transfer(req)).toEqual(first);
    expect(await ledger.transfer({ ...req })).toEqual(first);
    expect(await ledger.getBalance('bob')).toMatchObject({ available: 10 });
    expect((await ledger.journal('bob')).items).toHaveLength(1);
  });

  it('replays holds, captures, releases, mints and burns', async () => {
    await funded('alice', 100);
    const hold = { accountId: 'alice', amount: 50, reason: 'bid', idempotencyKey: 'h1' };
    const held = await ledger.hold(hold);
    expect(await ledger.hold(hold)).toEqual(held);
    const capture = { holdId: held.holdId, amount: 20, reason: 'auction', idempotencyKey: 'c1' };
    const captured = await ledger.capture(capture);
    expect(await ledger.capture(capture)).toEqual(captured);
    const held2 = await ledger.hold({ accountId: 'alice', amount: 10, reason: 'bid', idempotencyKey: 'h2' });
    const release = { holdId: held2.holdId, idempotencyKey: 'r1' };
    expect(await ledger.release(release)).toEqual(await ledger.release(release));
    const mint = { to: 'alice', amount: 7, reason: 'reward' as const, idempotencyKey: 'm1' };
    expect(await ledger.mint(mint)).toEqual(await ledger.mint(mint));
    const burn = { from: 'alice', amount: 3, reason: 'fee', idempotencyKey: 'b1' };
    expect(await ledger.burn(burn)).toEqual(await ledger.burn(burn));
    expect(await ledger.getBalance('alice')).toMatchObject({ available: 100 - 20 + 7 - 3, held: 0 });
    expect(await ledger.audit()).toMatchObject({ ok: true, minted: 107, burned: 23 });
  });

  it('refuses the same key with a different request, changing nothing', async () => {
    await funded('alice', 100);
    await funded('bob', 0);
    await ledger.transfer({ from: 'alice', to: 'bob', amount: 10, reason: 'pay', idempotencyKey: 'k' });
    const before = await state('alice', 'bob');
    await expect(ledger.transfer({ from: 'alice', to: 'bob', amount: 11, reason: 'pay', idempotencyKey: 'k' })).rejects.toBeInstanceOf(
      IdempotencyMismatchError,
    );
    await expect(ledger.hold({ accountId: 'alice', amount: 10, reason: 'pay', idempotencyKey: 'k' })).rejects.toBeInstanceOf(
      IdempotencyMismatchError,
    );
    expect(await state('alice', 'bob')).toEqual(before);
  });

  it('applies a key once when the same request races with itself', async () => {
    await funded('alice', 100);
    await funded('bob', 0);
    const req = { from: 'alice', to: 'bob', amount: 10, reason: 'pay', idempotencyKey: 'race' };
    const results = await Promise.all(Array.from({ length: 12 }, () => ledger.transfer(req)));
    expect(new Set(results.map((r) => r.entryId)).size).toBe(1);
    expect(await ledger.getBalance('bob')).toMatchObject({ available: 10 });
  });

  it('lets a failed request be retried with the same key', async () => {
    await funded('alice', 5);
    await funded('bob', 0);
    const req = { from: 'alice', to: 'bob', amount: 10, reason: 'pay', idempotencyKey: 'retry-me' };
    await expect(ledger.transfer(req)).rejects.toBeInstanceOf(InsufficientFundsError);
    await ledger.mint({ to: 'alice', amount: 5, reason: 'grant', idempotencyKey: key() });
    expect(await ledger.transfer(req)).toMatchObject({ amount: 10 });
  });

  it('refuses a malformed key', async () => {
    await funded('alice', 5);
    await expect(ledger.burn({ from: 'alice', amount: 1, reason: 'fee', idempotencyKey: '' })).rejects.toBeInstanceOf(ValidationError);
    await expect(ledger.burn({ from: 'alice', amount: 1, reason: 'fee', idempotencyKey: 'with space' })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});

describe('journal', () => {
  it('pages through an account’s entries, newest first', async () => {
    await funded('alice', 100);
    for (let i = 0; i < 5; i += 1) await ledger.burn({ from: 'alice', amount: 1, reason: 'fee', ref: `f${i}`, idempotencyKey: key() });
    const first = await ledger.journal('alice', { limit: 4 });
    expect(first.items.map((e) => e.ref)).toEqual(['f4', 'f3', 'f2', 'f1']);
    const second = await ledger.journal('alice', { limit: 4, cursor: first.cursor! });
    expect(second.items.map((e) => e.kind)).toEqual(['burn', 'mint']);
    expect(second.cursor).toBeUndefined();
    await expect(ledger.journal('alice', { cursor: 'garbage' })).rejects.toBeInstanceOf(ValidationError);
    await expect(ledger.journal('alice', { limit: 0 })).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('audit', () => {
  it('flags a balance changed behind the ledger’s back', async () => {
    await funded('alice', 100);
    await funded('bob', 50);
    await ledger.transfer({ from: 'alice', to: 'bob', amount: 10, reason: 'pay', idempotencyKey: key() });
    expect(await ledger.audit()).toMatchObject({ ok: true, drift: 0, problems: [] });

    await client.send(
      new UpdateCommand({
        TableName: tables.ledger,
        Key: { pk: 'acct#bob' },
        UpdateExpression: 'ADD available :x',
        ExpressionAttributeValues: { ':x': 1_000 },
      }),
    );
    const report = await ledger.audit();
    expect(report).toMatchObject({ ok: false, drift: 1_000, circulating: 1_150, minted: 150 });
    expect(report.problems).toEqual([{ kind: 'journal-mismatch', account: 'agent:bob', balance: 1_060, journal: 60 }]);
  });

  it('flags a held balance that no pending hold accounts for', async () => {
    await funded('alice', 100);
    await client.send(
      new UpdateCommand({
        TableName: tables.ledger,
        Key: { pk: 'acct#alice' },
        UpdateExpression: 'ADD available :minus, held :plus',
        ExpressionAttributeValues: { ':minus': -10, ':plus': 10 },
      }),
    );
    const report = await ledger.audit();
    expect(report.drift).toBe(0);
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual({ kind: 'held-mismatch', accountId: 'alice', held: 10, pendingHolds: 0 });
  });
});
