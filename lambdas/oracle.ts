/**
 * The oracle, on an EventBridge schedule: runs one round, then starts, extends or stops agents to
 * match the leases. The schedule's firing time names the round's tick, so a repeated delivery of
 * the same event changes nothing.
 */
import type { ScheduledEvent } from 'aws-lambda';
import { reconcile, type Reconciled } from '../economy/launcher.js';
import { runRound, type RoundReport } from '../economy/round.js';
import { defaultDeps, launcherDeps, lazy, type Deps } from './deps.js';

export type OracleReport = RoundReport & { launched?: Reconciled };

const logJson = (report: OracleReport) => {
  console.log(JSON.stringify({ msg: 'oracle round', ...report }));
};

export function makeHandler(deps: Deps, log: (report: OracleReport) => void = logJson) {
  return async (event: Partial<Pick<ScheduledEvent, 'time'>> = {}): Promise<OracleReport> => {
    const at = event.time ? Date.parse(event.time) : Number.NaN;
    const tick = Number.isFinite(at) ? Math.floor(at / (deps.config.roundSeconds * 1000)) : undefined;
    const report = await runRound(deps, tick);
    // Then make the running agents match the leases (where this deployment runs agents).
    const { runner } = deps;
    const launched = runner ? await reconcile(launcherDeps({ ...deps, runner })) : undefined;
    const full = { ...report, ...(launched ? { launched } : {}) };
    log(full);
    return full;
  };
}

export const handler = lazy(() => makeHandler(defaultDeps()));
