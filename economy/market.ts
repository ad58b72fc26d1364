/**
 * The market's records and their rules, without storage: agents, bids, leases and rounds.
 */
import type { Prices, ResourceRound, RoundOutcome } from './clearing.js';
import { ConflictError, ForbiddenError, InsufficientFundsError } from './errors.js';
import { combinePlans, planHold, type LedgerPlan, type PlanContext } from './ledger.js';
import { assertMicros, type Micros } from './money.js';
import { addQuantities, assertBundle, bundleQuantities, zeroQuantities, type Bundle, type Quantities, type Resource } from './resources.js';

export type AgentStatus = 'alive' | 'dead';

export interface Agent {
  agentId: string;
  status: AgentStatus;
  generation: number;
  /** Ancestors, nearest first: [parent, grandparent, ...]. */
  lineage: string[];
  createdAt: number;
  /** Pending bids for its leases, its own or sponsored: while there is one it is not dormant. */
  pendingBids: number;
  /** When a bid for it (its own or sponsored) was last placed (ms). */
  lastBidAt?: number;
  /** When the last lease it won ends (ms). */
  leasedUntil?: number;
  /** Its strategy configuration, set by the owner of its config right; the runtime reads it at each lease. */
  config?: Record<string, unknown>;
  diedRound?: number;
  deathReason?: string;
}

export type BidState = 'pending' | 'won' | 'cancelled' | 'expired';

export interface Bid {
  bidId: string;
  /** Whose lease it buys. */
  agentId: string;
  /** Who holds `amount` and pays: the agent itself, or a sponsor (its parent, anyone). */
  payerId: string;
  bundle: Bundle;
  amount: Micros;
  /** The payer's ledger hold that escrows `amount` (same id as the bid). */
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

/**
 * A new pending bid, checked: a valid bundle and a positive amount. Its hold has its id; it first
 * takes part in the round after the last one begun.
 */
/** A first agent (generation 0); a first bid placed with it counts as its first activity. */
export function newAgent(req: { agentId: string; now: number; bid: Bid | undefined }, parent?: Agent): Agent {
  return {
    agentId: req.agentId,
    status: 'alive',
    generation: parent ? parent.generation + 1 : 0,
    lineage: parent ? [parent.agentId, ...parent.lineage] : [],
    createdAt: req.now,
    pendingBids: req.bid ? 1 : 0,
    ...(req.bid ? { lastBidAt: req.now } : {}),
  };
}

/** A child of a living agent: one generation down, its parent first in its lineage. */
export function newChild(parent: Agent, req: { agentId: string; now: number; bid: Bid | undefined }): Agent {
  if (parent.status !== 'alive') throw new ForbiddenError(`agent ${parent.agentId} is dead`);
  return newAgent(req, parent);
}

export function newBid(req: { bidId: string; agentId: string; payerId: string; bundle: Bundle; amount: Micros; now: number; lastRound: number }): Bid {
  assertBundle(req.bundle);
  assertMicros(req.amount, 'amount', 'positive');
  return {
    bidId: req.bidId,
    agentId: req.agentId,
    payerId: req.payerId,
    bundle: req.bundle,
    amount: req.amount,
    holdId: req.bidId,
    state: 'pending',
    placedAt: req.now,
    firstRound: req.lastRound + 1,
  };
}

/** A new agent's first bid, held from the endowment its account opens with (`opening`), in the same write. */
/** A pending bid closed without winning: cancelled by its payer, or expired by the round. Only a pending bid closes. */
export function closedBid(bid: Bid, to: 'cancelled' | 'expired', now: number, round?: number): Bid {
  if (bid.state !== 'pending') throw new ConflictError(`bid ${bid.bidId} is already ${bid.state}`, { bidId: bid.bidId, state: bid.state });
  return { ...bid, state: to, closedAt: now, ...(round !== undefined ? { closedRound: round } : {}) };
}

export function planFirstBid(opening: LedgerPlan, endowment: Micros, bid: Bid, ctx: PlanContext): LedgerPlan {
  if (bid.amount > endowment) throw new InsufficientFundsError(bid.payerId, bid.amount, endowment);
  return combinePlans(opening, planHold({ accountId: bid.payerId, amount: bid.amount, holdId: bid.holdId, reason: 'bid', ref: bid.bidId }, ctx));
}

export interface Lease {
  leaseId: string;
  agentId: string;
  bidId: string;
  /** Who paid for it: the agent, or its sponsor. */
  payerId: string;
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

/**
 * What each agent holds of vCPU and memory from `now` on. An agent's leases follow one another and
 * never run at once, so it holds the most that any one of its live leases needs, not their sum: a
 * current lease and its renewal are never counted together.
 */
export function heldByAgent(leases: readonly Lease[], now: number): Map<string, Quantities> {
  const held = new Map<string, Quantities>();
  for (const lease of leases) {
    if (leaseEnd(lease) <= now) continue;
    const q = bundleQuantities(lease.bundle);
    const before = held.get(lease.agentId) ?? zeroQuantities();
    held.set(lease.agentId, { vcpu: Math.max(before.vcpu, q.vcpu), memoryMiB: Math.max(before.memoryMiB, q.memoryMiB), tokens: 0, attention: 0 });
  }
  return held;
}

/** What all live leases hold of vCPU and memory (tokens and prompts are per round window). */
export function heldByLeases(leases: readonly Lease[], now: number): Quantities {
  return [...heldByAgent(leases, now).values()].reduce(addQuantities, zeroQuantities());
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

/** The lease running at `now`, if any. */
export function activeLease(leases: readonly Lease[], now: number): Lease | undefined {
  return leases.find((l) => l.startsAt <= now && now < leaseEnd(l));
}

/** The lease an agent is in at `now` (or the next one, if it is between leases but has one coming). */
export function currentLease(leases: readonly Lease[], now: number): Lease | undefined {
  const live = leases.filter((l) => leaseEnd(l) > now).sort((a, b) => a.startsAt - b.startsAt);
  return activeLease(live, now) ?? live[0];
}

/**
 * When the agent's run ends: the end of the active lease, or of the last renewal that follows it
 * without a gap. Undefined when no lease is active at `now`.
 */
export function runEndsAt(leases: readonly Lease[], now: number): number | undefined {
  const current = activeLease(leases, now);
  if (!current) return undefined;
  let end = leaseEnd(current);
  for (;;) {
    const next = leases.find((l) => l.startsAt === end && leaseEnd(l) > end);
    if (!next) return end;
    end = leaseEnd(next);
  }
}

/** Since when an agent has been without a lease or a bid: its birth, its last bid, or its last lease's end. */
export const activeSince = (agent: Pick<Agent, 'createdAt' | 'lastBidAt' | 'leasedUntil'>): number =>
  Math.max(agent.createdAt, agent.lastBidAt ?? 0, agent.leasedUntil ?? 0);
