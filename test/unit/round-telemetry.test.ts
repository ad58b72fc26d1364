/** The oracle's log line and metrics (Powertools), as CloudWatch would read them from the log. */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import { METRICS_NAMESPACE } from '../../lambdas/metrics-namespace.js';
import { roundTelemetry } from '../../lambdas/round-telemetry.js';
import { jsonLinesOf } from '../support/stdout.js';

/** A resource's market in a round where nothing of it traded. */
const IDLE = { supply: 0, allocated: 0, utilisation: 0, reserve: 5, marketPrice: null };

describe('round telemetry', () => {
  it("logs the report and publishes the round's numbers in the embedded metric format", async () => {
    const lines = await jsonLinesOf(() => {
      const telemetry = roundTelemetry(new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'oracle' }));
      telemetry({
        ran: true,
        round: 7,
        resumed: false,
        winners: 2,
        settled: 2,
        voided: 0,
        expired: 1,
        expiredPrompts: 0,
        died: 1,
        volume: 1_500_000,
        market: { vcpu: { supply: 2048, allocated: 1536, utilisation: 0.75, reserve: 20_000, marketPrice: 31_000 }, memoryMiB: IDLE, tokens: IDLE, attention: IDLE },
        launched: { started: ['a'], extended: [], stopped: [], waiting: [], failed: [{ agentId: 'b', error: 'quota' }], leased: 3, running: 2 },
      });
    });
    const log = lines.find((l) => l.message === 'oracle round');
    expect(log).toMatchObject({ level: 'INFO', service: 'syntropism-oracle', report: { round: 7, died: 1 } });
    const emf = lines.find((l) => '_aws' in l && 'RoundWinners' in l) as Record<string, unknown> & { _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[] } };
    expect(emf._aws.CloudWatchMetrics[0]!.Namespace).toBe('Syntropism');
    expect(emf).not.toHaveProperty('UbiPaidMicros');
    expect(emf).toMatchObject({ RoundVolumeMicros: 1_500_000, RoundWinners: 2, AgentsDied: 1, BidsExpired: 1, AgentsStarted: 1, AgentStartFailures: 1, AgentsLeased: 3, AgentsRunning: 2, service: 'oracle' });
    // Each resource's market in its own metric set, by the dimension `resource`; a price only where something traded.
    const byResource = new Map<unknown, Record<string, unknown>>();
    for (const l of lines.filter((l) => typeof l.resource === 'string')) byResource.set(l.resource, { ...byResource.get(l.resource), ...l });
    expect([...byResource.keys()].sort()).toEqual(['attention', 'memoryMiB', 'tokens', 'vcpu']);
    expect(byResource.get('vcpu')).toMatchObject({ Utilisation: 75, ReservePrice: 20_000, MarketPrice: 31_000, service: 'oracle' });
    expect(byResource.get('tokens')).toMatchObject({ Utilisation: 0, ReservePrice: 5 });
    expect(byResource.get('tokens')).not.toHaveProperty('MarketPrice');
    const dims = (byResource.get('vcpu') as { _aws: { CloudWatchMetrics: { Dimensions: string[][] }[] } })._aws.CloudWatchMetrics[0]!.Dimensions;
    expect(dims.flat()).toEqual(expect.arrayContaining(['service', 'resource']));
  });

  it('publishes the UBI paid out in a round with SYNTROPISM_PAYMENTS=ubi', async () => {
    const lines = await jsonLinesOf(() =>
      roundTelemetry(new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'oracle' }))({
        ran: true, round: 3, resumed: false, winners: 2, settled: 2, voided: 0, expired: 0, expiredPrompts: 0, died: 0, volume: 65_514,
        market: { vcpu: IDLE, memoryMiB: IDLE, tokens: IDLE, attention: IDLE },
        ubi: { pool: 65_514, recipients: 4, share: 16_378, paid: 3, unpaid: 1, burned: 16_380 },
      }),
    );
    expect(lines.find((l) => '_aws' in l && 'RoundWinners' in l)).toMatchObject({ UbiPaidMicros: 3 * 16_378, UbiRecipients: 3 });
  });

  it('counts a round that did not run, so that a missed round shows', async () => {
    const lines = await jsonLinesOf(() => roundTelemetry(new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'oracle' }))({ ran: false, reason: 'already ran', round: 7 }));
    expect(lines.find((l) => '_aws' in l)).toMatchObject({ RoundSkipped: 1 });
    expect(lines.find((l) => '_aws' in l)).not.toHaveProperty('RoundWinners');
  });
});
