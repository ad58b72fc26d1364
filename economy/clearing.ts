/**
 * The oracle's clearing: a pure function from a round's pending bids, supply and reserve prices
 * to its winners, their payments and the next prices. No I/O.
 *
 * Allocation is all or nothing, by the rule in allocation.ts: the exact optimum on small rounds,
 * the best by welfare of greedy passes in several rankings (amount over the bundle's size, over
 * its square root, and amount alone) on larger ones, the size being each resource's share of the
 * configured supply (vCPU and memory weighted by how many rounds the lease lasts); greedy by
 * density alone on very large rounds. A winner pays its
 * critical value: the least amount with which it would still have won, never below its reserve.
 * Because the rule is monotone in the amount and the payment is the threshold, bidding one's true
 * value is a dominant strategy for single-minded bidders.
 *
 * All arithmetic that decides who wins or what is paid is exact (BigInt rationals); floats are
 * used only to sort quickly, with an exact comparison whenever two scores are close.
 */
import { clearingRule, type AllocationRule } from './allocation.js';
import { marketPrices } from './market-price.js';
import type { Micros } from './money.js';
import { addQuantities, bundleQuantities, CPU_UNITS_PER_VCPU, RESOURCES, zeroQuantities, type Bundle, type Quantities, type Resource } from './resources.js';

/** Pico-credits (10⁻¹² credit) per vCPU-second, per MiB-second, per token and per prompt. */
export type Prices = Record<Resource, number>;

export const PICO_PER_MICRO = 1_000_000;

export interface PendingBid {
  bidId: string;
  /** Whose lease it buys. */
  agentId: string;
  /** Who pays (the agent, or its sponsor); the agent when absent. */
  payerId?: string;
  bundle: Bundle;
  amount: Micros;
  /** When it was placed (ms); the earlier bid wins a tie, then the smaller id. */
  placedAt: number;
}

export interface RoundInput {
  round: number;
  roundSeconds: number;
  bids: readonly PendingBid[];
  /** The configured supply: vCPU (in CPU units) and memory at once; tokens and attention per window. */
  capacity: Quantities;
  /** What live leases still hold (vCPU and memory; tokens and attention are a fresh window each round). */
  held: Quantities;
  /**
   * What each agent already holds of vCPU and memory (see `heldByAgent` in market.ts). A lease won
   * now for an agent that holds one follows it, so its bid needs only what it adds to the most its
   * agent holds: a renewal and the lease it continues are never counted at once.
   */
  agentHolds?: ReadonlyMap<string, Quantities>;
  reserve: Prices;
  bounds: { min: number; max: number };
}

export interface Winner {
  bidId: string;
  agentId: string;
  payerId: string;
  amount: Micros;
  payment: Micros;
}

export interface ResourceRound {
  capacity: number;
  /** Offered this round: capacity less what active leases hold. */
  supply: number;
  allocated: number;
  /**
   * allocated / offered supply (0 when nothing was offered): the demand signal that moves the
   * reserve. When nothing is offered (every unit held by running leases), the reserve stays.
   */
  utilisation: number;
  /** (held + allocated) / capacity: how much of the capacity is in use once this round's leases start. */
  occupancy: number;
  reserve: number;
  nextReserve: number;
  /**
   * What winners paid per unit(-second) for this resource, in pico-credits, each payment split over
   * its bundle's resources by their shares of its reserve value (economy/market-price.ts); null when
   * nothing traded.
   */
  marketPrice: number | null;
}

export interface RoundOutcome {
  round: number;
  winners: Winner[];
  /** Bids that took part and lost; they stay pending. */
  losers: string[];
  /** Bids below their bundle's reserve; they did not take part and stay pending. */
  belowReserve: string[];
  resources: Record<Resource, ResourceRound>;
  /** Σ payments. */
  volume: Micros;
}

interface Candidate {
  bid: PendingBid;
  /** What it takes from this round's supply. */
  need: Quantities;
  /** The bundle's size over the common denominator: exact. */
  size: bigint;
  /** Each resource's part of `size`. */
  sizeParts: Record<Resource, bigint>;
  reserve: Micros;
}

/** The reserve of a bundle at the given prices, in µcr, rounded up. */
export function bundleReserve(bundle: Bundle, prices: Prices): Micros {
  const q = bundleQuantities(bundle);
  const d = BigInt(bundle.durationSeconds);
  // CPU prices are per vCPU-second but quantities are in CPU units: scale everything else by 1024.
  const picoTimes1024 =
    BigInt(prices.vcpu) * BigInt(q.vcpu) * d +
    BigInt(CPU_UNITS_PER_VCPU) *
      (BigInt(prices.memoryMiB) * BigInt(q.memoryMiB) * d + BigInt(prices.tokens) * BigInt(q.tokens) + BigInt(prices.attention) * BigInt(q.attention));
  return Number(ceilDiv(picoTimes1024, BigInt(CPU_UNITS_PER_VCPU * PICO_PER_MICRO)));
}

/** Clears a round; `allocation` is the rule (another only to compare rules in benchmarks). */
export function clear(input: RoundInput, allocation: AllocationRule = clearingRule): RoundOutcome {
  const supply = subtractFloor(input.capacity, input.held);
  const weights = sizeWeights(input.capacity, input.roundSeconds);

  const belowReserve: string[] = [];
  const candidates: Candidate[] = [];
  for (const bid of input.bids) {
    const reserve = bundleReserve(bid.bundle, input.reserve);
    const need = needOf(bid, input.agentHolds);
    // Ranked by the share of supply the whole bundle is worth; fitted by what it needs of this round's.
    const sizeParts = sizeOf(bundleQuantities(bid.bundle), bid.bundle.durationSeconds, weights);
    const size = sizeParts.vcpu + sizeParts.memoryMiB + sizeParts.tokens + sizeParts.attention;
    if (bid.amount < reserve || size === 0n) belowReserve.push(bid.bidId);
    else candidates.push({ bid, need, size, sizeParts, reserve });
  }

  const chosen = allocation(candidates, supply);
  const winners = chosen.winners.map(({ candidate, payment }) => ({ bid: candidate.bid, payment, candidate }));
  const losers = chosen.losers.map((c) => c.bid.bidId);

  const allocated = winners.reduce((sum, w) => addQuantities(sum, w.candidate.need), zeroQuantities());
  const prices = marketPrices(winners.map((w) => ({ bundle: w.bid.bundle, payment: w.payment })), input.reserve);
  const resources = {} as Record<Resource, ResourceRound>;
  for (const r of RESOURCES) {
    const capacity = input.capacity[r];
    const offered = supply[r];
    const inUse = r === 'vcpu' || r === 'memoryMiB' ? input.held[r] + allocated[r] : allocated[r];
    const utilisation = offered > 0 ? Math.min(1, allocated[r] / offered) : 0;
    resources[r] = {
      capacity,
      supply: offered,
      allocated: allocated[r],
      utilisation,
      occupancy: capacity > 0 ? Math.min(1, inUse / capacity) : 0,
      reserve: input.reserve[r],
      // Nothing offered says nothing of demand: the reserve stays (it would otherwise climb while
      // the same agents renew, until nobody could pay it).
      nextReserve: offered > 0 ? nextReserve(input.reserve[r], utilisation, input.bounds) : input.reserve[r],
      marketPrice: prices[r],
    };
  }

  return {
    round: input.round,
    winners: winners.map((w) => ({ bidId: w.bid.bidId, agentId: w.bid.agentId, payerId: w.bid.payerId ?? w.bid.agentId, amount: w.bid.amount, payment: w.payment })),
    losers,
    belowReserve: belowReserve.sort(),
    resources,
    volume: winners.reduce((sum, w) => sum + w.payment, 0),
  };
}

/** What a bid takes from the round's supply: its bundle, less the vCPU and memory its agent already holds. */
function needOf(bid: PendingBid, agentHolds: RoundInput['agentHolds']): Quantities {
  const need = bundleQuantities(bid.bundle);
  const holds = agentHolds?.get(bid.agentId);
  if (!holds) return need;
  return { ...need, vcpu: Math.max(0, need.vcpu - holds.vcpu), memoryMiB: Math.max(0, need.memoryMiB - holds.memoryMiB) };
}

/**
 * Integer weights such that size = Σ quantity × weight is the bundle's share of supply (over a
 * common denominator): vCPU and memory count once per round the lease lasts, tokens and
 * attention once. A resource with no capacity has weight 0 (no bundle needing it can fit).
 */
function sizeWeights(capacity: Quantities, roundSeconds: number): Record<Resource, { perUnit: bigint; timed: boolean }> {
  const product = RESOURCES.reduce((p, r) => (capacity[r] > 0 ? p * BigInt(capacity[r]) : p), 1n);
  const weights = {} as Record<Resource, { perUnit: bigint; timed: boolean }>;
  for (const r of RESOURCES) {
    const timed = r === 'vcpu' || r === 'memoryMiB';
    const perUnit = capacity[r] > 0 ? product / BigInt(capacity[r]) : 0n;
    weights[r] = { perUnit: timed ? perUnit : perUnit * BigInt(roundSeconds), timed };
  }
  return weights;
}

function sizeOf(need: Quantities, durationSeconds: number, weights: ReturnType<typeof sizeWeights>): Record<Resource, bigint> {
  const parts = {} as Record<Resource, bigint>;
  for (const r of RESOURCES) {
    const w = weights[r];
    parts[r] = BigInt(need[r]) * w.perUnit * (w.timed ? BigInt(durationSeconds) : 1n);
  }
  return parts;
}

/** Reserve × 1.1 when utilisation ≥ 0.8, × 0.95 when ≤ 0.2, clamped to the bounds. */
export function nextReserve(reserve: number, utilisation: number, bounds: { min: number; max: number }): number {
  const p = BigInt(reserve);
  const next = utilisation >= 0.8 ? roundDiv(p * 11n, 10n) : utilisation <= 0.2 ? roundDiv(p * 19n, 20n) : p;
  return Math.min(bounds.max, Math.max(bounds.min, Number(next)));
}

function subtractFloor(a: Quantities, b: Quantities): Quantities {
  return {
    vcpu: Math.max(0, a.vcpu - b.vcpu),
    memoryMiB: Math.max(0, a.memoryMiB - b.memoryMiB),
    tokens: Math.max(0, a.tokens - b.tokens),
    attention: Math.max(0, a.attention - b.attention),
  };
}

const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;
const roundDiv = (a: bigint, b: bigint): bigint => (2n * a + b) / (2n * b);
