/**
 * The ports: what the economy needs from the outside world, as interfaces. Adapters implement
 * them (DynamoDB, SQS, ECS, local processes); the economy never imports an adapter or an SDK.
 */
import type { AuditReport, Balance, Hold, JournalEntry, MintReason, Movement } from './ledger.js';
import type { Micros } from './money.js';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * Every ledger write carries an idempotency key: a replay with the same key and the same request
 * returns the first result and changes nothing; the same key with a different request is refused.
 */
export interface Idempotent {
  idempotencyKey: string;
}

export interface TransferReceipt {
  entryId: string;
  from: string;
  to: string;
  amount: Micros;
}

export interface HoldReceipt {
  holdId: string;
  accountId: string;
  amount: Micros;
}

export interface CaptureReceipt {
  holdId: string;
  captured: Micros;
  released: Micros;
}

export interface ReleaseReceipt {
  holdId: string;
  released: Micros;
  state: 'voided' | 'expired';
}

export interface MintReceipt {
  entryId: string;
  to: string;
  amount: Micros;
}

export interface BurnReceipt {
  entryId: string;
  from: string;
  amount: Micros;
}

export interface Page<T> {
  items: T[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  cursor?: string;
}

export interface LedgerStore {
  openAccount(req: Idempotent & { accountId: string }): Promise<Balance>;
  transfer(req: Idempotent & Movement & { from: string; to: string; amount: Micros }): Promise<TransferReceipt>;
  hold(req: Idempotent & Movement & { accountId: string; amount: Micros; holdId?: string }): Promise<HoldReceipt>;
  /** Capture all or part of a pending hold, paid to the burn (default) or to an agent; the rest is released. */
  capture(
    req: Idempotent & Movement & { holdId: string; amount: Micros; to?: 'burn' | { agent: string } },
  ): Promise<CaptureReceipt>;
  release(req: Idempotent & { holdId: string; reason?: string }): Promise<ReleaseReceipt>;
  expire(req: Idempotent & { holdId: string; reason?: string }): Promise<ReleaseReceipt>;
  /** New money: only for a human's grant or reward. */
  mint(req: Idempotent & Movement & { to: string; amount: Micros; reason: MintReason }): Promise<MintReceipt>;
  burn(req: Idempotent & Movement & { from: string; amount: Micros }): Promise<BurnReceipt>;

  getBalance(accountId: string): Promise<Balance>;
  getHold(holdId: string): Promise<Hold>;
  /** An agent's journal entries, newest first. */
  journal(accountId: string, page?: { limit?: number; cursor?: string }): Promise<Page<JournalEntry>>;
  /** Full scan: conservation, journal replay and holds, with every problem listed. */
  audit(): Promise<AuditReport>;
}
