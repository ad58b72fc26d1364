/**
 * The last round begun, as a bid needs it (a bid first takes part in the round after it), known
 * without reading the oracle's state on every bid, and never stale.
 *
 * A round begins only for a tick after the last round's (`runRound` refuses `tick <= lastTick`),
 * and a tick is named by its schedule's firing time (EventBridge's scheduled time, or the clock):
 * tick T is never begun before T × period. So once the state read says the last round begun is the
 * current tick's, the pointer cannot move before the next tick starts, and what was read is exact
 * until then. A little before then, to leave room for schedulers that fire early (the local one
 * names a firing by the nearest boundary) and for clocks that differ a little between machines.
 * Any other state (no round yet, or the current tick's round not begun: it may begin any moment)
 * is read again on the next bid, as is everything after the boundary.
 */
import type { OracleState } from './market.js';

/** Until when (ms) a state read at `readAt` stays exact: `readAt` itself when nothing can be said. */
export function roundPointerFixedUntil(state: OracleState | undefined, readAt: number, roundSeconds: number): number {
  const period = roundSeconds * 1000;
  if (!state || Math.floor(readAt / period) !== state.lastTick) return readAt;
  const margin = Math.min(1000, period / 5);
  return (state.lastTick + 1) * period - margin;
}

/** The last round begun, read through `read` only when what was read before may have moved. */
export class RoundPointer {
  private known: { lastRound: number; from: number; until: number } | undefined;

  constructor(
    private readonly read: () => Promise<OracleState | undefined>,
    /** The round period; without it every call reads. */
    private readonly roundSeconds?: number,
  ) {}

  async lastRound(now: number): Promise<number> {
    const known = this.known;
    if (known && known.from <= now && now < known.until) return known.lastRound;
    const state = await this.read();
    const lastRound = state?.lastRound ?? 0;
    if (this.roundSeconds !== undefined) this.known = { lastRound, from: now, until: roundPointerFixedUntil(state, now, this.roundSeconds) };
    return lastRound;
  }
}
