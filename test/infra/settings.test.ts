/**
 * Deployment settings from CDK context: defaults, overrides that reach the template, and values
 * refused at synth rather than at a deployed Lambda's first request.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTEXT_DEFAULTS, economyContextFromEnv, settingsFromContext } from '../../infra/settings.js';
import { functionsOf, synthesize, type Json, type Synthesized } from './support/synth.js';

const from = (context: Record<string, unknown>) => settingsFromContext({ tryGetContext: (key: string) => context[key] });

describe('settingsFromContext', () => {
  it('has defaults for everything, and passes no economy setting unless one is given', () => {
    expect(from({})).toEqual({
      roundSeconds: 60,
      localCloud: false,
      apiRateLimit: 50,
      apiBurstLimit: 100,
      meteringMaxReceiveCount: 5,
      agentVcpu: 0.25,
      agentMemoryMiB: 512,
      agentArchitecture: 'x86_64',
      logRetention: RetentionDays.ONE_MONTH,
      llm: { provider: 'bedrock', model: CONTEXT_DEFAULTS.llmModel, timeoutSeconds: 25 },
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
      economyEnv: {},
      monthlyBudgetUsd: 100,
    });
    expect(from({})).not.toHaveProperty('alarmEmail');
  });

  it('reads the alarm e-mail and the monthly budget', () => {
    expect(from({ alarmEmail: 'ops@example.org', monthlyBudgetUsd: '250.5' })).toMatchObject({ alarmEmail: 'ops@example.org', monthlyBudgetUsd: 250.5 });
    expect(from({ alarmEmail: '' })).not.toHaveProperty('alarmEmail');
  });

  it('reads values given on the command line as text', () => {
    const settings = from({ roundSeconds: '120', agentVcpu: '1', agentMemoryMiB: '2048', removalPolicy: 'destroy', logRetentionDays: '7', supplyVcpu: '8', spawnFee: 2.5, payments: 'ubi' });
    expect(settings).toMatchObject({ roundSeconds: 120, agentVcpu: 1, agentMemoryMiB: 2048, removalPolicy: RemovalPolicy.DESTROY, logRetention: RetentionDays.ONE_WEEK });
    // Destroyed with the stack, so not protected from deletion unless asked.
    expect(settings.deletionProtection).toBe(false);
    expect(settings.economyEnv).toEqual({ SYNTROPISM_SUPPLY_VCPU: '8', SYNTROPISM_SPAWN_FEE: '2.5', SYNTROPISM_PAYMENTS: 'ubi' });
  });

  it('maps economy settings from an environment back to context (npm start -- --cloud), and round trips', () => {
    const context = economyContextFromEnv({ SYNTROPISM_PAYMENTS: 'ubi', SYNTROPISM_SUPPLY_VCPU: '2', ROUND_SECONDS: '5', HOME: '/root' });
    expect(context).toEqual({ payments: 'ubi', supplyVcpu: '2' });
    expect(from(context).economyEnv).toEqual({ SYNTROPISM_PAYMENTS: 'ubi', SYNTROPISM_SUPPLY_VCPU: '2' });
  });

  it('takes rounds shorter than a minute only for a local template (`npm start -- --cloud`)', () => {
    expect(from({ roundSeconds: 2, localCloud: true })).toMatchObject({ roundSeconds: 2, localCloud: true });
  });

  it.each([
    [{ roundSeconds: 90 }, /whole number of minutes/],
    [{ roundSeconds: 2 }, /roundSeconds must be an integer in \[60, 86400\]/],
    [{ roundSeconds: 0, localCloud: true }, /roundSeconds must be an integer in \[1, 86400\]/],
    [{ localCloud: 'yes' }, /localCloud must be true or false/],
    [{ roundSeconds: 'soon' }, /roundSeconds must be a number/],
    [{ agentVcpu: 0.25, agentMemoryMiB: 4096 }, /not a Fargate size/],
    [{ removalPolicy: 'snapshot' }, /removalPolicy must be one of retain, destroy/],
    [{ logRetentionDays: 10 }, /logRetentionDays must be one of/],
    [{ llmProvider: 'openai' }, /llmProvider must be one of bedrock, offline/],
    [{ llmModel: 'a model/with slashes' }, /llmModel/],
    [{ supplyVcpu: '-1' }, /SYNTROPISM_SUPPLY_VCPU/],
    [{ payments: 'share' }, /SYNTROPISM_PAYMENTS must be one of burn, ubi/],
    [{ deletionProtection: 'maybe' }, /deletionProtection must be true or false/],
    [{ alarmEmail: 'ops@example.org,root@example.org' }, /alarmEmail must be one e-mail address/],
    [{ alarmEmail: 'nobody' }, /alarmEmail must be one e-mail address/],
    [{ monthlyBudgetUsd: 0 }, /monthlyBudgetUsd must be a positive amount/],
    [{ monthlyBudgetUsd: 'lots' }, /monthlyBudgetUsd must be a number/],
  ])('refuses %j', (context, message) => {
    expect(() => from(context)).toThrow(message);
  });
});

describe('a stack synthesised with other settings', () => {
  let synth: Synthesized;
  let json: Json;
  beforeAll(() => {
    synth = synthesize({ context: { roundSeconds: 120, removalPolicy: 'destroy', agentArchitecture: 'arm64', agentVcpu: 1, agentMemoryMiB: 2048, meteringMaxReceiveCount: 3, supplyTokens: 5000, payments: 'ubi', llmProvider: 'offline' } });
    json = synth.json;
  });
  afterAll(() => synth.dispose());

  it('schedules the oracle at the new period and tells every handler the same', () => {
    synth.template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(2 minutes)' });
    for (const fn of functionsOf(json)) expect(fn.environment, fn.entry).toMatchObject({ ROUND_SECONDS: '120', SYNTROPISM_SUPPLY_TOKENS: '5000', SYNTROPISM_PAYMENTS: 'ubi' });
  });

  it('lets cdk destroy remove the data, without deletion protection', () => {
    const stateful = Object.values(json.Resources as Json).filter((r) => ['AWS::DynamoDB::Table', 'AWS::S3::Bucket'].includes(r.Type));
    expect(stateful).toHaveLength(5);
    for (const r of stateful) expect(r.DeletionPolicy).toBe('Delete');
    for (const r of stateful.filter((x) => x.Type === 'AWS::DynamoDB::Table')) expect(r.Properties.DeletionProtectionEnabled).toBe(false);
  });

  it('sizes and builds the agent task for the chosen architecture', () => {
    synth.template.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '1024', Memory: '2048', RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' } });
    synth.template.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }) });
  });

  it('grants no model access with the offline LLM provider', () => {
    const llm = functionsOf(json).find((f) => f.entry === 'post-chat-completions')!;
    expect(llm.environment.SYNTROPISM_LLM_PROVIDER).toBe('offline');
    expect(JSON.stringify(json)).not.toContain('bedrock:InvokeModel');
  });
});
