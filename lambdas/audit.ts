/**
 * The scheduled audit (an EventBridge rule, every 10 minutes in AWS): the ledger's conservation
 * invariant and journal replay over a full scan, kept as the last audit (what the human page
 * shows) and published as metrics in the embedded metric format: `AuditDrift` (|drift|, µcr),
 * `AuditProblems`, `Circulation` (µcr) and `AgentsAlive` (the agents directory's living agents),
 * namespace Syntropism. An alarm watches the drift.
 */
import { logLine } from './log.js';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { auditRecord, type AuditRecord } from '../economy/ledger.js';
import type { AgentDirectory, AuditLog, Clock, LedgerStore } from '../economy/ports.js';
import { deployed } from '../wiring/base.js';
import { agentsOf, auditsOf, ledgerOf } from '../wiring/dynamodb.js';
import { METRICS_NAMESPACE } from './metrics-namespace.js';

/** What the audit saw besides the ledger: how many agents were alive. */
export interface Census {
  agentsAlive: number;
}

export function makeHandler(
  deps: { ledger: Pick<LedgerStore, 'audit'>; audits: Pick<AuditLog, 'save'>; agents: Pick<AgentDirectory, 'listAgents'>; clock: Clock },
  publish: (record: AuditRecord, census: Census) => void = () => undefined,
) {
  return async (): Promise<AuditRecord> => {
    const at = deps.clock.now();
    const [report, agents] = await Promise.all([deps.ledger.audit(), deps.agents.listAgents()]);
    const record = auditRecord(report, at);
    await deps.audits.save(record);
    publish(record, { agentsAlive: agents.filter((a) => a.status === 'alive').length });
    return record;
  };
}

/** The audit's log line (one JSON object) and metrics (Powertools: written to the log, so no API call and no permission). */
export function auditTelemetry(metrics: Metrics): (record: AuditRecord, census: Census) => void {
  return (record, census) => {
    logLine(record.ok ? 'INFO' : 'ERROR', record.ok ? 'ledger audit' : 'ledger audit found drift', { record }, 'syntropism-audit');
    metrics.addMetric('AuditDrift', MetricUnit.NoUnit, Math.abs(record.drift));
    metrics.addMetric('AuditProblems', MetricUnit.Count, record.problems);
    metrics.addMetric('Circulation', MetricUnit.NoUnit, record.circulating);
    metrics.addMetric('AgentsAlive', MetricUnit.Count, census.agentsAlive);
    metrics.publishStoredMetrics();
  };
}

export const handler = deployed((b) =>
  makeHandler({ ledger: ledgerOf(b), audits: auditsOf(b), agents: agentsOf(b), clock: b.clock }, auditTelemetry(new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'audit' }))),
);
