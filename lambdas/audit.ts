/**
 * The scheduled audit (an EventBridge rule, every 10 minutes in AWS): the ledger's conservation
 * invariant and journal replay over a full scan, kept as the last audit (what the human page
 * shows) and published as metrics in the embedded metric format: `AuditDrift` (|drift|, µcr),
 * `AuditProblems` and `Circulation` (µcr), namespace Syntropism. An alarm watches the drift.
 */
import { logLine } from './log.js';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { auditRecord, type AuditRecord } from '../economy/ledger.js';
import type { AuditLog, Clock, LedgerStore } from '../economy/ports.js';
import { deployed } from '../wiring/base.js';
import { auditsOf, ledgerOf } from '../wiring/dynamodb.js';
import { METRICS_NAMESPACE } from './metrics-namespace.js';

export function makeHandler(deps: { ledger: Pick<LedgerStore, 'audit'>; audits: Pick<AuditLog, 'save'>; clock: Clock }, publish: (record: AuditRecord) => void = () => undefined) {
  return async (): Promise<AuditRecord> => {
    const at = deps.clock.now();
    const record = auditRecord(await deps.ledger.audit(), at);
    await deps.audits.save(record);
    publish(record);
    return record;
  };
}

/** The audit's log line (one JSON object) and metrics (Powertools: written to the log, so no API call and no permission). */
export function auditTelemetry(metrics: Metrics): (record: AuditRecord) => void {
  return (record) => {
    logLine(record.ok ? 'INFO' : 'ERROR', record.ok ? 'ledger audit' : 'ledger audit found drift', { record }, 'syntropism-audit');
    metrics.addMetric('AuditDrift', MetricUnit.NoUnit, Math.abs(record.drift));
    metrics.addMetric('AuditProblems', MetricUnit.Count, record.problems);
    metrics.addMetric('Circulation', MetricUnit.NoUnit, record.circulating);
    metrics.publishStoredMetrics();
  };
}

export const handler = deployed((b) =>
  makeHandler({ ledger: ledgerOf(b), audits: auditsOf(b), clock: b.clock }, auditTelemetry(new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'audit' }))),
);
