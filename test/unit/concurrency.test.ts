/** Bounded concurrency for the round's writes: never more in flight than the limit; a failure lets those in flight finish and starts no more. */
import { describe, expect, it } from 'vitest';
import { inPool } from '../../economy/concurrency.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('inPool', () => {
  it('runs every step, in order of results, with at most the limit in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await inPool(Array.from({ length: 50 }, (_, i) => i), 4, async (i) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await tick();
      inFlight -= 1;
      return i * 2;
    });
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    expect(most).toBe(4);
  });

  it('on a failure starts nothing more, lets those in flight finish, then throws it', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    await expect(
      inPool(Array.from({ length: 20 }, (_, i) => i), 3, async (i) => {
        started.push(i);
        await tick();
        if (i === 4) throw new Error('step 4 failed');
        await tick();
        finished.push(i);
      }),
    ).rejects.toThrow('step 4 failed');
    // Steps 0–6 had started by the time step 4 failed (three in flight); none after.
    expect(Math.max(...started)).toBeLessThanOrEqual(6);
    expect(finished.sort((a, b) => a - b)).toEqual(started.filter((i) => i !== 4).sort((a, b) => a - b));
  });
});
