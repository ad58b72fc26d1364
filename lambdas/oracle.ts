/**
 * The oracle, on an EventBridge schedule: runs one round, then starts, extends or stops agents to
 * match the leases. The schedule's firing time names the round's tick, so a repeated delivery of
 * the same event changes nothing.
 */
import { logLine } from './log.js';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { ScheduledEvent } from 'aws-lambda';
import { reconcile, type Reconciled } from '../economy/launcher.js';
import { runRound, type RoundDeps, type RoundReport } from '../economy/round.js';
import type { RunCredentials, Runner } from '../economy/ports.js';
import { runnerOf } from '../wiring/aws.js';
import { deployed } from '../wiring/base.js';
import { agentsOf, bidsOf, deathWatchOf, leasesOf, ledgerOf, promptsOf, roundsOf, runCredentialsOf, ubiOf } from '../wiring/dynamodb.js';
import { METRICS_NAMESPACE } from './metrics-namespace.js';
import { roundTelemetry } from './round-telemetry.js';

/** The round's ports, and the launcher's where this deployment runs agents. */
export type OracleDeps = RoundDeps & { credentials: RunCredentials; runner?: Runner | undefined };

export type OracleReport = RoundReport & { launched?: Reconciled };

const logJson = (report: OracleReport) => logLine('INFO', 'oracle round', { report }, 'syntropism-oracle');

export function makeHandler(deps: OracleDeps, log: (report: OracleReport) => void = logJson) {
  return async (event: Partial<Pick<ScheduledEvent, 'time'>> = {}): Promise<OracleReport> => {
    const at = event.time ? Date.parse(event.time) : Number.NaN;
    const tick = Number.isFinite(at) ? Math.floor(at / (deps.config.roundSeconds * 1000)) : undefined;
    const report = await runRound(deps, tick);
    // Then make the running agents match the leases (where this deployment runs agents).
    const { runner } = deps;
    const launched = runner ? await reconcile({ ...deps, runner }) : undefined;
    const full = { ...report, ...(launched ? { launched } : {}) };
    log(full);
    return full;
  };
}

export const handler = deployed((b) =>
  makeHandler(
    { rounds: roundsOf(b), bids: bidsOf(b), leases: leasesOf(b), prompts: promptsOf(b), agents: agentsOf(b), ledger: ledgerOf(b), ubi: ubiOf(b), watch: deathWatchOf(b), credentials: runCredentialsOf(b), runner: runnerOf(b), clock: b.clock, config: b.config },
    roundTelemetry(new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'oracle' })),
  ),
);
