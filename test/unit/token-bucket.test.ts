import { describe, expect, it } from 'vitest';
import { fullBucket, mayCall, refill, secondsUntilPositive, spend, tokensIn, type BucketSpec, type BucketState } from '../../economy/token-bucket.js';

const T = (seconds: number) => seconds * 1000;
const spec: BucketSpec = { tokens: 10, perSeconds: 1, capacity: 100 }; // 10 tokens/s, capacity 100
const level = (b: BucketState, s: BucketSpec = spec) => tokensIn(b, s);

describe('token bucket', () => {
  it('works the example: rate 10/s, capacity 100, full at T0', () => {
    let b = fullBucket(spec, T(0));
    b = spend(b, spec, T(5), 60);
    expect(level(b)).toBe(40); // it was full: nothing to refill before the spend
    expect(level(refill(b, spec, T(10)))).toBe(90);
    // The SPEC's example spends 100 against those 90 (→ −10). Refill keeps running, though: by
    // T12 the bucket is full again (90 + 2 s × 10 = 110, capped at 100), so the same spend at
    // T12 leaves 0. Both are checked: at T10 exactly as the example's numbers, and at T12.
    const atT10 = spend(refill(b, spec, T(10)), spec, T(10), 100);
    expect(level(atT10)).toBe(-10);
    expect(mayCall(atT10, spec, T(10))).toBe(false);
    expect(level(refill(atT10, spec, T(13)))).toBe(20);
    const atT12 = spend(b, spec, T(12), 100);
    expect(level(atT12)).toBe(0);
    expect(level(refill(atT12, spec, T(15)))).toBe(30);
  });

  it('recovers from debt at the bought rate, refusing calls until then', () => {
    let b = spend(fullBucket(spec, T(0)), spec, T(0), 150);
    expect(level(b)).toBe(-50);
    expect(secondsUntilPositive(b, spec, T(0))).toBe(5);
    expect(mayCall(b, spec, T(4.9))).toBe(false);
    expect(mayCall(b, spec, T(5))).toBe(true);
    b = refill(b, spec, T(20));
    expect(level(b)).toBe(100);
  });

  it('stops debt at −capacity', () => {
    const b = spend(fullBucket(spec, T(0)), spec, T(0), 10_000);
    expect(level(b)).toBe(-100);
  });

  it('refills at fractional rates without losing tokens', () => {
    const slow: BucketSpec = { tokens: 1000, perSeconds: 60, capacity: 1000 }; // 16.67 tokens/s
    const b = spend(fullBucket(slow, T(0)), slow, T(0), 1000);
    expect(level(refill(b, slow, T(60)), slow)).toBe(1000);
    expect(level(refill(b, slow, T(30)), slow)).toBe(500);
    // Many small refills add up to one big one.
    let stepwise = b;
    for (let s = 1; s <= 60; s += 1) stepwise = refill(stepwise, slow, T(s));
    expect(level(stepwise, slow)).toBe(1000);
  });

  it('ignores a clock that goes backwards', () => {
    const b = spend(fullBucket(spec, T(10)), spec, T(10), 50);
    expect(refill(b, spec, T(5))).toEqual(b);
  });
});
