/**
 * The oracle, on an EventBridge schedule: runs one round. The schedule's firing time names the
 * round's tick, so a repeated delivery of the same event changes nothing.
 */
import type { ScheduledEvent } from 'aws-lambda';
import { runRound, type RoundReport } from '../economy/round.js';
import { defaultDeps, lazy, type Deps } from './deps.js';

export function makeHandler(deps: Deps) {
  return async (event: Partial<Pick<ScheduledEvent, 'time'>> = {}): Promise<RoundReport> => {
    const at = event.time ? Date.parse(event.time) : Number.NaN;
    const tick = Number.isFinite(at) ? Math.floor(at / (deps.config.roundSeconds * 1000)) : undefined;
    const report = await runRound(deps, tick);
    console.log(JSON.stringify({ msg: 'oracle round', ...report }));
    return report;
  };
}

export const handler = lazy(() => makeHandler(defaultDeps()));
