/**
 * The published market price of each resource: what a round's winners paid for it per unit
 * (vCPU-second, MiB-second, token, prompt), in pico-credits. No I/O.
 *
 * A winner pays one amount for a whole bundle, so the payment has to be split over the bundle's
 * resources before it can be a price per unit of any of them. The split is by each resource's share
 * of the bundle's **reserve value** at the round's reserve prices (price × quantity, × duration for
 * vCPU and memory): the reserve prices are the market's own statement of what a unit of each
 * resource is worth relative to the others, so a payment is attributed in the same proportions.
 * It follows that every resource of one bundle is priced at the same multiple of its reserve, the
 * multiple being payment ÷ reserve value: a bundle won without competition (it pays its reserve)
 * publishes each resource at its reserve, and a bundle that paid twice its reserve publishes each at
 * twice its reserve. (Splitting by the share of supply instead, as before, attributed half of a
 * small bundle's payment to vCPU whose reserve value was a twentieth of it: vCPU showed hundreds of
 * times its reserve with no competitor at all.)
 */
import type { Prices } from './clearing.js';
import type { Micros } from './money.js';
import { bundleQuantities, CPU_UNITS_PER_VCPU, RESOURCES, type Bundle, type Resource } from './resources.js';

const PICO_PER_MICRO = 1_000_000n;
const CPU = BigInt(CPU_UNITS_PER_VCPU);

const timed = (r: Resource) => r === 'vcpu' || r === 'memoryMiB';

/**
 * Each resource's part of the bundle's reserve value at `prices`, in pico-credits × 1024 (vCPU is
 * counted in CPU units, 1024 to the vCPU, so the others are scaled by 1024 to share its unit).
 * Their sum is the bundle's reserve before rounding up to µcr (see bundleReserve).
 */
export function reserveParts(bundle: Bundle, prices: Prices): Record<Resource, bigint> {
  const q = bundleQuantities(bundle);
  const d = BigInt(bundle.durationSeconds);
  const parts = {} as Record<Resource, bigint>;
  for (const r of RESOURCES) {
    const amount = BigInt(prices[r]) * BigInt(q[r]) * (timed(r) ? d : 1n);
    parts[r] = r === 'vcpu' ? amount : amount * CPU;
  }
  return parts;
}

/**
 * Per resource, Σ (each winner's payment × its resource's share of the bundle's reserve value) ÷
 * Σ units traded, rounded to the nearest pico-credit; null for a resource nobody bought. A bundle
 * whose reserve value is zero (all its prices zero) is split by quantity share instead, so its
 * payment is still accounted for somewhere.
 */
export function marketPrices(trades: readonly { bundle: Bundle; payment: Micros }[], reserve: Prices): Record<Resource, number | null> {
  const paid = Object.fromEntries(RESOURCES.map((r) => [r, 0n])) as Record<Resource, bigint>;
  const units = Object.fromEntries(RESOURCES.map((r) => [r, 0n])) as Record<Resource, bigint>;
  for (const { bundle, payment } of trades) {
    const q = bundleQuantities(bundle);
    const d = BigInt(bundle.durationSeconds);
    const traded = Object.fromEntries(RESOURCES.map((r) => [r, BigInt(q[r]) * (timed(r) ? d : 1n)])) as Record<Resource, bigint>;
    let parts = reserveParts(bundle, reserve);
    let whole = RESOURCES.reduce((sum, r) => sum + parts[r], 0n);
    if (whole === 0n) {
      parts = traded;
      whole = RESOURCES.reduce((sum, r) => sum + parts[r], 0n);
    }
    if (whole === 0n) continue;
    for (const r of RESOURCES) {
      if (traded[r] === 0n) continue;
      paid[r] += roundDiv(BigInt(payment) * PICO_PER_MICRO * parts[r], whole);
      units[r] += traded[r];
    }
  }
  return Object.fromEntries(
    RESOURCES.map((r) => {
      if (units[r] === 0n) return [r, null];
      // vCPU is traded in CPU-unit-seconds and priced per vCPU-second.
      return [r, Number(r === 'vcpu' ? roundDiv(paid[r] * CPU, units[r]) : roundDiv(paid[r], units[r]))];
    }),
  ) as Record<Resource, number | null>;
}

const roundDiv = (a: bigint, b: bigint): bigint => (2n * a + b) / (2n * b);
