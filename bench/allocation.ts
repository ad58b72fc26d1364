/**
 * Allocation quality on random small rounds (≤ 12 bids, so the exact optimum can be found):
 * welfare (the sum of winners' bids) of our greedy-by-density clearing over the optimum, side by
 * side with the pay-as-bid, highest-amount-first rule simpler agent economies use; and what
 * winners pay under each.
 */
import { bundleReserve, clear, type PendingBid, type RoundInput } from '../economy/clearing.js';
import { exactOptimum } from '../economy/exact-optimum.js';
import { bundleQuantities, fits, FARGATE_SIZES, type Quantities } from '../economy/resources.js';
import { seededRandom } from './stats.js';

function smallRound(rnd: () => number): RoundInput {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const count = 4 + Math.floor(rnd() * 9);
  const bids: PendingBid[] = Array.from({ length: count }, (_, i) => {
    const size = pick(FARGATE_SIZES.slice(0, 3));
    return {
      bidId: `b${i}`,
      agentId: `a${i}`,
      bundle: { vcpu: size.vcpu, memoryMiB: pick(size.memoryMiB), tokens: Math.floor(rnd() * 3000), attention: rnd() < 0.3 ? 1 : 0, durationSeconds: pick([60, 120, 300]) },
      amount: 50_000 + Math.floor(rnd() * 2_000_000),
      placedAt: i,
    };
  });
  return {
    round: 1,
    roundSeconds: 60,
    bids,
    capacity: { vcpu: 2048, memoryMiB: 6144, tokens: 6000, attention: 2 },
    held: { vcpu: 0, memoryMiB: 0, tokens: 0, attention: 0 },
    reserve: { vcpu: 1_000_000, memoryMiB: 1_000_000, tokens: 1_000_000, attention: 1_000_000 },
    bounds: { min: 1_000_000, max: 1_000_000_000_000_000 },
  };
}

/** Highest amount first, all or nothing, each winner paying its bid. */
function payAsBid(input: RoundInput): { welfare: number; paid: number } {
  let left: Quantities = { ...input.capacity };
  let welfare = 0;
  for (const bid of [...input.bids].sort((a, b) => b.amount - a.amount || a.placedAt - b.placedAt)) {
    if (bid.amount < bundleReserve(bid.bundle, input.reserve)) continue;
    const need = bundleQuantities(bid.bundle);
    if (!fits(need, left)) continue;
    left = { vcpu: left.vcpu - need.vcpu, memoryMiB: left.memoryMiB - need.memoryMiB, tokens: left.tokens - need.tokens, attention: left.attention - need.attention };
    welfare += bid.amount;
  }
  return { welfare, paid: welfare };
}

export function benchAllocation(): Promise<void> {
  const rnd = seededRandom(2026);
  const ours: number[] = [];
  const simple: number[] = [];
  let oursPaid = 0;
  let simplePaid = 0;
  for (let i = 0; i < 2000; i += 1) {
    const input = smallRound(rnd);
    const eligible = input.bids.filter((b) => b.amount >= bundleReserve(b.bundle, input.reserve));
    const optimum = exactOptimum(eligible, input.capacity);
    if (optimum === 0) continue;
    const outcome = clear(input);
    ours.push(outcome.winners.reduce((s, w) => s + w.amount, 0) / optimum);
    oursPaid += outcome.volume;
    const other = payAsBid(input);
    simple.push(other.welfare / optimum);
    simplePaid += other.paid;
  }
  const summary = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    return `mean ${mean.toFixed(3)}  p5 ${sorted[Math.floor(xs.length * 0.05)]!.toFixed(3)}  worst ${sorted[0]!.toFixed(3)}  optimal in ${((xs.filter((x) => x === 1).length / xs.length) * 100).toFixed(0)}%`;
  };
  console.log(`welfare / exact optimum over ${ours.length} random rounds of 4–12 bids`);
  console.log(`  greedy by density, critical-value payments   ${summary(ours)}`);
  console.log(`  highest amount first, pay as bid             ${summary(simple)}`);
  console.log(`  winners paid (µcr, all rounds): critical values ${oursPaid}, pay-as-bid ${simplePaid}`);
  return Promise.resolve();
}
