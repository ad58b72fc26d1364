/**
 * The scheduled audit against DynamoDB Local: it keeps its result for the human page and
 * publishes the drift as a metric; a drift injected straight into a balance shows in both.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTelemetry, makeHandler as makeAudit } from '../../lambdas/audit.js';
import { METRICS_NAMESPACE } from '../../lambdas/metrics-namespace.js';
import { humanSession, startTestStack, type TestStack } from '../support/stack.js';
import { jsonLinesOf } from '../support/stdout.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

/** Runs the deployed audit's handler (Powertools Metrics included): the metrics it wrote to stdout. */
async function auditWithMetrics(): Promise<Record<string, unknown>> {
  const audit = makeAudit(stack.deps, auditTelemetry(new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'audit' })));
  return (await jsonLinesOf(audit)).find((l) => '_aws' in l)!;
}

const page = async () => (await fetch(`${stack.gateway.url}/human`, { headers: { cookie: await humanSession(stack.gateway.url) } })).text();

describe('the scheduled audit', () => {
  it('is shown on the human page once it has run, and a drift injected into a balance is reported as a metric and in the verdict', async () => {
    expect(await page()).toContain('ledger not audited yet');
    const agent = await stack.api.createAgent(25_000_000);

    const clean = await auditWithMetrics();
    expect(clean).toMatchObject({ AuditDrift: 0, AuditProblems: 0, AgentsAlive: 1 });
    expect(clean.Circulation).toBe((await stack.deps.audits.last())!.circulating);
    expect(await page()).toContain('ledger balanced');

    // Money from nowhere: 5 credits written straight into the agent's balance, past the ledger.
    await stack.deps.base.client.send(
      new UpdateCommand({ TableName: stack.tables.ledger, Key: { pk: `acct#${agent.agentId}` }, UpdateExpression: 'ADD available :five', ExpressionAttributeValues: { ':five': 5_000_000 } }),
    );
    stack.clock.advance(60);
    const drifted = await auditWithMetrics();
    expect(drifted).toMatchObject({ AuditDrift: 5_000_000 });
    expect(drifted.AuditProblems).toBeGreaterThan(0);
    expect(await stack.deps.audits.last()).toMatchObject({ ok: false, drift: 5_000_000 });
    expect(await page()).toMatch(/ledger drift 5(\.0+)? cr, \d+ problem/);
  });

  it('keeps the later of two audits that overlap', async () => {
    const last = (await stack.deps.audits.last())!;
    await stack.deps.audits.save({ ...last, at: last.at - 1, drift: 123 });
    expect((await stack.deps.audits.last())!.drift).toBe(last.drift);
  });
});
