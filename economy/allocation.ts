/**
 * Allocation rules: which of a round's candidate bids win, all or nothing, and what each winner
 * pays: its critical value, the least amount with which it would still have won (the caller
 * raises it to the bid's reserve). Pure; no I/O.
 *
 * `greedyBy(ranking)` takes bids in one ranking's order, each winning if its whole bundle still
 * fits (Lehmann, O'Callaghan and Shoham 2002). `bestOf(rankings)` runs several such greedy passes
 * and keeps the one with the most welfare (Σ amounts of its winners), the first listed on equal
 * welfare (Mu'alem and Nisan 2008). `clearingRule`, the rule the clearing uses, chooses by the
 * number of candidates (which no amount changes): the exact optimum (optimal-allocation.ts) up to
 * `OPTIMAL_MAX_BIDS`, the best of amount / size, amount / √size and amount up to
 * `BEST_OF_RANKINGS_MAX_BIDS`, greedy by density above.
 *
 * Why the best of greedy passes stays truthful for single-minded bidders (docs/MARKET.md): in one
 * greedy pass a bid that loses changes nothing (it takes nothing), so the welfare is the pass
 * without it, L, whatever it bids below its threshold θ; a bid that wins leaves the others the
 * same allocation wherever it ranks (what they meet is its bundle less at every step, and every
 * decision they make is the same), so the welfare is its amount plus a constant R above θ. If a
 * bid wins in the chosen pass at v and bids v' > v, that pass's welfare grows by v' − v while every
 * pass it loses in keeps its welfare: the chosen pass at v' is again one it wins in. The rule is
 * monotone, so the least winning amount is a threshold, found exactly from (θ, L, R) per pass.
 */
import type { Micros } from './money.js';
import { optimalAllocation } from './optimal-allocation.js';
import { fits, type Quantities } from './resources.js';
import { amount, density, leastToRankAhead, rankedOrder, rootDensity, type Ranked, type Ranking } from './rankings.js';

export interface Contender extends Ranked {
  /** What it takes from this round's supply. */
  need: Quantities;
  reserve: Micros;
}

export interface Allocation<C> {
  /** In the order the rule took them; each pays max(reserve, critical value). */
  winners: { candidate: C; payment: Micros }[];
  losers: C[];
}

export type AllocationRule = <C extends Contender>(candidates: readonly C[], supply: Quantities) => Allocation<C>;

/**
 * Up to this many candidates a round is cleared by the exact optimum. Its branch and bound may
 * visit every one of the 2ⁿ allocations, once for the round and twice per winner: at 12, at most
 * 25 searches of 8,191 nodes (a few milliseconds).
 */
export const OPTIMAL_MAX_BIDS = 12;

/**
 * Up to this many candidates a round is cleared by the best of the rankings; above, by density
 * alone. Its critical values take six greedy passes per winner: about 35 ms of CPU at 1,000 bids
 * (docs/BENCHMARKS.md), where 100,000 must clear in under a second.
 */
export const BEST_OF_RANKINGS_MAX_BIDS = 1000;

/** Tried in this order; the first of equal welfare is kept. */
export const RANKINGS: readonly Ranking[] = [density, rootDensity, amount];

export function greedyBy(ranking: Ranking): AllocationRule {
  return <C extends Contender>(candidates: readonly C[], supply: Quantities): Allocation<C> => {
    const order = rankedOrder(ranking, candidates);
    // The greedy allocation, remembering what was left before each winner took its bundle.
    let remaining = supply;
    const won: { at: number; before: Quantities }[] = [];
    const losers: C[] = [];
    order.forEach((i, at) => {
      const c = candidates[i]!;
      if (fits(c.need, remaining)) {
        won.push({ at, before: remaining });
        remaining = minus(remaining, c.need);
      } else losers.push(c);
    });
    const winners = won.map(({ at, before }) => {
      const c = candidates[order[at]!]!;
      return { candidate: c, payment: Math.max(c.reserve, criticalInOrder(ranking, candidates, order, at, before)) };
    });
    return { winners, losers };
  };
}

export const greedyByDensity = greedyBy(density);

export function bestOf(rankings: readonly Ranking[]): AllocationRule {
  return <C extends Contender>(candidates: readonly C[], supply: Quantities): Allocation<C> => {
    const orders = rankings.map((r) => rankedOrder(r, candidates));
    const table = tableOf(candidates);
    const passes = orders.map((order) => greedyPass(table, order, supply));
    let best = 0;
    passes.forEach((p, k) => {
      if (p.welfare > passes[best]!.welfare) best = k;
    });
    const chosen = passes[best]!;
    const winners = chosen.winners.map((i) => {
      const c = candidates[i]!;
      return { candidate: c, payment: Math.max(c.reserve, criticalOfBest(rankings, orders, candidates, table, i, supply)) };
    });
    const won = new Set(chosen.winners);
    const losers = orders[best]!.filter((i) => !won.has(i)).map((i) => candidates[i]!);
    return { winners, losers };
  };
}

export const bestOfRankings = bestOf(RANKINGS);

export const clearingRule: AllocationRule = (candidates, supply) =>
  candidates.length <= OPTIMAL_MAX_BIDS
    ? optimalAllocation(candidates, supply)
    : candidates.length <= BEST_OF_RANKINGS_MAX_BIDS
      ? bestOfRankings(candidates, supply)
      : greedyByDensity(candidates, supply);

/**
 * The least amount with which the candidate at `order[at]` would still win in one ranking.
 * Lowering its bid moves it down the order; the bids it then comes after are allocated as if it
 * were absent, which is the greedy run from `before` (the supply left when it was reached) over
 * the bids ranked after it. It keeps winning until one of them takes supply it needs: it must
 * rank ahead of that bid.
 */
function criticalInOrder(ranking: Ranking, candidates: readonly Contender[], order: readonly number[], at: number, before: Quantities): Micros {
  const me = candidates[order[at]!]!;
  let remaining = before;
  for (let k = at + 1; k < order.length; k += 1) {
    const other = candidates[order[k]!]!;
    if (!fits(other.need, remaining)) continue;
    remaining = minus(remaining, other.need);
    if (!fits(me.need, remaining)) return leastToRankAhead(ranking, me, other);
  }
  return 0; // it would win at any amount: it pays its reserve
}

/** How one ranking's greedy pass treats a bid, as a function of the amount v it bids. */
interface Outlook {
  /** It wins in this pass iff v ≥ threshold (Infinity: never). */
  threshold: number;
  /** The pass's welfare when it loses (the pass without it). */
  lose: number;
  /** The others' welfare when it wins (the pass with it taken first). */
  others: number;
}

/** The critical value of candidate `j` under the best of the rankings' greedy passes. */
function criticalOfBest(
  rankings: readonly Ranking[],
  orders: readonly number[][],
  candidates: readonly Contender[],
  table: Table,
  j: number,
  supply: Quantities,
): Micros {
  const me = candidates[j]!;
  const outlooks: Outlook[] = rankings.map((ranking, k) => {
    const without = greedyPass(table, orders[k]!, supply, j, me.need);
    const threshold = !fits(me.need, supply) ? Infinity : without.blocker < 0 ? 0 : leastToRankAhead(ranking, me, candidates[without.blocker]!);
    const others = fits(me.need, supply) ? greedyPass(table, orders[k]!, minus(supply, me.need), j).welfare : 0;
    return { threshold, lose: without.welfare, others };
  });
  const winsAt = (v: number): boolean => {
    let best = 0;
    let bestWelfare = -Infinity;
    outlooks.forEach((o, k) => {
      const welfare = v >= o.threshold ? v + o.others : o.lose;
      if (welfare > bestWelfare) [best, bestWelfare] = [k, welfare];
    });
    return v >= outlooks[best]!.threshold;
  };
  if (!winsAt(me.bid.amount)) throw new Error(`allocation: bid ${me.bid.bidId} won but its outlook says it loses`);
  // winsAt is monotone in v (see the module's comment): the least winning amount, by bisection.
  let [lo, hi] = [0, me.bid.amount];
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (winsAt(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The candidates' needs (4 per candidate: vCPU, memory, tokens, prompts) and amounts, flat for fast passes. */
interface Table {
  needs: Float64Array;
  amounts: Float64Array;
}

function tableOf(candidates: readonly Contender[]): Table {
  const needs = new Float64Array(candidates.length * 4);
  const amounts = new Float64Array(candidates.length);
  candidates.forEach((c, i) => {
    needs.set([c.need.vcpu, c.need.memoryMiB, c.need.tokens, c.need.attention], i * 4);
    amounts[i] = c.bid.amount;
  });
  return { needs, amounts };
}

/**
 * One greedy pass over `order` from `supply`, leaving out `skip`. With `watch`, also the first bid
 * whose allocation leaves too little for `watch` (−1 if none): a bid needing `watch` wins in this
 * order iff it ranks ahead of that one.
 */
function greedyPass(table: Table, order: readonly number[], supply: Quantities, skip = -1, watch?: Quantities): { winners: number[]; welfare: number; blocker: number } {
  const { needs, amounts } = table;
  let [vcpu, memory, tokens, attention] = [supply.vcpu, supply.memoryMiB, supply.tokens, supply.attention];
  let welfare = 0;
  let blocker = -1;
  const winners: number[] = [];
  for (const i of order) {
    if (i === skip) continue;
    const at = i * 4;
    if (needs[at]! > vcpu || needs[at + 1]! > memory || needs[at + 2]! > tokens || needs[at + 3]! > attention) continue;
    vcpu -= needs[at]!;
    memory -= needs[at + 1]!;
    tokens -= needs[at + 2]!;
    attention -= needs[at + 3]!;
    welfare += amounts[i]!;
    winners.push(i);
    if (watch && blocker < 0 && (watch.vcpu > vcpu || watch.memoryMiB > memory || watch.tokens > tokens || watch.attention > attention)) blocker = i;
  }
  return { winners, welfare, blocker };
}

/** a − b where b fits in a. */
function minus(a: Quantities, b: Quantities): Quantities {
  return { vcpu: a.vcpu - b.vcpu, memoryMiB: a.memoryMiB - b.memoryMiB, tokens: a.tokens - b.tokens, attention: a.attention - b.attention };
}
