/**
 * The exact welfare optimum of a small round, by exhaustive search (2^n: for n ≤ ~16 only): the
 * yardstick the clearing is measured against in tests and benchmarks, kept apart from the branch
 * and bound the clearing uses on small rounds (optimal-allocation.ts) so that each checks the other.
 */
import { bundleQuantities, fits, type Quantities } from './resources.js';
import type { PendingBid } from './clearing.js';

export function exactOptimum(bids: readonly PendingBid[], supply: Quantities): number {
  let best = 0;
  const needs = bids.map((b) => bundleQuantities(b.bundle));
  const search = (i: number, left: Quantities, value: number) => {
    if (i === bids.length) {
      best = Math.max(best, value);
      return;
    }
    const need = needs[i]!;
    if (fits(need, left)) {
      search(
        i + 1,
        { vcpu: left.vcpu - need.vcpu, memoryMiB: left.memoryMiB - need.memoryMiB, tokens: left.tokens - need.tokens, attention: left.attention - need.attention },
        value + bids[i]!.amount,
      );
    }
    search(i + 1, left, value);
  };
  search(0, supply, 0);
  return best;
}
