/**
 * The ledger's rules, with no I/O. Each operation is planned here as a LedgerPlan: the balance
 * changes it makes (with the conditions that keep them safe), the hold it creates or closes, and
 * its double-entry journal lines. An adapter turns one plan into one atomic write.
 *
 * Accounts that appear in the journal:
 * - `agent:<id>`   an agent's available balance;
 * - `hold:<id>`    the escrow of one hold (a two-phase transfer: pending → posted / voided / expired);
 * - `system:mint`  where human grants and rewards come from (its balance is −minted);
 * - `system:burn`  where auction payments, fees and dead agents' leftovers go (its balance is burned);
 * - `ubi:<round>`  a round's UBI pool (SYNTROPISM_PAYMENTS=ubi): its auction payments, until they
 *                  are paid out to the living agents and the rest burned (economy/ubi.ts).
 * Every entry debits one account and credits another by the same positive amount, so replaying
 * the journal reproduces every balance; the audit does exactly that.
 */
import { ConflictError, ValidationError } from './errors.js';
import { assertId } from './ids.js';
import { addMicros, assertMicros, type Micros } from './money.js';

export type HoldState = 'pending' | 'posted' | 'voided' | 'expired';

export interface Hold {
  holdId: string;
  accountId: string;
  amount: Micros;
  state: HoldState;
  /** What was captured when posted (0 otherwise). */
  captured: Micros;
  reason: string;
  ref?: string;
  createdAt: number;
  closedAt?: number;
}

export interface Balance {
  accountId: string;
  available: Micros;
  held: Micros;
}

export type EntryKind = 'mint' | 'transfer' | 'burn' | 'hold' | 'capture' | 'release' | 'expire' | 'ubi';

/** Why new money may be created: only a human act. */
export type MintReason = 'grant' | 'reward';
export const MINT_REASONS: readonly MintReason[] = ['grant', 'reward'];

export interface JournalEntry {
  entryId: string;
  at: number;
  kind: EntryKind;
  debit: string;
  credit: string;
  amount: Micros;
  reason: string;
  /** The id of the thing this movement belongs to (a bid, prompt, listing...). */
  ref?: string;
  memo?: string;
}

/** Where a balance change lands. Burns are sharded so that no single item is written by every request. */
export type BalanceTarget = { kind: 'agent'; accountId: string } | { kind: 'minted' } | { kind: 'burned' } | { kind: 'ubi'; round: number };

export interface BalanceChange {
  target: BalanceTarget;
  /** Change of `available` (for `minted`, `burned` and a UBI pool, of their total). */
  available: Micros;
  held: Micros;
  /** Applies only if the balance is exactly this before (an agent's account; a UBI pool's total as `available`). */
  expect?: { available: Micros; held: Micros };
}

export interface LedgerPlan {
  /** Accounts this plan creates; their changes are their opening balances. */
  opens?: string[];
  changes: BalanceChange[];
  /** A hold to create (state pending) or to close (from pending to `to`). */
  hold?: { create: Hold } | { close: Hold; to: Exclude<HoldState, 'pending'>; captured: Micros; at: number };
  entries: JournalEntry[];
}

export const agentAccount = (accountId: string): string => `agent:${accountId}`;
export const holdAccount = (holdId: string): string => `hold:${holdId}`;
export const MINT_ACCOUNT = 'system:mint';
export const BURN_ACCOUNT = 'system:burn';
/** A round's UBI pool: what its winners paid, until it is shared out. */
export const ubiAccount = (round: number): string => `ubi:${round}`;

/** Fresh ids and the current time, given by the caller so that planning stays pure. */
export interface PlanContext {
  newId(): string;
  now: number;
}

export interface Movement {
  reason: string;
  ref?: string;
  /** Free text from the payer (transfers). */
  memo?: string;
}

export const MAX_MEMO_LENGTH = 280;

export function assertAccountId(id: unknown, field = 'accountId'): asserts id is string {
  assertId(id, field);
}

function assertMovement(m: Movement): void {
  if (typeof m.reason !== 'string' || m.reason.length === 0 || m.reason.length > 64) {
    throw new ValidationError('reason must be a string of 1–64 characters', { field: 'reason' });
  }
  if (m.ref !== undefined && (typeof m.ref !== 'string' || m.ref.length === 0 || m.ref.length > 128)) {
    throw new ValidationError('ref must be a string of 1–128 characters', { field: 'ref' });
  }
  if (m.memo !== undefined && (typeof m.memo !== 'string' || m.memo.length > MAX_MEMO_LENGTH)) {
    throw new ValidationError(`memo must be a string of at most ${MAX_MEMO_LENGTH} characters`, { field: 'memo' });
  }
}

const agent = (accountId: string): BalanceTarget => ({ kind: 'agent', accountId });

function entry(ctx: PlanContext, kind: EntryKind, debit: string, credit: string, amount: Micros, m: Movement): JournalEntry {
  return {
    entryId: ctx.newId(),
    at: ctx.now,
    kind,
    debit,
    credit,
    amount,
    reason: m.reason,
    ...(m.ref ? { ref: m.ref } : {}),
    ...(m.memo ? { memo: m.memo } : {}),
  };
}

/** A new account, optionally funded by a human grant in the same write. */
export function planOpenAccount(
  req: { accountId: string; grant?: { amount: Micros; ref?: string } },
  ctx: PlanContext,
): LedgerPlan {
  assertAccountId(req.accountId);
  if (!req.grant) return { opens: [req.accountId], changes: [{ target: agent(req.accountId), available: 0, held: 0 }], entries: [] };
  const minted = planMint({ to: req.accountId, amount: req.grant.amount, reason: 'grant', ...(req.grant.ref ? { ref: req.grant.ref } : {}) }, ctx);
  return { ...minted, opens: [req.accountId] };
}

/**
 * A parent spawns a child: the fee is burned and the endowment moves to the child's new account,
 * in one write.
 */
export function planSpawn(req: { parent: string; child: string; fee: Micros; endowment: Micros }, ctx: PlanContext): LedgerPlan {
  assertAccountId(req.parent, 'parent');
  assertAccountId(req.child, 'child');
  assertMicros(req.fee, 'fee', 'non-negative');
  assertMicros(req.endowment, 'endowment', 'non-negative');
  const entries: JournalEntry[] = [];
  if (req.fee > 0) entries.push(entry(ctx, 'burn', agentAccount(req.parent), BURN_ACCOUNT, req.fee, { reason: 'fee:spawn', ref: req.child }));
  if (req.endowment > 0) {
    entries.push(entry(ctx, 'transfer', agentAccount(req.parent), agentAccount(req.child), req.endowment, { reason: 'endowment', ref: req.child }));
  }
  return {
    opens: [req.child],
    changes: [
      { target: agent(req.parent), available: -addMicros(req.fee, req.endowment), held: 0 },
      { target: agent(req.child), available: req.endowment, held: 0 },
      ...(req.fee > 0 ? [{ target: { kind: 'burned' } as const, available: req.fee, held: 0 }] : []),
    ],
    entries,
  };
}

export function planTransfer(
  req: Movement & { from: string; to: string; amount: Micros },
  ctx: PlanContext,
): LedgerPlan {
  assertAccountId(req.from, 'from');
  assertAccountId(req.to, 'to');
  assertMicros(req.amount, 'amount', 'positive');
  assertMovement(req);
  if (req.from === req.to) throw new ValidationError('cannot transfer to the same account', { field: 'to' });
  return {
    changes: [
      { target: agent(req.from), available: -req.amount, held: 0 },
      { target: agent(req.to), available: req.amount, held: 0 },
    ],
    entries: [entry(ctx, 'transfer', agentAccount(req.from), agentAccount(req.to), req.amount, req)],
  };
}

export function planMint(
  req: Movement & { to: string; amount: Micros; reason: MintReason },
  ctx: PlanContext,
): LedgerPlan {
  assertAccountId(req.to, 'to');
  assertMicros(req.amount, 'amount', 'positive');
  if (!MINT_REASONS.includes(req.reason)) {
    throw new ValidationError(`credits are minted only for ${MINT_REASONS.join(' or ')}`, { field: 'reason' });
  }
  assertMovement(req);
  return {
    changes: [
      { target: { kind: 'minted' }, available: req.amount, held: 0 },
      { target: agent(req.to), available: req.amount, held: 0 },
    ],
    entries: [entry(ctx, 'mint', MINT_ACCOUNT, agentAccount(req.to), req.amount, req)],
  };
}

export function planBurn(req: Movement & { from: string; amount: Micros }, ctx: PlanContext): LedgerPlan {
  assertAccountId(req.from, 'from');
  assertMicros(req.amount, 'amount', 'positive');
  assertMovement(req);
  return {
    changes: [
      { target: agent(req.from), available: -req.amount, held: 0 },
      { target: { kind: 'burned' }, available: req.amount, held: 0 },
    ],
    entries: [entry(ctx, 'burn', agentAccount(req.from), BURN_ACCOUNT, req.amount, req)],
  };
}

/**
 * Death: an agent's leftover available credits are burned, and only if its balance is exactly
 * what was judged (nothing held, nothing arrived meanwhile), so no money is ever stranded in a
 * dead account.
 */
export function planDeath(req: { accountId: string; available: Micros; held: Micros }, ctx: PlanContext): LedgerPlan {
  assertAccountId(req.accountId);
  assertMicros(req.available, 'available', 'non-negative');
  const expect = { available: req.available, held: req.held };
  if (req.available === 0) return { changes: [{ target: agent(req.accountId), available: 0, held: 0, expect }], entries: [] };
  const burn = planBurn({ from: req.accountId, amount: req.available, reason: 'death', ref: req.accountId }, ctx);
  return { ...burn, changes: burn.changes.map((c) => (c.target.kind === 'agent' ? { ...c, expect } : c)) };
}

export function planHold(
  req: Movement & { accountId: string; amount: Micros; holdId?: string },
  ctx: PlanContext,
): LedgerPlan {
  assertAccountId(req.accountId);
  assertMicros(req.amount, 'amount', 'positive');
  assertMovement(req);
  const holdId = req.holdId ?? ctx.newId();
  assertAccountId(holdId, 'holdId');
  const hold: Hold = {
    holdId,
    accountId: req.accountId,
    amount: req.amount,
    state: 'pending',
    captured: 0,
    reason: req.reason,
    ...(req.ref ? { ref: req.ref } : {}),
    createdAt: ctx.now,
  };
  return {
    changes: [{ target: agent(req.accountId), available: -req.amount, held: req.amount }],
    hold: { create: hold },
    entries: [entry(ctx, 'hold', agentAccount(req.accountId), holdAccount(holdId), req.amount, req)],
  };
}

function assertPending(hold: Hold): void {
  if (hold.state !== 'pending') {
    throw new ConflictError(`hold ${hold.holdId} is already ${hold.state}`, { holdId: hold.holdId, state: hold.state });
  }
}

/**
 * Capture `amount` of a pending hold and pay it to `to` (another agent, or the burn); the rest
 * goes back to the holder's available balance. Capturing more than was held is refused.
 */
export function planCapture(
  hold: Hold,
  req: Movement & { amount: Micros; to: 'burn' | { agent: string } | { ubi: number } },
  ctx: PlanContext,
): LedgerPlan {
  assertMicros(req.amount, 'amount', 'positive');
  assertMovement(req);
  assertPending(hold);
  if (req.amount > hold.amount) {
    throw new ConflictError(`cannot capture ${req.amount} µcr of a ${hold.amount} µcr hold`, {
      holdId: hold.holdId,
      held: hold.amount,
      requested: req.amount,
    });
  }
  const to = req.to;
  if (to !== 'burn' && 'agent' in to) assertAccountId(to.agent, 'to');
  if (to !== 'burn' && 'ubi' in to) assertRound(to.ubi);
  const rest = hold.amount - req.amount;
  const escrow = holdAccount(hold.holdId);
  const [destination, account]: [BalanceTarget, string] =
    to === 'burn' ? [{ kind: 'burned' }, BURN_ACCOUNT] : 'agent' in to ? [agent(to.agent), agentAccount(to.agent)] : [{ kind: 'ubi', round: to.ubi }, ubiAccount(to.ubi)];
  const changes = mergeChanges([
    { target: agent(hold.accountId), available: rest, held: -hold.amount },
    { target: destination, available: req.amount, held: 0 },
  ]);
  const entries = [entry(ctx, 'capture', escrow, account, req.amount, req)];
  if (rest > 0) entries.push(entry(ctx, 'release', escrow, agentAccount(hold.accountId), rest, req));
  return { changes, hold: { close: hold, to: 'posted', captured: req.amount, at: ctx.now }, entries };
}

/** Release a pending hold in full: `voided` when cancelled, `expired` when its time ran out. */
export function planRelease(
  hold: Hold,
  req: Movement & { as: 'voided' | 'expired' },
  ctx: PlanContext,
): LedgerPlan {
  assertMovement(req);
  assertPending(hold);
  return {
    changes: [{ target: agent(hold.accountId), available: hold.amount, held: -hold.amount }],
    hold: { close: hold, to: req.as, captured: 0, at: ctx.now },
    entries: [
      entry(ctx, req.as === 'expired' ? 'expire' : 'release', holdAccount(hold.holdId), agentAccount(hold.accountId), hold.amount, req),
    ],
  };
}

/**
 * A UBI share: `amount` from round `round`'s pool to a living agent's available balance (the
 * caller adds the check that the agent is alive to the same write). The pool never goes negative.
 */
export function planUbiPayout(req: { round: number; to: string; amount: Micros }, ctx: PlanContext): LedgerPlan {
  assertRound(req.round);
  assertAccountId(req.to, 'to');
  assertMicros(req.amount, 'amount', 'positive');
  return {
    changes: [
      { target: { kind: 'ubi', round: req.round }, available: -req.amount, held: 0 },
      { target: agent(req.to), available: req.amount, held: 0 },
    ],
    entries: [entry(ctx, 'ubi', ubiAccount(req.round), agentAccount(req.to), req.amount, { reason: 'ubi', ref: `round-${req.round}` })],
  };
}

/**
 * What is left in a round's UBI pool once its shares are paid (the remainder of the division, and
 * the shares of recipients who died before being paid), burned: only if the pool holds exactly
 * `amount`, so nothing paid meanwhile is burned twice.
 */
export function planUbiRest(req: { round: number; amount: Micros }, ctx: PlanContext): LedgerPlan {
  assertRound(req.round);
  assertMicros(req.amount, 'amount', 'positive');
  return {
    changes: [
      { target: { kind: 'ubi', round: req.round }, available: -req.amount, held: 0, expect: { available: req.amount, held: 0 } },
      { target: { kind: 'burned' }, available: req.amount, held: 0 },
    ],
    entries: [entry(ctx, 'burn', ubiAccount(req.round), BURN_ACCOUNT, req.amount, { reason: 'ubi:rest', ref: `round-${req.round}` })],
  };
}

/** Two plans as one write (e.g. a reward: mint to the agent and capture its attention bid). */
export function combinePlans(a: LedgerPlan, b: LedgerPlan): LedgerPlan {
  if (a.hold && b.hold) throw new Error('one write can change at most one hold');
  const hold = a.hold ?? b.hold;
  const opens = [...(a.opens ?? []), ...(b.opens ?? [])];
  return {
    ...(opens.length ? { opens } : {}),
    changes: mergeChanges([...a.changes, ...b.changes]),
    ...(hold ? { hold } : {}),
    entries: [...a.entries, ...b.entries],
  };
}

const targetKey = (t: BalanceTarget): string => (t.kind === 'agent' ? `agent:${t.accountId}` : t.kind === 'ubi' ? ubiAccount(t.round) : t.kind);

export function assertRound(round: unknown): asserts round is number {
  if (typeof round !== 'number' || !Number.isSafeInteger(round) || round < 1) throw new ValidationError('round must be a positive integer', { field: 'round' });
}

/** One write per item: changes to the same balance are added together. */
export function mergeChanges(changes: BalanceChange[]): BalanceChange[] {
  const merged = new Map<string, BalanceChange>();
  for (const c of changes) {
    const key = targetKey(c.target);
    const prev = merged.get(key);
    const expect = c.expect ?? prev?.expect;
    merged.set(
      key,
      prev
        ? { target: c.target, available: addMicros(prev.available, c.available), held: addMicros(prev.held, c.held), ...(expect ? { expect } : {}) }
        : { ...c },
    );
  }
  return [...merged.values()];
}

// ---------------------------------------------------------------------------------------------
// Audit

export interface LedgerSnapshot {
  accounts: Balance[];
  holds: Hold[];
  minted: Micros;
  burned: Micros;
  /** The UBI pools: each round's payments not yet shared out (none when payments are burned). */
  pools?: { round: number; total: Micros }[];
  entries: Iterable<JournalEntry>;
}

export type AuditProblem =
  | { kind: 'negative-balance'; accountId: string; available: Micros; held: Micros }
  | { kind: 'held-mismatch'; accountId: string; held: Micros; pendingHolds: Micros }
  | { kind: 'journal-mismatch'; account: string; balance: Micros; journal: Micros }
  | { kind: 'unbalanced-entry'; entryId: string };

export interface AuditReport {
  ok: boolean;
  /** Σ over agents of available + held. */
  circulating: Micros;
  minted: Micros;
  burned: Micros;
  /** In UBI pools: payments captured by a round and not yet paid out (zero once every round is settled). */
  pooled: Micros;
  /** All UBI ever paid out to agents (journal entries of kind `ubi`). */
  ubiPaid: Micros;
  /** circulating + pooled − (minted − burned): zero when money is conserved. */
  drift: Micros;
  accounts: number;
  pendingHolds: number;
  entries: number;
  problems: AuditProblem[];
}

/**
 * Checks the conservation invariant Σ(available + held) + pooled = minted − burned (`pooled`: UBI
 * pools not yet shared out, zero between rounds), and then, account by
 * account, that each balance equals what the journal says it should be and that each held
 * balance equals the sum of its pending holds. Any difference is listed as a problem.
 */
/**
 * An audit over scans of a live ledger. A scan is no snapshot: one that runs beside transactions
 * may see half of one (a debit but not its credit), which looks like drift that the next scan no
 * longer shows; real drift stays. So an audit that finds something is scanned again, and what it
 * found is reported only if every one of `scans` scans finds something.
 */
export async function settledAudit(scan: () => Promise<AuditReport>, scans = 3): Promise<AuditReport> {
  let report = await scan();
  for (let i = 1; i < scans && !report.ok; i += 1) report = await scan();
  return report;
}

export function auditLedger(snapshot: LedgerSnapshot): AuditReport {
  const problems: AuditProblem[] = [];
  let circulating = 0;
  const expected = new Map<string, Micros>();
  const pendingByAccount = new Map<string, Micros>();
  let pendingHolds = 0;

  for (const a of snapshot.accounts) {
    circulating = addMicros(circulating, addMicros(a.available, a.held));
    if (a.available < 0 || a.held < 0) {
      problems.push({ kind: 'negative-balance', accountId: a.accountId, available: a.available, held: a.held });
    }
    expected.set(agentAccount(a.accountId), a.available);
  }
  for (const h of snapshot.holds) {
    const open = h.state === 'pending' ? h.amount : 0;
    if (open > 0) {
      pendingHolds += 1;
      pendingByAccount.set(h.accountId, addMicros(pendingByAccount.get(h.accountId) ?? 0, open));
    }
    expected.set(holdAccount(h.holdId), open);
  }
  for (const a of snapshot.accounts) {
    const pending = pendingByAccount.get(a.accountId) ?? 0;
    if (pending !== a.held) problems.push({ kind: 'held-mismatch', accountId: a.accountId, held: a.held, pendingHolds: pending });
  }
  expected.set(MINT_ACCOUNT, -snapshot.minted);
  expected.set(BURN_ACCOUNT, snapshot.burned);
  let pooled = 0;
  for (const pool of snapshot.pools ?? []) {
    pooled = addMicros(pooled, pool.total);
    if (pool.total < 0) problems.push({ kind: 'negative-balance', accountId: ubiAccount(pool.round), available: pool.total, held: 0 });
    expected.set(ubiAccount(pool.round), pool.total);
  }

  const journal = new Map<string, Micros>();
  let entries = 0;
  let ubiPaid = 0;
  for (const e of snapshot.entries) {
    entries += 1;
    if (!(Number.isSafeInteger(e.amount) && e.amount > 0) || e.debit === e.credit) {
      problems.push({ kind: 'unbalanced-entry', entryId: e.entryId });
      continue;
    }
    if (e.kind === 'ubi') ubiPaid = addMicros(ubiPaid, e.amount);
    journal.set(e.debit, (journal.get(e.debit) ?? 0) - e.amount);
    journal.set(e.credit, (journal.get(e.credit) ?? 0) + e.amount);
  }
  for (const account of new Set([...expected.keys(), ...journal.keys()])) {
    const balance = expected.get(account) ?? 0;
    const fromJournal = journal.get(account) ?? 0;
    if (balance !== fromJournal) problems.push({ kind: 'journal-mismatch', account, balance, journal: fromJournal });
  }

  // Money in a UBI pool has left its payers and not yet reached anyone: it is still in existence.
  const drift = circulating + pooled - (snapshot.minted - snapshot.burned);
  return {
    ok: drift === 0 && problems.length === 0,
    circulating,
    minted: snapshot.minted,
    burned: snapshot.burned,
    pooled,
    ubiPaid,
    drift,
    accounts: snapshot.accounts.length,
    pendingHolds,
    entries,
    problems,
  };
}


/** An audit as it is kept and shown: when it ran, its totals, and the first problems it found. */
export interface AuditRecord extends Omit<AuditReport, 'problems'> {
  at: number;
  /** How many problems there were; the first MAX_KEPT_PROBLEMS of them are in `sample`. */
  problems: number;
  sample: AuditProblem[];
}

const MAX_KEPT_PROBLEMS = 20;

export function auditRecord(report: AuditReport, at: number): AuditRecord {
  const { problems, ...totals } = report;
  return { ...totals, at, problems: problems.length, sample: problems.slice(0, MAX_KEPT_PROBLEMS) };
}
