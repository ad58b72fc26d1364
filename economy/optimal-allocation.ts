/**
 * The exact welfare optimum as an allocation rule, for rounds small enough to search (branch and
 * bound over include/exclude, bounded by the amounts still to decide), with critical-value
 * (VCG-style) payments. Pure; no I/O.
 *
 * Among allocations of equal welfare it takes the first in a fixed order that no amount changes:
 * candidates in order of placement (earlier, then smaller id), and of two allocations the one that
 * includes the earlier candidate where they first differ. The search goes through allocations in
 * that order and keeps a new one only if its welfare is strictly more, so it finds that one.
 *
 * Monotone: if a bid is in the chosen allocation at amount v and bids v′ > v, every allocation
 * with it gains v′ − v and none without it gains anything, so whatever beats it at v′ contains it.
 * Its critical value: with L the best welfare without it, R the best welfare of the others within
 * the supply less its bundle, it wins above L − R, loses below, and at exactly L − R wins iff the
 * best allocation with it (itself and R's) comes first in the fixed order.
 */
import type { Allocation, Contender } from './allocation.js';
import type { Micros } from './money.js';
import { tieBreak } from './rankings.js';
import { fits, type Quantities } from './resources.js';

export function optimalAllocation<C extends Contender>(candidates: readonly C[], supply: Quantities): Allocation<C> {
  const order = candidates.map((_, i) => i).sort((a, b) => tieBreak(candidates[a]!.bid, candidates[b]!.bid));
  const items = order.map((i) => candidates[i]!);
  const best = bestSet(items, supply);
  const winners = best.chosen.map((p) => {
    const c = items[p]!;
    return { candidate: c, payment: Math.max(c.reserve, criticalValue(items, p, supply)) };
  });
  const won = new Set(best.chosen);
  return { winners, losers: items.filter((_, p) => !won.has(p)) };
}

function criticalValue(items: readonly Contender[], p: number, supply: Quantities): Micros {
  const need = items[p]!.need;
  const without = bestSet(items, supply, p);
  const rest = bestSet(items, minus(supply, need), p);
  const threshold = without.welfare - rest.welfare;
  // At the threshold, the two allocations tie: the one with it wins if it comes first.
  const withIt = new Set([...rest.chosen, p]);
  const withoutIt = new Set(without.chosen);
  for (let q = 0; q < items.length; q += 1) {
    if (withIt.has(q) !== withoutIt.has(q)) return withIt.has(q) ? threshold : threshold + 1;
  }
  return threshold; // the same allocation: it cannot be, as one holds p and the other does not
}

/**
 * The best allocation of `items` (in their order) within `supply`, leaving out `skip`: the most
 * welfare, and of equal welfare the first in the order described above. Positions, ascending.
 */
function bestSet(items: readonly Contender[], supply: Quantities, skip = -1): { chosen: number[]; welfare: number } {
  const n = items.length;
  const amounts = items.map((c, p) => (p === skip ? 0 : c.bid.amount));
  // What is still to decide from position p on: no allocation below can gain more.
  const upTo = new Array<number>(n + 1).fill(0);
  for (let p = n - 1; p >= 0; p -= 1) upTo[p] = upTo[p + 1]! + amounts[p]!;
  let best: number[] = [];
  let bestWelfare = -1;
  const taken: number[] = [];
  const search = (p: number, left: Quantities, welfare: number): void => {
    if (welfare + upTo[p]! <= bestWelfare) return; // nothing below can do strictly better
    if (p === n) {
      [best, bestWelfare] = [[...taken], welfare];
      return;
    }
    const c = items[p]!;
    if (p !== skip && fits(c.need, left)) {
      taken.push(p);
      search(p + 1, minus(left, c.need), welfare + amounts[p]!);
      taken.pop();
    }
    search(p + 1, left, welfare);
  };
  search(0, supply, 0);
  return { chosen: best, welfare: bestWelfare };
}

/** a − b where b fits in a. */
function minus(a: Quantities, b: Quantities): Quantities {
  return { vcpu: a.vcpu - b.vcpu, memoryMiB: a.memoryMiB - b.memoryMiB, tokens: a.tokens - b.tokens, attention: a.attention - b.attention };
}
