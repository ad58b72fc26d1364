/**
 * cdk-nag's AWS Solutions pack over the stack: no unacknowledged error, and every acknowledgement
 * says why. (cdk-nag 3 reports through CDK's validation plugins, not annotations: a finding that
 * is not acknowledged fails `app.synth()` itself, and `validateScope` lists what it finds.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app.js';
import { cdkJsonContext, synthesize, type Json, type Synthesized } from './support/synth.js';

let synth: Synthesized;

beforeAll(() => {
  // synthesize() builds the app with the nag plugin registered: it throws on an unacknowledged error.
  synth = synthesize();
});
afterAll(() => synth.dispose());

describe('cdk-nag AwsSolutions', () => {
  it('finds no unacknowledged error (nor warning) in the stack', () => {
    const report = new AwsSolutionsChecks().validateScope(synth.stack);
    expect(report.violations.map((v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  it('gives every acknowledgement a specific reason, written into the template as an audit trail', () => {
    const acknowledged = Object.values(synth.json.Resources as Json).flatMap((r: Json) => (r.Metadata?.cdk_nag?.rules_to_suppress ?? []) as { id: string; reason: string }[]);
    const ours = acknowledged.filter((a) => a.id.startsWith('AwsSolutions-'));
    const ids = [...new Set(ours.map((a) => a.id.replace(/\[.*\]$/, '')))].sort();
    // The list to review when it changes: each rule acknowledged, and nothing else.
    expect(ids).toEqual(['AwsSolutions-APIG4', 'AwsSolutions-IAM5', 'AwsSolutions-L1', 'AwsSolutions-S1', 'AwsSolutions-SMG4', 'AwsSolutions-SQS3']);
    for (const a of ours) {
      expect(a.reason.length, a.id).toBeGreaterThanOrEqual(60);
      expect(a.reason, a.id).not.toMatch(/^(n\/a|todo|none|suppress)/i);
    }
    // Wildcards are acknowledged finding by finding, never a rule as a whole.
    expect(ours.filter((a) => a.id === 'AwsSolutions-IAM5')).toEqual([]);
  });

  it('does fail the synth on an unacknowledged finding', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'syntropism-cdk-broken-'));
    try {
      const { app, stack } = buildApp({ outdir, context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
      new Bucket(stack, 'Careless'); // no TLS-only policy, no access logs
      const errors = new AwsSolutionsChecks().validateScope(stack).violations.filter((v) => v.severity === 'error');
      expect(errors.map((v) => v.ruleName)).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']));
      expect(() => app.synth()).toThrow(/AwsSolutions-S10/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
