/**
 * Allocation quality on families of small rounds (so that the exact optimum can be found by
 * exhaustive search): welfare (the sum of winners' bids) over the optimum, every bidder bidding
 * its value, for the clearing's rule (the exact optimum up to OPTIMAL_MAX_BIDS candidates, the
 * best of three greedy rankings above), the best of the rankings alone, greedy by density alone
 * (the rule before, and the one above BEST_OF_RANKINGS_MAX_BIDS) and the pay-as-bid,
 * highest-amount-first rule simpler agent economies use; and what winners pay under each.
 */
import { bestOfRankings, greedyByDensity, OPTIMAL_MAX_BIDS, type AllocationRule } from '../economy/allocation.js';
import { bundleReserve, clear, type PendingBid, type RoundInput } from '../economy/clearing.js';
import { exactOptimum } from '../economy/exact-optimum.js';
import { bundleQuantities, fits, FARGATE_SIZES, type Bundle, type Quantities } from '../economy/resources.js';
import { seededRandom } from './stats.js';

type Rnd = () => number;
const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const between = (rnd: Rnd, min: number, max: number): number => min + Math.floor(rnd() * (max - min + 1));
const smallSize = (rnd: Rnd): Pick<Bundle, 'vcpu' | 'memoryMiB'> => {
  const size = pick(rnd, FARGATE_SIZES.slice(0, 3));
  return { vcpu: size.vcpu, memoryMiB: pick(rnd, size.memoryMiB) };
};
const RESERVE = { vcpu: 1_000_000, memoryMiB: 1_000_000, tokens: 1_000_000, attention: 1_000_000 };
const BOUNDS = { min: 1_000_000, max: 1_000_000_000_000_000 };

function round(bids: Omit<PendingBid, 'bidId' | 'agentId'>[], capacity: Quantities, held: Quantities = { vcpu: 0, memoryMiB: 0, tokens: 0, attention: 0 }): RoundInput {
  return {
    round: 1,
    roundSeconds: 60,
    bids: bids.map((b, i) => ({ ...b, bidId: `b${String(i).padStart(2, '0')}`, agentId: `a${i}` })),
    capacity,
    held,
    reserve: RESERVE,
    bounds: BOUNDS,
  };
}

// 0.25–1 vCPU, random tokens, 30% with a prompt, for 2 vCPU, 6 GiB, 6,000 tokens, 2 prompts.
const uniform = (min: number, max: number) => (rnd: Rnd) =>
  round(
    Array.from({ length: between(rnd, min, max) }, (_, i) => ({
      bundle: { ...smallSize(rnd), tokens: Math.floor(rnd() * 3000), attention: rnd() < 0.3 ? 1 : 0, durationSeconds: pick(rnd, [60, 120, 300]) },
      amount: 50_000 + Math.floor(rnd() * 2_000_000),
      placedAt: i,
    })),
    { vcpu: 2048, memoryMiB: 6144, tokens: 6000, attention: 2 },
  );

/** The families of rounds (4–12 bids but the last): each a generator of one round, and how many rounds. */
const FAMILIES: Record<string, [(rnd: Rnd) => RoundInput, number]> = {
  uniform: [uniform(4, 12), 1000],
  // One bid for the whole 2 vCPU, 8 GiB against 4–11 quarter-vCPU bids, each denser than it.
  'one large, many small': [(rnd) => {
    const large = between(rnd, 1_500_000, 4_000_000);
    const smalls = Array.from({ length: between(rnd, 4, 11) }, (_, i) => ({
      bundle: { vcpu: 0.25, memoryMiB: pick(rnd, [512, 1024]), tokens: between(rnd, 0, 300), attention: 0, durationSeconds: 60 },
      // A quarter-vCPU bundle is about an eighth of the large one: denser when above large / 8.
      amount: Math.floor((large / 8) * (1 + rnd())),
      placedAt: i + 1,
    }));
    const big = { bundle: { vcpu: 2, memoryMiB: 8192, tokens: 0, attention: 0, durationSeconds: 60 }, amount: large, placedAt: between(rnd, 0, 12) };
    return round([big, ...smalls], { vcpu: 2048, memoryMiB: 8192, tokens: 3000, attention: 1 });
  }, 1000],
  // Tokens are the scarce resource: 500–6,000 per bid against 8,000 a round; little else is.
  'token-heavy': [(rnd) =>
    round(
      Array.from({ length: between(rnd, 4, 12) }, (_, i) => ({
        bundle: { vcpu: 0.25, memoryMiB: 512, tokens: between(rnd, 500, 6000), attention: 0, durationSeconds: 60 },
        amount: 50_000 + Math.floor(rnd() * 2_000_000),
        placedAt: i,
      })),
      { vcpu: 8192, memoryMiB: 32768, tokens: 8000, attention: 2 },
    ), 1000],
  // 3 of 4 vCPU and 10 of 12 GiB held by running leases: little is offered, sizes count capacity.
  'much capacity held': [(rnd) =>
    round(
      Array.from({ length: between(rnd, 4, 12) }, (_, i) => ({
        bundle: { ...smallSize(rnd), tokens: Math.floor(rnd() * 3000), attention: rnd() < 0.2 ? 1 : 0, durationSeconds: pick(rnd, [60, 120, 300]) },
        amount: 50_000 + Math.floor(rnd() * 2_000_000),
        placedAt: i,
      })),
      { vcpu: 4096, memoryMiB: 12288, tokens: 6000, attention: 2 },
      { vcpu: 3072, memoryMiB: 10240, tokens: 0, attention: 0 },
    ), 1000],
  // Two bundles, three amounts, three times: equal scores everywhere, decided by the tie-break.
  'many ties': [(rnd) => {
    const bundles: Bundle[] = [
      { vcpu: 0.5, memoryMiB: 1024, tokens: 1000, attention: 0, durationSeconds: 60 },
      { vcpu: 1, memoryMiB: 2048, tokens: 2000, attention: 0, durationSeconds: 60 },
    ];
    return round(
      Array.from({ length: between(rnd, 4, 12) }, () => ({ bundle: pick(rnd, bundles), amount: pick(rnd, [400_000, 800_000, 1_600_000]), placedAt: between(rnd, 0, 2) })),
      { vcpu: 2048, memoryMiB: 4096, tokens: 5000, attention: 0 },
    );
  }, 1000],
  // Above OPTIMAL_MAX_BIDS, where the clearing takes the best of the rankings (fewer rounds: the
  // exhaustive search doubles with each bid).
  [`uniform, ${OPTIMAL_MAX_BIDS + 1}–16 bids`]: [uniform(OPTIMAL_MAX_BIDS + 1, 16), 300],
};

const supplyOf = (input: RoundInput): Quantities => ({
  vcpu: Math.max(0, input.capacity.vcpu - input.held.vcpu),
  memoryMiB: Math.max(0, input.capacity.memoryMiB - input.held.memoryMiB),
  tokens: input.capacity.tokens,
  attention: input.capacity.attention,
});

/** Highest amount first, all or nothing, each winner paying its bid. */
function payAsBid(input: RoundInput): { welfare: number; paid: number } {
  let left = supplyOf(input);
  let welfare = 0;
  for (const bid of [...input.bids].sort((a, b) => b.amount - a.amount || a.placedAt - b.placedAt || (a.bidId < b.bidId ? -1 : 1))) {
    if (bid.amount < bundleReserve(bid.bundle, input.reserve)) continue;
    const need = bundleQuantities(bid.bundle);
    if (!fits(need, left)) continue;
    left = { vcpu: left.vcpu - need.vcpu, memoryMiB: left.memoryMiB - need.memoryMiB, tokens: left.tokens - need.tokens, attention: left.attention - need.attention };
    welfare += bid.amount;
  }
  return { welfare, paid: welfare };
}

const withRule = (rule?: AllocationRule) => (input: RoundInput) => {
  const outcome = rule ? clear(input, rule) : clear(input);
  return { welfare: outcome.winners.reduce((s, w) => s + w.amount, 0), paid: outcome.volume };
};

const RULES: [string, (input: RoundInput) => { welfare: number; paid: number }][] = [
  [`ours (optimum ≤ ${OPTIMAL_MAX_BIDS}, else best of 3)`, withRule()],
  ['best of 3 rankings', withRule(bestOfRankings)],
  ['greedy by density (before)', withRule(greedyByDensity)],
  ['highest amount first, pay as bid', payAsBid],
];

export function benchAllocation(): Promise<void> {
  console.log('welfare / exact optimum, every bidder bidding its value');
  const all = RULES.map(() => [] as number[]);
  for (const [family, [make, roundsPerFamily]] of Object.entries(FAMILIES)) {
    const rnd = seededRandom(2026);
    const ratios = RULES.map(() => [] as number[]);
    const paid = RULES.map(() => 0);
    let belowHighestFirst = 0;
    for (let i = 0; i < roundsPerFamily; i += 1) {
      const input = make(rnd);
      const eligible = input.bids.filter((b) => b.amount >= bundleReserve(b.bundle, input.reserve));
      const optimum = exactOptimum(eligible, supplyOf(input));
      if (optimum === 0) continue;
      const welfare = RULES.map(([, run], k) => {
        const result = run(input);
        ratios[k]!.push(result.welfare / optimum);
        paid[k]! += result.paid;
        return result.welfare;
      });
      if (Math.min(welfare[0]!, welfare[1]!) < welfare[3]!) belowHighestFirst += 1;
    }
    console.log(`\n${family} (${ratios[0]!.length} rounds)`);
    RULES.forEach(([name], k) => {
      all[k]!.push(...ratios[k]!);
      console.log(`  ${name.padEnd(35)} ${summary(ratios[k]!)}  paid ${(paid[k]! / 1e9).toFixed(2)} bn µcr`);
    });
    console.log(`  rounds where ours or the best of 3 is below highest amount first: ${belowHighestFirst}`);
  }
  console.log(`\nall families (${all[0]!.length} rounds)`);
  RULES.forEach(([name], k) => console.log(`  ${name.padEnd(35)} ${summary(all[k]!)}`));
  return Promise.resolve();
}

function summary(xs: readonly number[]): string {
  const sorted = [...xs].sort((a, b) => a - b);
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  return (
    `mean ${mean.toFixed(3)}  p5 ${sorted[Math.floor(xs.length * 0.05)]!.toFixed(3)}  worst ${sorted[0]!.toFixed(3)}  ` +
    `optimal in ${((xs.filter((x) => x === 1).length / xs.length) * 100).toFixed(0).padStart(3)}%`
  );
}
