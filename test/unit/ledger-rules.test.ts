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
  entries: JournalEntry[] = [];

  open(id: string): void {
    this.accounts.set(id, { accountId: id, available: 0, held: 0 });
  }

  apply(plan: LedgerPlan): boolean {
    for (const c of plan.changes) {
      if (c.target.kind !== 'agent') continue;
      const a = this.accounts.get(c.target.accountId);
      if (!a || a.available + c.available < 0 || a.held + c.held < 0) return false;
    }
    for (const c of plan.changes) {
      if (c.target.kind === 'minted') this.minted += c.available;
      else if (c.target.kind === 'burned') this.burned += c.available;
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
      fc.record({ k: fc.constant('capture' as const), nth: fc.nat(), amount: fc.integer({ min: 1, max: 500 }), toAgent: fc.option(fc.constantFrom(...ids)) }),
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
              book.apply(planCapture(h, { amount: o.amount, to: o.toAgent ? { agent: o.toAgent } : 'burn', reason: 'x' }, ctx));
            }
            if (h && o.k === 'release') book.apply(planRelease(h, { reason: 'x', as: o.expire ? 'expired' : 'voided' }, ctx));
          } catch (err) {
            if (!(err instanceof ValidationError || err instanceof ConflictError)) throw err;
          }
          const report = book.audit();
          expect(report.problems).toEqual([]);
          expect(report.drift).toBe(0);
        }
      }),
      { numRuns: 300 },
    );
  });
});
