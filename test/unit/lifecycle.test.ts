/**
 * Who lives: an agent with a lease, a pending bid for it (its own or a sponsor's) or something held
 * lives on; one with nothing available dies; one without a lease or a bid for the dormancy limit
 * (time, not rounds) dies.
 */
import { describe, expect, it } from 'vitest';
import { fateOf, type Vitals } from '../../economy/lifecycle.js';
import { activeSince } from '../../economy/market.js';

const HOUR = 3600;
const vitals = (v: Partial<Vitals>): Vitals => ({
  available: 5,
  held: 0,
  hasLease: false,
  pendingBids: 0,
  activeSince: 0,
  now: 10 * 60_000,
  dormancyLimitSeconds: HOUR,
  ...v,
});

describe('fates', () => {
  it('keeps alive an agent with a lease, a pending bid for it, or anything held', () => {
    expect(fateOf(vitals({ available: 0, hasLease: true }))).toEqual({ dies: false });
    // A sponsor's bid for a penniless agent: it holds nothing itself, yet it may run.
    expect(fateOf(vitals({ available: 0, pendingBids: 1 }))).toEqual({ dies: false });
    expect(fateOf(vitals({ available: 0, held: 3 }))).toEqual({ dies: false });
  });

  it('takes the destitute at once', () => {
    expect(fateOf(vitals({ available: 0 }))).toEqual({ dies: true, reason: 'destitute' });
  });

  it('takes the dormant after the limit, in time', () => {
    const since = 1_000_000;
    expect(fateOf(vitals({ activeSince: since, now: since + HOUR * 1000 - 1 }))).toEqual({ dies: false });
    expect(fateOf(vitals({ activeSince: since, now: since + HOUR * 1000 }))).toEqual({ dies: true, reason: 'dormant' });
  });

  it('counts dormancy from the latest of birth, last bid and last lease end', () => {
    expect(activeSince({ createdAt: 10 })).toBe(10);
    expect(activeSince({ createdAt: 10, lastBidAt: 50, leasedUntil: 30 })).toBe(50);
    // A long lease that ended after its bid: dormancy starts at its end.
    expect(activeSince({ createdAt: 10, lastBidAt: 50, leasedUntil: 3_600_050 })).toBe(3_600_050);
  });
});
