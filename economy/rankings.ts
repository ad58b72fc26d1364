/**
 * The orders a greedy allocation takes bids in. Each ranks a bid by a score that rises with its
 * amount and depends otherwise only on its bundle's size (a share of the configured supply):
 * - `density`: amount / size (Lehmann, O'Callaghan and Shoham's greedy for knapsack-like bids);
 * - `rootDensity`: amount / √size, LOS's own choice for single-minded bidders;
 * - `amount`: the highest amount first.
 * Equal scores (exactly) go to the earlier bid, then the smaller id: an order that no amount
 * changes, which the allocation needs to stay monotone.
 *
 * Scores are compared exactly (BigInt); a float score only sorts quickly, with an exact comparison
 * whenever two scores are close. `leastToPass` is the least whole amount with which a bid would
 * rank ahead of another: the threshold that critical values are made of.
 */
import type { Micros } from './money.js';
import type { PendingBid } from './clearing.js';

export interface Ranked {
  bid: PendingBid;
  /** The bundle's size over the common denominator of the supply (> 0). */
  size: bigint;
}

export interface Ranking {
  name: string;
  /** A float approximation of the score, to sort quickly. */
  score(c: Ranked): number;
  /** Sign of score(b) − score(a), exactly: negative when `a` has the higher score. */
  compareScores(a: Ranked, b: Ranked): number;
  /** The least amount with which `me` would score at least (`orEqual`) or more than `other`. */
  leastToPass(me: Ranked, other: Ranked, orEqual: boolean): Micros;
}

export const density: Ranking = {
  name: 'amount / size',
  score: (c) => c.bid.amount / Number(c.size),
  compareScores: (a, b) => sign(BigInt(b.bid.amount) * a.size - BigInt(a.bid.amount) * b.size),
  leastToPass(me, other, orEqual) {
    // v / me.size ≥ a / other.size  ⇔  v ≥ a × me.size / other.size
    const product = BigInt(other.bid.amount) * me.size;
    return Number(orEqual ? ceilDiv(product, other.size) : product / other.size + 1n);
  },
};

export const rootDensity: Ranking = {
  name: 'amount / √size',
  score: (c) => c.bid.amount / Math.sqrt(Number(c.size)),
  compareScores(a, b) {
    const [va, vb] = [BigInt(a.bid.amount), BigInt(b.bid.amount)];
    return sign(vb * vb * a.size - va * va * b.size);
  },
  leastToPass(me, other, orEqual) {
    // v / √me.size ≥ a / √other.size  ⇔  v² × other.size ≥ a² × me.size (amounts are ≥ 0)
    const a = BigInt(other.bid.amount);
    const target = a * a * me.size + (orEqual ? 0n : 1n);
    return Number(ceilSqrt(ceilDiv(target, other.size)));
  },
};

export const amount: Ranking = {
  name: 'amount',
  score: (c) => c.bid.amount,
  compareScores: (a, b) => sign(BigInt(b.bid.amount) - BigInt(a.bid.amount)),
  leastToPass: (_me, other, orEqual) => (orEqual ? other.bid.amount : other.bid.amount + 1),
};

/** The order of `ranking`: higher score first, equal scores to the earlier bid, then the smaller id. */
export function rankedOrder(ranking: Ranking, candidates: readonly Ranked[]): number[] {
  const scores = candidates.map((c) => ranking.score(c));
  const order = candidates.map((_, i) => i);
  order.sort((i, j) => {
    const [si, sj] = [scores[i]!, scores[j]!];
    const close = Math.abs(si - sj) <= 1e-9 * Math.max(si, sj);
    if (!close) return sj - si;
    return ranking.compareScores(candidates[i]!, candidates[j]!) || tieBreak(candidates[i]!.bid, candidates[j]!.bid);
  });
  return order;
}

/** The order among equal scores, which no amount changes: the earlier bid, then the smaller id. */
export function tieBreak(a: PendingBid, b: PendingBid): number {
  if (a.placedAt !== b.placedAt) return a.placedAt - b.placedAt;
  return a.bidId < b.bidId ? -1 : a.bidId > b.bidId ? 1 : 0;
}

/** The least amount with which `me` ranks ahead of `other` (it wins a tie if it is earlier). */
export function leastToRankAhead(ranking: Ranking, me: Ranked, other: Ranked): Micros {
  return ranking.leastToPass(me, other, tieBreak(me.bid, other.bid) < 0);
}

const sign = (x: bigint): number => (x > 0n ? 1 : x < 0n ? -1 : 0);
const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;

/** The least integer r ≥ 0 with r² ≥ n. */
function ceilSqrt(n: bigint): bigint {
  if (n <= 0n) return 0n;
  // One integer Newton step from any r > 0 lands at or above ⌊√n⌋; further steps descend to it.
  let r = BigInt(Math.max(1, Math.floor(Math.sqrt(Number(n)))));
  r = (r + n / r) / 2n;
  for (let next = (r + n / r) / 2n; next < r; next = (r + n / r) / 2n) r = next;
  return r * r < n ? r + 1n : r;
}
