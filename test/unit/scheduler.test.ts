import { describe, expect, it } from 'vitest';
import { startScheduler } from '../../local/scheduler.js';

describe('the local scheduler', () => {
  it('fires on period boundaries with the scheduled time, never overlapping, and stops', async () => {
    const fired: { time: string; at: number }[] = [];
    let running = 0;
    let overlapped = false;
    const scheduler = startScheduler(0.05, async (event) => {
      running += 1;
      if (running > 1) overlapped = true;
      fired.push({ time: event.time, at: Date.now() });
      await new Promise((resolve) => setTimeout(resolve, 70)); // slower than the period
      running -= 1;
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    await scheduler.stop();
    const count = fired.length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(fired.length).toBe(count); // nothing after stop()
    expect(count).toBeGreaterThanOrEqual(2);
    expect(overlapped).toBe(false);
    for (const f of fired) {
      const scheduled = Date.parse(f.time);
      expect(scheduled % 50).toBe(0);
      expect(scheduled).toBeLessThanOrEqual(f.at + 25); // a timer may fire a few ms early
    }
  });

  it('keeps firing after an invocation fails', async () => {
    let calls = 0;
    const errors: unknown[] = [];
    const scheduler = startScheduler(
      0.03,
      () => {
        calls += 1;
        return Promise.reject(new Error('round failed'));
      },
      (err) => errors.push(err),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    await scheduler.stop();
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(errors).toHaveLength(calls);
  });
});
