/**
 * The token bucket with reservations: a call reserves its input estimate and its max_tokens before
 * the provider is called, and settles what was used after, so no burst can spend beyond −capacity;
 * a call larger than the capacity is refused outright; debt is never forgiven, and carries over to
 * the next lease.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { carryOver, fullBucket, refill, reserve, settle, tokensIn, type BucketSpec, type BucketState } from '../../economy/token-bucket.js';

const T = (seconds: number) => seconds * 1000;
const spec: BucketSpec = { tokens: 10, perSeconds: 1, capacity: 100 }; // 10 tokens/s, capacity 100
const level = (b: BucketState, s: BucketSpec = spec) => tokensIn(b, s);

/** A call that reserves `reserved` and uses `used`, at once. */
function call(b: BucketState, s: BucketSpec, at: number, reserved: number, used: number): BucketState {
  const r = reserve(b, s, at, reserved);
  if (!r.ok) throw new Error(`refused: ${r.reason}`);
  return settle(r.state, s, at, reserved, used);
}

describe('token bucket', () => {
  it('works the example: rate 10/s, capacity 100, full at T0', () => {
    let b = fullBucket(spec, T(0));
    b = call(b, spec, T(5), 60, 60);
    expect(level(b)).toBe(40); // it was full: nothing to refill before the spend
    expect(level(refill(b, spec, T(10)))).toBe(90);
    // The example spends 100 against those 90 (→ −10). Refill keeps running, though: by T12 the
    // bucket is full again (90 + 2 s × 10 = 110, capped at 100), so the same spend at T12 leaves
    // 0. Both are checked: at T10 exactly as the example's numbers, and at T12.
    const atT10 = call(b, spec, T(10), 100, 100);
    expect(level(atT10)).toBe(-10);
    expect(level(refill(atT10, spec, T(13)))).toBe(20);
    const atT12 = call(b, spec, T(12), 100, 100);
    expect(level(atT12)).toBe(0);
    expect(level(refill(atT12, spec, T(15)))).toBe(30);
  });

  it('reserves before the call, gives back what was not used, and charges all that was', () => {
    const start = fullBucket(spec, T(0));
    const r = reserve(start, spec, T(0), 80);
    expect(r.ok && level(r.state)).toBe(20);
    if (!r.ok) return;
    expect(level(settle(r.state, spec, T(0), 80, 30))).toBe(70);
    // Used more than reserved (the input estimate was short): all of it is charged.
    expect(level(settle(r.state, spec, T(0), 80, 95))).toBe(5);
  });

  it('refuses a call that would go below −capacity, with the wait, and one larger than the capacity', () => {
    let b = fullBucket(spec, T(0));
    b = call(b, spec, T(0), 100, 100);
    b = call(b, spec, T(0), 90, 90); // down to −90
    expect(level(b)).toBe(-90);
    const refused = reserve(b, spec, T(0), 20);
    expect(refused).toEqual({ ok: false, reason: 'no-room', retryAfterSeconds: 1 });
    expect(reserve(b, spec, T(1), 20).ok).toBe(true);
    expect(reserve(fullBucket(spec, T(0)), spec, T(0), 101)).toEqual({ ok: false, reason: 'too-large' });
  });

  it('never lets a burst of reservations spend beyond −capacity', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ at: fc.integer({ min: 0, max: 20_000 }), amount: fc.integer({ min: 1, max: 100 }) }), { maxLength: 60 }), (calls) => {
        let b = fullBucket(spec, 0);
        let spent = 0;
        let last = 0;
        for (const c of calls.sort((x, y) => x.at - y.at)) {
          const r = reserve(b, spec, c.at, c.amount);
          if (r.ok) {
            b = r.state;
            spent += c.amount;
          }
          expect(level(b)).toBeGreaterThanOrEqual(-spec.capacity);
          last = c.at;
        }
        // Never more than what was there, what refilled since, and the debt floor.
        expect(spent).toBeLessThanOrEqual(spec.capacity + Math.floor((last / 1000) * spec.tokens) + spec.capacity);
      }),
    );
  });

  it('refills at fractional rates without losing tokens', () => {
    const slow: BucketSpec = { tokens: 1000, perSeconds: 60, capacity: 1000 }; // 16.67 tokens/s
    const b = call(fullBucket(slow, T(0)), slow, T(0), 1000, 1000);
    expect(level(refill(b, slow, T(60)), slow)).toBe(1000);
    expect(level(refill(b, slow, T(30)), slow)).toBe(500);
    // Many small refills add up to one big one.
    let stepwise = b;
    for (let s = 1; s <= 60; s += 1) stepwise = refill(stepwise, slow, T(s));
    expect(level(stepwise, slow)).toBe(1000);
  });

  it('carries debt over to the next lease, and never more than its capacity', () => {
    const next: BucketSpec = { tokens: 600, perSeconds: 60, capacity: 100 }; // 10 tokens/s too
    const indebted = call(fullBucket(spec, T(0)), spec, T(0), 100, 180); // −80
    const carried = carryOver(indebted, spec, next, T(2)); // 2 s of refill at the old rate: −60
    expect(level(carried, next)).toBe(-60);
    expect(reserve(carried, next, T(2), 50)).toEqual({ ok: false, reason: 'no-room', retryAfterSeconds: 1 });
    const rich = carryOver(fullBucket(spec, T(0)), spec, { tokens: 50, perSeconds: 60, capacity: 50 }, T(0));
    expect(level(rich, { tokens: 50, perSeconds: 60, capacity: 50 })).toBe(50);
  });

  it('ignores a clock that goes backwards', () => {
    const b = call(fullBucket(spec, T(10)), spec, T(10), 50, 50);
    expect(refill(b, spec, T(5))).toEqual(b);
  });
});
