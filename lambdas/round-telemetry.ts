/**
 * What the oracle tells CloudWatch after each round: a structured log line (one JSON object, in
 * Powertools Logger's shape; the Logger itself would take the oracle's bundle over its 300 kB for
 * this one line) and the round's numbers as metrics in the embedded metric format (Powertools Metrics, written to
 * the log, so no API call and no permission): volume, winners, settled and voided leases, expired
 * bids and prompts, deaths, UBI paid out (with SYNTROPISM_PAYMENTS=ubi), and agents started or
 * failed to start, leased and running; and, per resource (dimension `resource`), its utilisation
 * (allocated over offered, %), reserve and market price (pico-credits per unit(-second); the price
 * only when something traded). A round that did not run counts as `RoundSkipped`, so that a
 * missed round shows on a dashboard.
 */
import { logLine } from './log.js';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { OracleReport } from './oracle.js';


export function roundTelemetry(metrics: Metrics, service = 'syntropism-oracle'): (report: OracleReport) => void {
  return (report) => {
    logLine('INFO', 'oracle round', { report }, service);
    if (!report.ran) {
      metrics.addMetric('RoundSkipped', MetricUnit.Count, 1);
    } else {
      metrics.addMetric('RoundVolumeMicros', MetricUnit.NoUnit, report.volume);
      metrics.addMetric('RoundWinners', MetricUnit.Count, report.winners);
      metrics.addMetric('LeasesSettled', MetricUnit.Count, report.settled);
      metrics.addMetric('LeasesVoided', MetricUnit.Count, report.voided);
      metrics.addMetric('BidsExpired', MetricUnit.Count, report.expired);
      metrics.addMetric('PromptsExpired', MetricUnit.Count, report.expiredPrompts);
      metrics.addMetric('AgentsDied', MetricUnit.Count, report.died);
      for (const [resource, m] of Object.entries(report.market)) {
        // A single metric is published at once and forgets its dimensions: one per value.
        const publish = (name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number) => metrics.singleMetric().addDimension('resource', resource).addMetric(name, unit, value);
        publish('Utilisation', MetricUnit.Percent, m.utilisation * 100);
        publish('ReservePrice', MetricUnit.NoUnit, m.reserve);
        if (m.marketPrice !== null) publish('MarketPrice', MetricUnit.NoUnit, m.marketPrice);
      }
      if (report.ubi) {
        metrics.addMetric('UbiPaidMicros', MetricUnit.NoUnit, report.ubi.paid * report.ubi.share);
        metrics.addMetric('UbiRecipients', MetricUnit.Count, report.ubi.paid);
      }
    }
    if (report.launched) {
      metrics.addMetric('AgentsStarted', MetricUnit.Count, report.launched.started.length);
      metrics.addMetric('AgentStartFailures', MetricUnit.Count, report.launched.failed.length);
      metrics.addMetric('AgentsLeased', MetricUnit.Count, report.launched.leased);
      metrics.addMetric('AgentsRunning', MetricUnit.Count, report.launched.running);
    }
    metrics.publishStoredMetrics();
  };
}
