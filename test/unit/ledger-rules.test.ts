/**
 * The ledger's rules without storage: plans for each operation, and the audit. A small in-memory
 * book applies plans with the same conditions the DynamoDB adapter writes, so random sequences of
 * operations can be checked against the conservation invariant.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '../../economy/errors.js';
import {
  auditLedger,
  settledAudit,
  mergeChanges,
  planBurn,
  planCapture,
  planHold,
  planMint,
  planRelease,
  planTransfer,
  planUbiPayout,
  planUbiRest,
  type AuditReport,
  type Balance,
  type Hold,
  type JournalEntry,
  type LedgerPlan,
  type PlanContext,
} from '../../economy/ledger.js';

function context(): PlanContext {
  let n = 0;
  return { newId: () => `id${String((n += 1)).padStart(6, '0')}`, now: 1_000 };
}

/** Applies plans all-or-nothing, refusing a negative balance, like the adapter's conditions. */
class Book {
  accounts = new Map<string, Balance>();
  holds = new Map<string, Hold>();
  minted = 0;
  burned = 0;
  /** UBI pools by round, with the adapter's rule: payments in only while open, never negative. */
  pools = new Map<number, number>();
  entries: JournalEntry[] = [];

  open(id: string): void {
    this.accounts.set(id, { accountId: id, available: 0, held: 0 });
  }

  apply(plan: LedgerPlan): boolean {
    for (const c of plan.changes) {
      if (c.target.kind === 'ubi') {
        const total = this.pools.get(c.target.round) ?? 0;
        if (total + c.available < 0 || (c.expect && c.expect.available !== total)) return false;
        continue;
      }
      if (c.target.kind !== 'agent') continue;
      const a = this.accounts.get(c.target.accountId);
      if (!a || a.available + c.available < 0 || a.held + c.held < 0) return false;
    }
    for (const c of plan.changes) {
      if (c.target.kind === 'minted') this.minted += c.available;
      else if (c.target.kind === 'burned') this.burned += c.available;
      else if (c.target.kind === 'ubi') this.pools.set(c.target.round, (this.pools.get(c.target.round) ?? 0) + c.available);
      else {
        const a = this.accounts.get(c.target.accountId)!;
        a.available += c.available;
        a.held += c.held;
      }
    }
    if (plan.hold && 'create' in plan.hold) this.holds.set(plan.hold.create.holdId, plan.hold.create);
    else if (plan.hold) {
      const h = plan.hold.close;
      this.holds.set(h.holdId, { ...h, state: plan.hold.to, captured: plan.hold.captured });
    }
    this.entries.push(...plan.entries);
    return true;
  }

  audit() {
    return auditLedger({
      accounts: [...this.accounts.values()],
      holds: [...this.holds.values()],
      minted: this.minted,
      burned: this.burned,
      pools: [...this.pools].map(([round, total]) => ({ round, total })),
      entries: this.entries,
    });
  }
}

describe('plans', () => {
  const ctx = context();
  const hold: Hold = { holdId: 'h1', accountId: 'a', amount: 100, state: 'pending', captured: 0, reason: 'bid', createdAt: 0 };

  it('capture pays the captured part and releases the rest', () => {
    const plan = planCapture(hold, { amount: 30, to: 'burn', reason: 'auction' }, ctx);
    expect(plan.changes).toEqual([
      { target: { kind: 'agent', accountId: 'a' }, available: 70, held: -100 },
      { target: { kind: 'burned' }, available: 30, held: 0 },
    ]);
    expect(plan.entries.map((e) => [e.kind, e.debit, e.credit, e.amount])).toEqual([
      ['capture', 'hold:h1', 'system:burn', 30],
      ['release', 'hold:h1', 'agent:a', 70],
    ]);
    expect(plan.hold).toMatchObject({ to: 'posted', captured: 30 });
  });

  it('capture refuses more than was held, and anything but a pending hold', () => {
    expect(() => planCapture(hold, { amount: 101, to: 'burn', reason: 'x' }, ctx)).toThrow(ConflictError);
    expect(() => planCapture({ ...hold, state: 'voided' }, { amount: 1, to: 'burn', reason: 'x' }, ctx)).toThrow(/already voided/);
    expect(() => planRelease({ ...hold, state: 'posted' }, { reason: 'x', as: 'voided' }, ctx)).toThrow(/already posted/);
    expect(() => planCapture(hold, { amount: 0, to: 'burn', reason: 'x' }, ctx)).toThrow(ValidationError);
  });

  it('a capture paid back to the holder touches its balance once', () => {
    const plan = planCapture(hold, { amount: 40, to: { agent: 'a' }, reason: 'refund' }, ctx);
    expect(plan.changes).toEqual([{ target: { kind: 'agent', accountId: 'a' }, available: 100, held: -100 }]);
  });

  it("a UBI round: payments into the pool, shares out of it, the rest burned, with zero drift at every step", () => {
    const book = new Book();
    const c = context();
    ['a', 'b', 'c'].forEach((id) => book.open(id));
    book.apply(planMint({ to: 'a', amount: 1_000, reason: 'grant' }, c));
    book.apply(planHold({ accountId: 'a', amount: 400, holdId: 'bid1', reason: 'bid' }, c));
    const capture = planCapture(book.holds.get('bid1')!, { amount: 301, to: { ubi: 7 }, reason: 'auction' }, c);
    expect(capture.entries.map((e) => [e.kind, e.debit, e.credit, e.amount])).toEqual([
      ['capture', 'hold:bid1', 'ubi:7', 301],
      ['release', 'hold:bid1', 'agent:a', 99],
    ]);
    expect(book.apply(capture)).toBe(true);
    expect(book.audit()).toMatchObject({ ok: true, drift: 0, pooled: 301, circulating: 699, burned: 0 });
    // Three recipients: 100 each, 1 µcr of remainder.
    for (const to of ['a', 'b', 'c']) expect(book.apply(planUbiPayout({ round: 7, to, amount: 100 }, c))).toBe(true);
    expect(book.audit()).toMatchObject({ ok: true, drift: 0, pooled: 1, ubiPaid: 300 });
    // The pool never pays more than it holds, and the rest is burned only if it is exactly what was read.
    expect(book.apply(planUbiPayout({ round: 7, to: 'a', amount: 2 }, c))).toBe(false);
    expect(book.apply(planUbiRest({ round: 7, amount: 2 }, c))).toBe(false);
    expect(book.apply(planUbiRest({ round: 7, amount: 1 }, c))).toBe(true);
    expect(book.audit()).toMatchObject({ ok: true, drift: 0, pooled: 0, burned: 1, circulating: 999, ubiPaid: 300 });
    expect(book.entries.filter((e) => e.kind === 'ubi').map((e) => [e.debit, e.credit, e.ref])).toEqual([
      ['ubi:7', 'agent:a', 'round-7'],
      ['ubi:7', 'agent:b', 'round-7'],
      ['ubi:7', 'agent:c', 'round-7'],
    ]);
    // Money in a pool that its journal does not account for is drift.
    book.pools.set(7, 5);
    expect(book.audit()).toMatchObject({ ok: false, drift: 5 });
    expect(book.audit().problems).toContainEqual({ kind: 'journal-mismatch', account: 'ubi:7', balance: 5, journal: 0 });
  });

  it('UBI plans refuse a bad round, recipient or amount', () => {
    expect(() => planUbiPayout({ round: 0, to: 'a', amount: 1 }, ctx)).toThrow(ValidationError);
    expect(() => planUbiPayout({ round: 1, to: 'a b', amount: 1 }, ctx)).toThrow(ValidationError);
    expect(() => planUbiPayout({ round: 1, to: 'a', amount: 0 }, ctx)).toThrow(ValidationError);
    expect(() => planUbiRest({ round: 1.5, amount: 1 }, ctx)).toThrow(ValidationError);
    expect(() => planCapture(hold, { amount: 1, to: { ubi: -1 }, reason: 'auction' }, ctx)).toThrow(ValidationError);
  });

  it('mints only for grants and rewards', () => {
    expect(() => planMint({ to: 'a', amount: 1, reason: 'airdrop' as 'grant' }, ctx)).toThrow(/grant or reward/);
    expect(planMint({ to: 'a', amount: 1, reason: 'reward', ref: 'p1' }, ctx).entries[0]).toMatchObject({
      kind: 'mint',
      debit: 'system:mint',
      credit: 'agent:a',
      ref: 'p1',
    });
  });

  it('validates ids, reasons and amounts', () => {
    expect(() => planTransfer({ from: 'a', to: 'a', amount: 1, reason: 'x' }, ctx)).toThrow(/same account/);
    expect(() => planTransfer({ from: 'a b', to: 'c', amount: 1, reason: 'x' }, ctx)).toThrow(/from must be/);
    expect(() => planBurn({ from: 'a', amount: 1, reason: '' }, ctx)).toThrow(/reason/);
    expect(() => planHold({ accountId: 'a', amount: 2 ** 53, reason: 'bid' }, ctx)).toThrow(/integer/);
  });

  it('merges changes to the same balance', () => {
    expect(
      mergeChanges([
        { target: { kind: 'burned' }, available: 1, held: 0 },
        { target: { kind: 'burned' }, available: 2, held: 0 },
        { target: { kind: 'agent', accountId: 'x' }, available: 1, held: 0 },
      ]),
    ).toEqual([
      { target: { kind: 'burned' }, available: 3, held: 0 },
      { target: { kind: 'agent', accountId: 'x' }, available: 1, held: 0 },
    ]);
  });
});

describe('audit', () => {
  it('reports drift and the account that caused it', () => {
    const book = new Book();
    const ctx = context();
    book.open('a');
    book.apply(planMint({ to: 'a', amount: 10, reason: 'grant' }, ctx));
    expect(book.audit()).toMatchObject({ ok: true, drift: 0, circulating: 10, minted: 10 });
    book.accounts.get('a')!.available += 5;
    const report = book.audit();
    expect(report).toMatchObject({ ok: false, drift: 5 });
    expect(report.problems).toEqual([{ kind: 'journal-mismatch', account: 'agent:a', balance: 15, journal: 10 }]);
  });

  it('reports drift only when every scan of a settled audit shows it: a scan beside a transaction may see half of it', async () => {
    const clean = { ok: true, drift: 0 } as AuditReport;
    const halfSeen = { ok: false, drift: -7 } as AuditReport;
    const scans = (reports: AuditReport[]) => {
      let calls = 0;
      return { scan: () => Promise.resolve(reports[Math.min(calls++, reports.length - 1)]!), calls: () => calls };
    };
    const transient = scans([halfSeen, clean]);
    expect(await settledAudit(transient.scan)).toBe(clean);
    expect(transient.calls()).toBe(2);
    const real = scans([halfSeen]);
    expect(await settledAudit(real.scan)).toBe(halfSeen);
    expect(real.calls()).toBe(3);
    const fine = scans([clean]);
    expect(await settledAudit(fine.scan)).toBe(clean);
    expect(fine.calls()).toBe(1);
  });

  it('reports an entry that does not balance', () => {
    const report = auditLedger({
      accounts: [],
      holds: [],
      minted: 0,
      burned: 0,
      entries: [{ entryId: 'e', at: 0, kind: 'transfer', debit: 'agent:a', credit: 'agent:a', amount: 1, reason: 'x' }],
    });
    expect(report.problems).toEqual([{ kind: 'unbalanced-entry', entryId: 'e' }]);
  });

  it('holds the conservation invariant over any sequence of operations', () => {
    const ids = ['a', 'b', 'c'];
    const op = fc.oneof(
      fc.record({ k: fc.constant('mint' as const), to: fc.constantFrom(...ids), amount: fc.integer({ min: 1, max: 1000 }) }),
      fc.record({ k: fc.constant('transfer' as const), from: fc.constantFrom(...ids), to: fc.constantFrom(...ids), amount: fc.integer({ min: 1, max: 500 }) }),
      fc.record({ k: fc.constant('burn' as const), from: fc.constantFrom(...ids), amount: fc.integer({ min: 1, max: 500 }) }),
      fc.record({ k: fc.constant('hold' as const), account: fc.constantFrom(...ids), amount: fc.integer({ min: 1, max: 500 }) }),
      fc.record({ k: fc.constant('capture' as const), nth: fc.nat(), amount: fc.integer({ min: 1, max: 500 }), toAgent: fc.option(fc.constantFrom(...ids)), toPool: fc.boolean() }),
      fc.record({ k: fc.constant('ubi' as const), to: fc.constantFrom(...ids), amount: fc.integer({ min: 1, max: 300 }) }),
      fc.record({ k: fc.constant('ubi-rest' as const) }),
      fc.record({ k: fc.constant('release' as const), nth: fc.nat(), expire: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const book = new Book();
        const ctx = context();
        ids.forEach((id) => book.open(id));
        for (const o of ops) {
          const holds = [...book.holds.values()];
          const pick = (n: number) => holds[n % Math.max(1, holds.length)];
          try {
            if (o.k === 'mint') book.apply(planMint({ to: o.to, amount: o.amount, reason: 'grant' }, ctx));
            if (o.k === 'transfer') book.apply(planTransfer({ ...o, reason: 'pay' }, ctx));
            if (o.k === 'burn') book.apply(planBurn({ ...o, reason: 'fee' }, ctx));
            if (o.k === 'hold') book.apply(planHold({ accountId: o.account, amount: o.amount, reason: 'bid' }, ctx));
            const h = o.k === 'capture' || o.k === 'release' ? pick(o.nth) : undefined;
            if (h && o.k === 'capture') {
              book.apply(planCapture(h, { amount: o.amount, to: o.toAgent ? { agent: o.toAgent } : o.toPool ? { ubi: 1 } : 'burn', reason: 'x' }, ctx));
            }
            if (o.k === 'ubi') book.apply(planUbiPayout({ round: 1, to: o.to, amount: o.amount }, ctx));
            const pooled = book.pools.get(1) ?? 0;
            if (o.k === 'ubi-rest' && pooled > 0) book.apply(planUbiRest({ round: 1, amount: pooled }, ctx));
            if (h && o.k === 'release') book.apply(planRelease(h, { reason: 'x', as: o.expire ? 'expired' : 'voided' }, ctx));
          } catch (err) {
            if (!(err instanceof ValidationError || err instanceof ConflictError)) throw err;
          }
          const report = book.audit();
          expect(report.problems).toEqual([]);
          expect(report.drift).toBe(0);
          expect(report.pooled).toBe(book.pools.get(1) ?? 0);
        }
      }),
      { numRuns: 300 },
    );
  });
});
