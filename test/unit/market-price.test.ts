/**
 * The published market price: payments split over a bundle's resources by their shares of its
 * reserve value (economy/market-price.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bundleReserve, clear, type Prices } from '../../economy/clearing.js';
import { loadConfig } from '../../economy/config.js';
import { marketPrices, reserveParts } from '../../economy/market-price.js';
import { bundleQuantities, CPU_UNITS_PER_VCPU, RESOURCES, zeroQuantities, type Bundle, type Resource } from '../../economy/resources.js';

const bundleArb: fc.Arbitrary<Bundle> = fc
  .record({
    size: fc.constantFrom({ vcpu: 0.25, memoryMiB: 512 }, { vcpu: 0.5, memoryMiB: 4096 }, { vcpu: 1, memoryMiB: 2048 }, { vcpu: 4, memoryMiB: 30720 }),
    tokens: fc.integer({ min: 0, max: 5_000 }),
    attention: fc.integer({ min: 0, max: 3 }),
    durationSeconds: fc.integer({ min: 1, max: 3600 }),
  })
  .map(({ size, ...rest }) => ({ ...size, ...rest }));

const pricesArb: fc.Arbitrary<Prices> = fc.record({
  vcpu: fc.integer({ min: 1_000_000, max: 1_000_000_000 }),
  memoryMiB: fc.integer({ min: 1_000_000, max: 100_000_000 }),
  tokens: fc.integer({ min: 1_000_000, max: 100_000_000 }),
  attention: fc.integer({ min: 1_000_000, max: 1_000_000_000_000 }),
});

/** Units traded of each resource: vCPU-seconds, MiB-seconds, tokens, prompts. */
function unitsOf(bundle: Bundle): Record<Resource, number> {
  const q = bundleQuantities(bundle);
  return {
    vcpu: (q.vcpu / CPU_UNITS_PER_VCPU) * bundle.durationSeconds,
    memoryMiB: q.memoryMiB * bundle.durationSeconds,
    tokens: q.tokens,
    attention: q.attention,
  };
}

describe('the market price', () => {
  it("splits each bundle's reserve value by resource, summing to its reserve", () => {
    fc.assert(
      fc.property(bundleArb, pricesArb, (bundle, prices) => {
        const parts = reserveParts(bundle, prices);
        const whole = RESOURCES.reduce((sum, r) => sum + parts[r], 0n);
        // The reserve is that sum in µcr, rounded up (pico-credits × 1024 per µcr: 1024 × 10⁶).
        expect(BigInt(bundleReserve(bundle, prices))).toBe((whole + 1_024_000_000n - 1n) / 1_024_000_000n);
        for (const r of RESOURCES) expect(parts[r] === 0n).toBe(bundleQuantities(bundle)[r] === 0);
      }),
    );
  });

  it('publishes every resource of a bundle at the same multiple of its reserve: the payment over the reserve value', () => {
    fc.assert(
      fc.property(bundleArb, pricesArb, fc.integer({ min: 1, max: 50 }), (bundle, prices, multiple) => {
        const payment = bundleReserve(bundle, prices) * multiple;
        const published = marketPrices([{ bundle, payment }], prices);
        const parts = reserveParts(bundle, prices);
        const whole = Number(RESOURCES.reduce((sum, r) => sum + parts[r], 0n));
        const factor = (payment * 1_024_000_000) / whole; // ≥ multiple: the reserve was rounded up to µcr
        expect(factor).toBeGreaterThanOrEqual(multiple);
        const units = unitsOf(bundle);
        for (const r of RESOURCES) {
          if (units[r] === 0) expect(published[r]).toBeNull();
          else expect(Math.abs(published[r]! - prices[r] * factor)).toBeLessThanOrEqual(1 + prices[r] * factor * 1e-9);
        }
      }),
    );
  });

  it('accounts for every payment: Σ price × units traded is what the winners paid', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ bundle: bundleArb, over: fc.integer({ min: 0, max: 10_000_000 }) }), { minLength: 1, maxLength: 8 }),
        pricesArb,
        (raw, prices) => {
          const trades = raw.map(({ bundle, over }) => ({ bundle, payment: bundleReserve(bundle, prices) + over }));
          const published = marketPrices(trades, prices);
          let valuePico = 0;
          for (const r of RESOURCES) {
            const units = trades.reduce((sum, t) => sum + unitsOf(t.bundle)[r], 0);
            if (units > 0) valuePico += published[r]! * units;
          }
          const paidPico = trades.reduce((sum, t) => sum + t.payment, 0) * 1_000_000;
          // Each price is rounded to the pico-credit: at most half a pico-credit per unit traded off.
          const units = trades.reduce((sum, t) => sum + RESOURCES.reduce((s, r) => s + unitsOf(t.bundle)[r], 0), 0);
          expect(Math.abs(valuePico - paidPico)).toBeLessThanOrEqual(units + trades.length * 4 + paidPico * 1e-12);
        },
      ),
    );
  });

  it('shows the defaults\' reserve for a lone quarter vCPU, not hundreds of times it (the live-run bug)', () => {
    const config = loadConfig({});
    const bundle: Bundle = { vcpu: 0.25, memoryMiB: 512, tokens: 0, attention: 0, durationSeconds: 60 };
    const outcome = clear({
      round: 1,
      roundSeconds: 60,
      capacity: config.capacity,
      held: zeroQuantities(),
      reserve: config.initialReserve,
      bounds: config.reserveBounds,
      bids: [{ bidId: 'alone', agentId: 'a', bundle, amount: 5_000_000, placedAt: 0 }],
    });
    expect(outcome.winners[0]!.payment).toBe(bundleReserve(bundle, config.initialReserve));
    expect(outcome.resources.vcpu.marketPrice).toBe(config.initialReserve.vcpu);
    expect(outcome.resources.memoryMiB.marketPrice).toBe(config.initialReserve.memoryMiB);
    expect(outcome.resources.tokens.marketPrice).toBeNull();
    expect(outcome.resources.attention.marketPrice).toBeNull();
  });

  it('splits a bundle whose reserve value is zero by quantity, and publishes nothing for no trade', () => {
    const bundle: Bundle = { vcpu: 1, memoryMiB: 2048, tokens: 0, attention: 0, durationSeconds: 10 };
    const zero = { vcpu: 0, memoryMiB: 0, tokens: 0, attention: 0 };
    const published = marketPrices([{ bundle, payment: 3 }], zero);
    // 1024 CPU-unit-seconds ×10 of vCPU and 2048 × 10 MiB-seconds: a third and two thirds of 3 µcr.
    expect(published.vcpu).toBe(1_000_000 / 10);
    expect(published.memoryMiB).toBe(Math.round(2_000_000 / 20_480));
    expect(marketPrices([], zero)).toEqual({ vcpu: null, memoryMiB: null, tokens: null, attention: null });
  });
});
