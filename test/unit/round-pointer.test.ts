/**
 * The round pointer as bids know it (economy/round-pointer.ts): read once while the current
 * tick's round is the last one begun, and read again whenever it may have moved: no round yet,
 * the current tick's round not begun, or the next tick near.
 */
import { describe, expect, it } from 'vitest';
import type { OracleState } from '../../economy/market.js';
import { RoundPointer, roundPointerFixedUntil } from '../../economy/round-pointer.js';

const PERIOD_S = 60;
const P = PERIOD_S * 1000;
const T = 29_000_000; // a tick
const state = (lastRound: number, lastTick: number, status: OracleState['status'] = 'settled'): OracleState => ({ lastRound, lastTick, status, reserve: {} as OracleState['reserve'] });

function pointer(states: (OracleState | undefined)[]) {
  let reads = 0;
  const p = new RoundPointer(() => Promise.resolve(states[Math.min(reads++, states.length - 1)]), PERIOD_S);
  return { p, reads: () => reads };
}

describe('the round pointer', () => {
  it('is fixed until shortly before the next tick once the current tick’s round has begun (settled or clearing)', () => {
    for (const status of ['settled', 'clearing'] as const) {
      expect(roundPointerFixedUntil(state(7, T, status), T * P + 5_000, PERIOD_S)).toBe((T + 1) * P - 1_000);
    }
    // Short periods keep a fifth of the period as margin.
    expect(roundPointerFixedUntil(state(7, T), T * 5_000 + 100, 5)).toBe((T + 1) * 5_000 - 1_000);
    expect(roundPointerFixedUntil(state(7, T), T * 2_000 + 100, 2)).toBe((T + 1) * 2_000 - 400);
  });

  it('says nothing when a round may begin any moment: none yet, or the current tick’s not begun', () => {
    expect(roundPointerFixedUntil(undefined, T * P, PERIOD_S)).toBe(T * P);
    expect(roundPointerFixedUntil(state(7, T - 1), T * P + 5_000, PERIOD_S)).toBe(T * P + 5_000);
    expect(roundPointerFixedUntil(state(7, T + 1), T * P + 5_000, PERIOD_S)).toBe(T * P + 5_000);
  });

  it('reads once within a tick whose round has begun, and again from the margin before the next', async () => {
    const { p, reads } = pointer([state(7, T), state(8, T + 1)]);
    expect(await p.lastRound(T * P + 1_000)).toBe(7);
    expect(await p.lastRound(T * P + 30_000)).toBe(7);
    expect(await p.lastRound((T + 1) * P - 1_001)).toBe(7);
    expect(reads()).toBe(1);
    expect(await p.lastRound((T + 1) * P - 1_000)).toBe(8);
    expect(reads()).toBe(2);
    // A clock that went back is not trusted with what was read later.
    expect(await p.lastRound(T * P + 1_000)).toBe(8);
    expect(reads()).toBe(3);
  });

  it('reads every time while a round may begin, and without a period', async () => {
    const waiting = pointer([undefined, undefined, state(1, T)]);
    expect(await waiting.p.lastRound(T * P + 1_000)).toBe(0);
    expect(await waiting.p.lastRound(T * P + 2_000)).toBe(0);
    expect(await waiting.p.lastRound(T * P + 3_000)).toBe(1);
    expect(await waiting.p.lastRound(T * P + 4_000)).toBe(1);
    expect(waiting.reads()).toBe(3);
    let reads = 0;
    const unscheduled = new RoundPointer(() => Promise.resolve(state(3, T + reads++)));
    for (let i = 0; i < 3; i += 1) await unscheduled.lastRound(T * P + 1_000);
    expect(reads).toBe(3);
  });
});
