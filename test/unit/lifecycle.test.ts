/**
 * Who lives: an agent with a lease, a pending bid for it (its own or a sponsor's) or something held
 * lives on; one with nothing available dies; one without a lease or a bid for the dormancy limit
 * (time, not rounds) dies.
 */
import { describe, expect, it } from 'vitest';
import { fateOf, nextJudgement, type Vitals } from '../../economy/lifecycle.js';
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

/**
 * The death watch judges a living agent again at `nextJudgement`: with nothing written meanwhile,
 * the rule must spare it at every moment before then, and (unless something that only a write
 * ends protects it) take it then.
 */
describe('the next judgement', () => {
  const random = (() => {
    let a = 20261206;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  })();
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;

  it('spares a living agent until then, and the rule takes it then', () => {
    let checked = 0;
    for (let i = 0; i < 5000; i += 1) {
      const now = 10_000_000;
      const limit = pick([1, 60, 3600]);
      const hasLease = random() < 0.4;
      const leaseEndsAt = hasLease ? now + 1 + Math.floor(random() * 5_000_000) : undefined;
      const v: Vitals = {
        available: pick([0, 0, 1, 5_000_000]),
        held: pick([0, 0, 0, 7]),
        hasLease,
        pendingBids: pick([0, 0, 0, 1, 2]),
        activeSince: now - Math.floor(random() * 2 * limit * 1000),
        now,
        dormancyLimitSeconds: limit,
      };
      if (fateOf(v).dies) continue;
      checked += 1;
      const next = nextJudgement({ ...v, ...(leaseEndsAt !== undefined ? { leaseEndsAt } : {}) });
      const at = (t: number): Vitals => ({ ...v, now: t, hasLease: leaseEndsAt !== undefined && t < leaseEndsAt });
      if (next === undefined) {
        // Only a write (a bid closing, a hold released) can end what protects it.
        expect(v.pendingBids > 0 || v.held > 0).toBe(true);
        for (const t of [now, now + 1, now + limit * 1000, now + 10 * limit * 1000, (leaseEndsAt ?? now) + 1]) expect(fateOf(at(t)).dies).toBe(false);
        continue;
      }
      expect(next).toBeGreaterThan(now);
      for (const t of [now, now + 1, Math.floor((now + next) / 2), next - 1]) expect(fateOf(at(t)).dies).toBe(false);
      expect(fateOf(at(next)).dies).toBe(true);
    }
    expect(checked).toBeGreaterThan(1000);
  });
});
