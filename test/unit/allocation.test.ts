/**
 * The allocation rules, through clear(): for each rule the clearing uses (the exact optimum on
 * small rounds, the best of three greedy rankings, greedy by density) and each ranking alone, on random rounds (fixed seeds) with renewals, held
 * capacity, large and small bundles and many ties: winners fit the supply; each pays between its
 * reserve and its bid; the payment is its critical value to the µcr; winning is monotone in the
 * amount and no deviation from the true value gains, tried at many amounts, among them just
 * above and below where the bidder would pass each other bid in each ranking.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BEST_OF_RANKINGS_MAX_BIDS,
  bestOfRankings,
  greedyBy,
  greedyByDensity,
  OPTIMAL_MAX_BIDS,
  RANKINGS,
  type AllocationRule,
} from '../../economy/allocation.js';
import { bundleReserve, clear, type PendingBid, type Prices, type RoundInput } from '../../economy/clearing.js';
import { exactOptimum } from '../../economy/exact-optimum.js';
import { optimalAllocation } from '../../economy/optimal-allocation.js';
import { amount, density, rootDensity, type Ranked } from '../../economy/rankings.js';
import { bigAgainstTwoSmall, EXAMPLE_RESERVE, SMALL } from '../support/worked-round.js';
import { addQuantities, bundleQuantities, fits, zeroQuantities, type Bundle, type Quantities } from '../../economy/resources.js';

const BOUNDS = { min: 1, max: 1_000_000_000_000_000 };

const SIZES = [
  { vcpu: 0.25, memoryMiB: 512 },
  { vcpu: 0.25, memoryMiB: 1024 },
  { vcpu: 0.5, memoryMiB: 1024 },
  { vcpu: 0.5, memoryMiB: 2048 },
  { vcpu: 1, memoryMiB: 2048 },
  { vcpu: 1, memoryMiB: 4096 },
  { vcpu: 2, memoryMiB: 4096 },
  { vcpu: 2, memoryMiB: 8192 },
];

const bundleArb: fc.Arbitrary<Bundle> = fc
  .record({
    size: fc.constantFrom(...SIZES),
    tokens: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 4_000 })),
    attention: fc.integer({ min: 0, max: 1 }),
    durationSeconds: fc.constantFrom(60, 120, 300),
  })
  .map(({ size, ...rest }) => ({ ...size, ...rest }));

// Low reserves, so that most bids take part and contests are decided by the bids themselves.
const pricesArb: fc.Arbitrary<Prices> = fc.record({
  vcpu: fc.integer({ min: 1, max: 2_000_000 }),
  memoryMiB: fc.integer({ min: 1, max: 100_000 }),
  tokens: fc.integer({ min: 1, max: 1_000_000 }),
  attention: fc.integer({ min: 1, max: 100_000_000 }),
});

const AGENTS = ['a', 'b', 'c', 'd', 'e', 'f'];

function roundArb(maxBids: number): fc.Arbitrary<RoundInput> {
  return fc
    .record({
      capacity: fc.record({
        vcpu: fc.constantFrom(2048, 4096),
        memoryMiB: fc.constantFrom(4096, 8192, 12288),
        tokens: fc.integer({ min: 0, max: 8_000 }),
        attention: fc.integer({ min: 0, max: 2 }),
      }),
      heldVcpu: fc.constantFrom(0, 512, 1024),
      heldMemory: fc.constantFrom(0, 1024, 4096),
      reserve: pricesArb,
      // Some agents already hold a lease: their bids need only what they add to it.
      holds: fc.dictionary(fc.constantFrom(...AGENTS), fc.constantFrom(...SIZES), { maxKeys: 3 }),
      bids: fc.array(
        fc.record({
          bundle: bundleArb,
          // A few round amounts make exact ties common, in every ranking.
          amount: fc.oneof(fc.integer({ min: 1, max: 4_000_000 }), fc.constantFrom(500_000, 1_000_000, 2_000_000)),
          placedAt: fc.integer({ min: 0, max: 3 }),
          agentId: fc.constantFrom(...AGENTS),
        }),
        { minLength: 1, maxLength: maxBids },
      ),
    })
    .map(({ capacity, heldVcpu, heldMemory, reserve, holds, bids }) => ({
      round: 3,
      roundSeconds: 60,
      capacity,
      held: { vcpu: heldVcpu, memoryMiB: heldMemory, tokens: 0, attention: 0 },
      agentHolds: new Map(Object.entries(holds).map(([agent, s]) => [agent, { vcpu: s.vcpu * 1024, memoryMiB: s.memoryMiB, tokens: 0, attention: 0 }])),
      reserve,
      bounds: BOUNDS,
      bids: bids.map((b, i) => ({ ...b, bidId: `bid${String(i).padStart(2, '0')}` })),
    }));
}

const RULES: [string, AllocationRule][] = [
  ['the exact optimum', optimalAllocation],
  ['the best of the rankings', bestOfRankings],
  ['greedy by amount / size', greedyByDensity],
  ['greedy by amount / √size', greedyBy(rootDensity)],
  ['greedy by amount', greedyBy(amount)],
];

const clearBy = (rule: AllocationRule | undefined, input: RoundInput) => (rule ? clear(input, rule) : clear(input));

const supplyOf = (input: RoundInput): Quantities => ({
  vcpu: Math.max(0, input.capacity.vcpu - input.held.vcpu),
  memoryMiB: Math.max(0, input.capacity.memoryMiB - input.held.memoryMiB),
  tokens: input.capacity.tokens,
  attention: input.capacity.attention,
});

function needOf(input: RoundInput, bid: PendingBid): Quantities {
  const q = bundleQuantities(bid.bundle);
  const holds = input.agentHolds?.get(bid.agentId);
  return holds ? { ...q, vcpu: Math.max(0, q.vcpu - holds.vcpu), memoryMiB: Math.max(0, q.memoryMiB - holds.memoryMiB) } : q;
}

const withAmount = (input: RoundInput, bidId: string, amount: number): RoundInput => ({
  ...input,
  bids: input.bids.map((b) => (b.bidId === bidId ? { ...b, amount } : b)),
});

/** A bundle's size as a share of capacity (vCPU and memory per round of the lease), as a float. */
function floatSize(input: RoundInput, bundle: Bundle): number {
  const q = bundleQuantities(bundle);
  const rounds = bundle.durationSeconds / input.roundSeconds;
  const share = (r: keyof Quantities, timed: boolean) => (input.capacity[r] > 0 ? (q[r] / input.capacity[r]) * (timed ? rounds : 1) : 0);
  return share('vcpu', true) + share('memoryMiB', true) + share('tokens', false) + share('attention', false);
}

/**
 * Amounts worth trying for `me`: around its value, its reserve and its payment; around where it
 * would pass each other bid in each ranking (amount, amount × size ratio, amount × √size ratio);
 * and a few random ones.
 */
function deviations(input: RoundInput, me: PendingBid, payment: number | undefined, random: readonly number[]): number[] {
  const reserve = bundleReserve(me.bundle, input.reserve);
  const points = [1, me.amount, 2 * me.amount, reserve, ...random];
  if (payment !== undefined) points.push(payment);
  const mySize = floatSize(input, me.bundle);
  for (const other of input.bids) {
    if (other.bidId === me.bidId) continue;
    const ratio = mySize / floatSize(input, other.bundle);
    points.push(other.amount, Math.floor(other.amount * ratio), Math.floor(other.amount * Math.sqrt(ratio)));
  }
  const near = points.filter(Number.isFinite).flatMap((p) => [p - 2, p - 1, p, p + 1, p + 2]);
  return [...new Set(near.filter((x) => x >= 1 && Number.isSafeInteger(x)))].sort((a, b) => a - b);
}

describe.each(RULES)('%s', (_name, rule) => {
  it('allocates whole bundles within the supply, and accounts for every bid once', () => {
    fc.assert(
      fc.property(roundArb(14), (input) => {
        const outcome = clearBy(rule, input);
        const byId = new Map(input.bids.map((b) => [b.bidId, b]));
        const taken = outcome.winners.reduce((sum, w) => addQuantities(sum, needOf(input, byId.get(w.bidId)!)), zeroQuantities());
        expect(fits(taken, supplyOf(input))).toBe(true);
        const seen = [...outcome.winners.map((w) => w.bidId), ...outcome.losers, ...outcome.belowReserve].sort();
        expect(seen).toEqual(input.bids.map((b) => b.bidId).sort());
      }),
      { numRuns: 300, seed: 19 },
    );
  });

  it('charges each winner its critical value: in [reserve, amount]; the payment wins, one µcr less loses', () => {
    let aboveReserve = 0;
    fc.assert(
      fc.property(roundArb(10), (input) => {
        for (const w of clearBy(rule, input).winners) {
          const bid = input.bids.find((b) => b.bidId === w.bidId)!;
          const reserve = bundleReserve(bid.bundle, input.reserve);
          expect(w.payment).toBeGreaterThanOrEqual(reserve);
          expect(w.payment).toBeLessThanOrEqual(bid.amount);
          expect(Number.isSafeInteger(w.payment)).toBe(true);
          if (w.payment > reserve) aboveReserve += 1;
          const atPayment = clearBy(rule, withAmount(input, w.bidId, w.payment)).winners.find((x) => x.bidId === w.bidId);
          expect(atPayment?.payment).toBe(w.payment);
          if (w.payment > 1) {
            const below = clearBy(rule, withAmount(input, w.bidId, w.payment - 1));
            expect(below.winners.some((x) => x.bidId === w.bidId)).toBe(false);
            // At the reserve, one µcr less does not even take part.
            if (w.payment === reserve) expect(below.belowReserve).toContain(w.bidId);
          }
        }
      }),
      { numRuns: 200, seed: 20 },
    );
    // Contested rounds, or the property would hold vacuously.
    expect(aboveReserve).toBeGreaterThan(100);
  });

  it('is monotone and truthful: no deviation from the true value gains, at many amounts', () => {
    let deviationsTried = 0;
    fc.assert(
      fc.property(roundArb(8), fc.array(fc.integer({ min: 1, max: 5_000_000 }), { minLength: 3, maxLength: 3 }), (input, random) => {
        const truthful = clearBy(rule, input);
        for (const me of input.bids) {
          const value = me.amount;
          const win = truthful.winners.find((w) => w.bidId === me.bidId);
          const truthfulUtility = win ? value - win.payment : 0;
          let wonBelow = false;
          for (const lie of deviations(input, me, win?.payment, random)) {
            const outcome = clearBy(rule, withAmount(input, me.bidId, lie));
            const w = outcome.winners.find((x) => x.bidId === me.bidId);
            // Monotone: once it wins at some amount, it wins at every higher one, and pays the same.
            if (wonBelow) expect(w).toBeDefined();
            if (w && win) expect(w.payment).toBe(win.payment);
            wonBelow ||= w !== undefined;
            expect(w ? value - w.payment : 0).toBeLessThanOrEqual(truthfulUtility);
            deviationsTried += 1;
          }
        }
      }),
      { numRuns: 100, seed: 21 },
    );
    expect(deviationsTried).toBeGreaterThan(8_000);
  }, 60_000);
});

describe('the best of the rankings and the optimum', () => {
  it('the best of the rankings has at least the welfare of each ranking alone; the optimum has the optimum', () => {
    let better = 0;
    fc.assert(
      fc.property(roundArb(12), (input) => {
        // No renewals here, so that the optimum (over whole bundles) is comparable.
        const plain = { ...input, agentHolds: undefined };
        const welfare = (rule: AllocationRule) => clearBy(rule, plain).winners.reduce((s, w) => s + w.amount, 0);
        const ours = welfare(bestOfRankings);
        const alone = RANKINGS.map((r) => welfare(greedyBy(r)));
        for (const w of alone) expect(ours).toBeGreaterThanOrEqual(w);
        if (ours > Math.min(...alone)) better += 1;
        const eligible = plain.bids.filter((b) => b.amount >= bundleReserve(b.bundle, plain.reserve));
        // The branch and bound against the exhaustive search of the benchmarks.
        const optimum = exactOptimum(eligible, supplyOf(plain));
        expect(welfare(optimalAllocation)).toBe(optimum);
        expect(ours).toBeLessThanOrEqual(optimum);
      }),
      { numRuns: 300, seed: 22 },
    );
    expect(better).toBeGreaterThan(10);
  });

  it(`clears up to ${OPTIMAL_MAX_BIDS} candidates by the optimum, up to ${BEST_OF_RANKINGS_MAX_BIDS} by the best ranking, more by density alone`, () => {
    // Candidates that can never fit: they need a prompt and none is offered.
    const filler = (i: number): PendingBid => ({
      bidId: `f${String(i).padStart(4, '0')}`,
      agentId: `f${i}`,
      bundle: { vcpu: 0.25, memoryMiB: 512, tokens: 0, attention: 1, durationSeconds: 60 },
      amount: 10_000_000,
      placedAt: 5,
    });
    const input = (candidates: number): RoundInput => bigAgainstTwoSmall(BOUNDS, Array.from({ length: candidates - 3 }, (_, i) => filler(i)));
    const payments = (candidates: number) => clear(input(candidates)).winners.map((w) => [w.bidId, w.payment]);
    // The optimum: each small one pays what it costs the big one, plus one µcr, as the big one,
    // placed first, comes first among allocations of equal welfare.
    expect(payments(OPTIMAL_MAX_BIDS)).toEqual([
      ['s1', 550_001],
      ['s2', 400_001],
    ]);
    expect(clear(input(OPTIMAL_MAX_BIDS))).toEqual(clear(input(OPTIMAL_MAX_BIDS), optimalAllocation));
    // The same winners; by the best of the rankings each small one pays what it costs the big one.
    expect(payments(OPTIMAL_MAX_BIDS + 1)).toEqual([
      ['s1', 550_000],
      ['s2', 400_000],
    ]);
    expect(payments(BEST_OF_RANKINGS_MAX_BIDS)).toEqual([
      ['s1', 550_000],
      ['s2', 400_000],
    ]);
    expect(clear(input(BEST_OF_RANKINGS_MAX_BIDS))).toEqual(clear(input(BEST_OF_RANKINGS_MAX_BIDS), bestOfRankings));
    expect(payments(BEST_OF_RANKINGS_MAX_BIDS + 1)).toEqual([
      ['s1', 500_001],
      ['s2', bundleReserve(SMALL, EXAMPLE_RESERVE)],
    ]);
    expect(clear(input(BEST_OF_RANKINGS_MAX_BIDS + 1))).toEqual(clear(input(BEST_OF_RANKINGS_MAX_BIDS + 1), greedyByDensity));
  });

  it('picks the most welfare where one large bid faces small dense ones, and where it does not', () => {
    const reserve = { vcpu: 1, memoryMiB: 1, tokens: 1, attention: 1 };
    const quarter: Bundle = { vcpu: 0.25, memoryMiB: 512, tokens: 0, attention: 0, durationSeconds: 60 };
    const whole: Bundle = { vcpu: 2, memoryMiB: 4096, tokens: 0, attention: 0, durationSeconds: 60 };
    const round = (largeAmount: number): RoundInput => ({
      round: 1,
      roundSeconds: 60,
      capacity: { vcpu: 2048, memoryMiB: 4096, tokens: 0, attention: 0 },
      held: zeroQuantities(),
      reserve,
      bounds: BOUNDS,
      bids: [
        { bidId: 'large', agentId: 'l', bundle: whole, amount: largeAmount, placedAt: 0 },
        // Four quarters fill half the supply, together worth 1,200,006; each is denser than the
        // large bid below 2,400,024 (a quarter is an eighth of its size).
        ...Array.from({ length: 4 }, (_, i) => ({ bidId: `q${i}`, agentId: `q${i}`, bundle: quarter, amount: 300_000 + i, placedAt: 1 })),
      ],
    });
    expect(clear(round(1_000_000), bestOfRankings).winners.map((w) => w.bidId)).toEqual(['q3', 'q2', 'q1', 'q0']);
    // 2,000,000: the large bid, which greedy by density refuses.
    expect(clear(round(2_000_000), bestOfRankings).winners.map((w) => w.bidId)).toEqual(['large']);
    expect(clear(round(2_000_000), greedyByDensity).winners).toHaveLength(4);
    // It pays one more than the quarters would have made: density is tried first and keeps a tie.
    expect(clear(round(2_000_000), bestOfRankings).winners[0]!.payment).toBe(1_200_007);
    // The optimum agrees, and there the large bid, placed first, wins the tie: it pays 1,200,006.
    expect(clear(round(2_000_000)).winners.map((w) => [w.bidId, w.payment])).toEqual([['large', 1_200_006]]);
    expect(clear(round(1_000_000)).winners.map((w) => w.bidId).sort()).toEqual(['q0', 'q1', 'q2', 'q3']);
  });
});

describe('rankings', () => {
  const rankedArb = fc.record({
    amount: fc.integer({ min: 0, max: 2 ** 40 }),
    size: fc.bigInt({ min: 1n, max: 2n ** 80n }),
    placedAt: fc.integer({ min: 0, max: 1 }),
  });
  const ranked = (x: { amount: number; size: bigint; placedAt: number }, id: string): Ranked => ({
    bid: { bidId: id, agentId: id, amount: x.amount, placedAt: x.placedAt, bundle: { vcpu: 1, memoryMiB: 2048, tokens: 0, attention: 0, durationSeconds: 1 } },
    size: x.size,
  });
  it.each([density, rootDensity, amount].map((r) => [r.name, r] as const))('%s: leastToPass is the exact least amount', (_name, ranking) => {
    fc.assert(
      fc.property(rankedArb, rankedArb, fc.boolean(), (a, b, orEqual) => {
        const me = ranked(a, 'me');
        const other = ranked(b, 'other');
        const v = ranking.leastToPass(me, other, orEqual);
        // Beyond 2⁵³ an amount is not a whole number of µcr (and no bid ever is).
        fc.pre(Number.isSafeInteger(v));
        const passes = (amount: number) => {
          const c = ranking.compareScores(ranked({ ...a, amount }, 'me'), other);
          return orEqual ? c <= 0 : c < 0;
        };
        expect(passes(v)).toBe(true);
        if (v > 0) expect(passes(v - 1)).toBe(false);
      }),
      { numRuns: 2000, seed: 23 },
    );
  });
});
