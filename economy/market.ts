/**
 * The market's records and their rules, without storage: agents, bids, leases and rounds.
 */
import type { Prices, ResourceRound, RoundOutcome } from './clearing.js';
import type { Micros } from './money.js';
import { addQuantities, bundleQuantities, zeroQuantities, type Bundle, type Quantities, type Resource } from './resources.js';

export type AgentStatus = 'alive' | 'dead';

export interface Agent {
  agentId: string;
  status: AgentStatus;
  generation: number;
  /** Ancestors, nearest first: [parent, grandparent, ...]. */
  lineage: string[];
  createdAt: number;
  /** The last round in which it bid or won a lease (for dormancy). */
  lastActiveRound: number;
  /** Its strategy configuration, set by the owner of its config right; the runtime reads it at each lease. */
  config?: Record<string, unknown>;
  diedRound?: number;
  deathReason?: string;
}

export type BidState = 'pending' | 'won' | 'cancelled' | 'expired';

export interface Bid {
  bidId: string;
  agentId: string;
  bundle: Bundle;
  amount: Micros;
  /** The ledger hold that escrows `amount` (same id as the bid). */
  holdId: string;
  state: BidState;
  placedAt: number;
  /** The first round this bid takes part in. */
  firstRound: number;
  /** Set when it won: what it paid and the lease it bought. */
  payment?: Micros;
  leaseId?: string;
  closedAt?: number;
  closedRound?: number;
}

export interface Lease {
  leaseId: string;
  agentId: string;
  bidId: string;
  bundle: Bundle;
  round: number;
  startsAt: number;
  endsAt: number;
  payment: Micros;
  /** Set when the lease ended early (its process died): from then on it holds nothing. */
  closedAt?: number;
  closeReason?: string;
}

/** When a lease stops holding its resources: its end, or when it was closed early. */
export const leaseEnd = (lease: Lease): number => lease.closedAt ?? lease.endsAt;

export interface OracleState {
  /** The last round begun (0 before the first). */
  lastRound: number;
  /** `clearing` while a round is being applied (or if it died half-way); `settled` after. */
  status: 'clearing' | 'settled';
  /** The schedule tick that began the last round; a repeated invocation for it does nothing. */
  lastTick: number;
  /** The reserve prices the next round will use. */
  reserve: Prices;
}

export interface RoundRecord {
  round: number;
  tick: number;
  startedAt: number;
  status: 'clearing' | 'settled';
  /** Stored once, by whichever invocation clears first; every invocation then applies this one. */
  outcome?: StoredOutcome;
  settledAt?: number;
}

/** What is kept of a round's outcome: winners in full, the rest as counts. */
export interface StoredOutcome {
  winners: RoundOutcome['winners'];
  resources: Record<Resource, ResourceRound>;
  volume: Micros;
  bids: number;
  losers: number;
  belowReserve: number;
}

export function storedOutcome(outcome: RoundOutcome): StoredOutcome {
  return {
    winners: outcome.winners,
    resources: outcome.resources,
    volume: outcome.volume,
    bids: outcome.winners.length + outcome.losers.length + outcome.belowReserve.length,
    losers: outcome.losers.length,
    belowReserve: outcome.belowReserve.length,
  };
}

/** What active leases hold at `now`: vCPU and memory (tokens and prompts are per round window). */
export function heldByLeases(leases: readonly Lease[], now: number): Quantities {
  return leases
    .filter((l) => leaseEnd(l) > now)
    .reduce((sum, l) => {
      const q = bundleQuantities(l.bundle);
      return addQuantities(sum, { vcpu: q.vcpu, memoryMiB: q.memoryMiB, tokens: 0, attention: 0 });
    }, zeroQuantities());
}

/**
 * When a new lease runs: now, or, if the agent already holds a lease, when its last one ends, so
 * that an agent that keeps paying keeps running without a gap.
 */
export function leaseWindow(agentLeases: readonly Lease[], now: number, durationSeconds: number): { startsAt: number; endsAt: number } {
  const startsAt = agentLeases.reduce((t, l) => (leaseEnd(l) > t ? leaseEnd(l) : t), now);
  return { startsAt, endsAt: startsAt + durationSeconds * 1000 };
}

/** A pending bid takes part in `expiryRounds` rounds, from its first; it expires at the end of the last. */
export function expiresAfter(bid: Pick<Bid, 'firstRound'>, round: number, expiryRounds: number): boolean {
  return round >= bid.firstRound + expiryRounds - 1;
}

/** The lease an agent is in at `now` (or the next one, if it is between leases but has one coming). */
export function currentLease(leases: readonly Lease[], now: number): Lease | undefined {
  const live = leases.filter((l) => leaseEnd(l) > now).sort((a, b) => a.startsAt - b.startsAt);
  return live.find((l) => l.startsAt <= now) ?? live[0];
}

/**
 * When the agent's run ends: the end of the current lease, or of the last renewal that follows
 * it without a gap. Undefined when no lease covers `now`.
 */
export function runEndsAt(leases: readonly Lease[], now: number): number | undefined {
  const current = leases.find((l) => l.startsAt <= now && now < leaseEnd(l));
  if (!current) return undefined;
  let end = leaseEnd(current);
  for (;;) {
    const next = leases.find((l) => l.startsAt === end && leaseEnd(l) > end);
    if (!next) return end;
    end = leaseEnd(next);
  }
}
