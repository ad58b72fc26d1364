/**
 * Operations in the template: the alarm topic, the alarms and what each watches, the dashboard,
 * and the monthly budget, without and with an alarm e-mail.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionsOf, synthesize, type Json, type Synthesized } from './support/synth.js';

const resourcesOf = (json: Json, type: string): [string, Json][] => Object.entries(json.Resources as Json).filter(([, r]) => r.Type === type);
const topicOf = (json: Json): string => {
  const topics = resourcesOf(json, 'AWS::SNS::Topic');
  expect(topics).toHaveLength(1);
  return topics[0]![0];
};
const topicStatements = (json: Json): Json[] => {
  const policies = resourcesOf(json, 'AWS::SNS::TopicPolicy');
  expect(policies).toHaveLength(1);
  expect(policies[0]![1].Properties.Topics).toEqual([{ Ref: topicOf(json) }]);
  return policies[0]![1].Properties.PolicyDocument.Statement;
};
const alarmsOf = (json: Json): Json[] => resourcesOf(json, 'AWS::CloudWatch::Alarm').map(([id, a]) => ({ id, ...(a.Properties as Json) }));
const alarmNamed = (json: Json, id: string) => {
  const found = alarmsOf(json).filter((a) => a.id.startsWith(`Monitoring${id}`));
  expect(found, id).toHaveLength(1);
  return found[0]!;
};

/** A dashboard body as CloudWatch gets it: `Fn::Join`'s parts, with each token (a region, a function's name) as TOKEN. */
const dashboardText = (body: unknown): string =>
  typeof body === 'string' ? body : ((body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join(''));

describe('monitoring, without an alarm e-mail', () => {
  let synth: Synthesized;
  let json: Json;
  beforeAll(() => {
    synth = synthesize();
    json = synth.json;
  });
  afterAll(() => synth.dispose());

  it('has one alarm topic, encrypted with a rotated key of its own, refusing anything but TLS, with no subscription', () => {
    const topic = json.Resources[topicOf(json)];
    const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0];
    expect(json.Resources[keyId].Properties.EnableKeyRotation).toBe(true);
    const keyStatements: Json[] = json.Resources[keyId].Properties.KeyPolicy.Statement;
    expect(keyStatements).toContainEqual(
      expect.objectContaining({ Effect: 'Allow', Principal: { Service: ['budgets.amazonaws.com', 'cloudwatch.amazonaws.com'] }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
    );
    expect(topicStatements(json)).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    expect(resourcesOf(json, 'AWS::SNS::Subscription')).toEqual([]);
  });

  it('lets this account’s alarms and budgets publish to the topic', () => {
    const statements = topicStatements(json);
    for (const service of ['cloudwatch.amazonaws.com', 'budgets.amazonaws.com']) {
      const allow = statements.find((s) => s.Effect === 'Allow' && s.Principal?.Service === service);
      expect(allow, service).toMatchObject({ Action: 'sns:Publish', Resource: { Ref: topicOf(json) }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } });
    }
  });

  it('sends every alarm to the topic', () => {
    const alarms = alarmsOf(json);
    expect(alarms.length).toBeGreaterThanOrEqual(8);
    for (const alarm of alarms) expect(alarm.AlarmActions, alarm.id).toEqual([{ Ref: topicOf(json) }]);
  });

  it('alarms on a usage report in the metering dead-letter queue', () => {
    const mainQueue = resourcesOf(json, 'AWS::SQS::Queue').find(([, q]) => q.Properties.RedrivePolicy)![1];
    const dlq = mainQueue.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0];
    expect(alarmNamed(json, 'MeteringDeadLetters')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
  });

  it('alarms on an event left in a target’s dead-letter queue', () => {
    const alarm = alarmNamed(json, 'EventDeadLetters');
    const queues = (alarm.Metrics as Json[]).filter((m) => m.MetricStat).map((m) => m.MetricStat.Metric.Dimensions[0].Value['Fn::GetAtt'][0]);
    const targets = resourcesOf(json, 'AWS::Events::Rule').map(([, r]) => r.Properties.Targets[0].DeadLetterConfig.Arn['Fn::GetAtt'][0]);
    expect(queues.sort()).toEqual(targets.sort());
    expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 0 });
  });

  it('alarms on the oracle’s errors, and on a missed round: no invocation in 3 round periods, missing data breaching', () => {
    const oracle = functionsOf(json).find((f) => f.entry === 'oracle')!;
    const dimensions = [{ Name: 'FunctionName', Value: { Ref: oracle.logicalId } }];
    expect(alarmNamed(json, 'OracleErrors')).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: dimensions, Statistic: 'Sum', ComparisonOperator: 'GreaterThanThreshold', Threshold: 0 });
    expect(alarmNamed(json, 'MissedRounds')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Invocations',
      Dimensions: dimensions,
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
    });
  });

  it('alarms on audit drift and on agents that failed to start, as the oracle and the audit publish them (EMF, dimension service)', () => {
    expect(alarmNamed(json, 'AuditDrift')).toMatchObject({
      Namespace: 'Syntropism',
      MetricName: 'AuditDrift',
      Dimensions: [{ Name: 'service', Value: 'audit' }],
      Statistic: 'Maximum',
      Period: 600,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
    expect(alarmNamed(json, 'AgentStartFailures')).toMatchObject({
      Namespace: 'Syntropism',
      MetricName: 'AgentStartFailures',
      Dimensions: [{ Name: 'service', Value: 'oracle' }],
      Statistic: 'Sum',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
  });

  it('alarms on more than 5 server errors of the API stage in 5 minutes', () => {
    const apiId = resourcesOf(json, 'AWS::ApiGatewayV2::Api')[0]![0];
    expect(alarmNamed(json, 'Api5xx')).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: expect.arrayContaining([
        { Name: 'ApiId', Value: { Ref: apiId } },
        { Name: 'Stage', Value: '$default' },
      ]),
      Statistic: 'Sum',
      Period: 300,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 5,
    });
  });

  it('alarms on throttles of every function of the stack, 10 to an expression', () => {
    const throttleAlarms = alarmsOf(json).filter((a) => a.id.startsWith('MonitoringLambdaThrottles'));
    const watched = throttleAlarms.flatMap((a) => {
      const metrics = a.Metrics as Json[];
      expect(metrics.filter((m) => m.MetricStat).length).toBeLessThanOrEqual(10);
      expect(metrics.find((m) => m.Expression)!.Expression).toMatch(/^SUM\(\[/);
      expect(a).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 0 });
      return metrics.filter((m) => m.MetricStat).map((m) => {
        expect(m.MetricStat.Metric).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Throttles' });
        return m.MetricStat.Metric.Dimensions[0].Value.Ref as string;
      });
    });
    expect(watched.sort()).toEqual(functionsOf(json).map((f) => f.logicalId).sort());
  });

  it('has a dashboard of the rounds, the agents, the audit, the dead letters and the errors of the oracle and the API', () => {
    const dashboards = resourcesOf(json, 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]![1].Properties.DashboardBody);
    for (const name of ['RoundWinners', 'RoundVolumeMicros', 'RoundSkipped', 'AgentsStarted', 'AgentsDied', 'AuditDrift', 'Circulation', 'ApproximateNumberOfMessagesVisible', 'Errors', '5xx', 'AgentsAlive', 'AgentsLeased', 'AgentsRunning']) {
      expect(body, name).toContain(name);
    }
    // Utilisation, market price and reserve of every resource, by the dimension the oracle publishes them under.
    const widgets = (JSON.parse(dashboardText(dashboards[0]![1].Properties.DashboardBody)) as { widgets: { properties: { metrics?: unknown[][] } }[] }).widgets;
    const series = widgets.flatMap((w) => w.properties.metrics ?? []).map((m) => m.filter((x) => typeof x === 'string').join(' '));
    for (const resource of ['vcpu', 'memoryMiB', 'tokens', 'attention']) {
      for (const name of ['Utilisation', 'MarketPrice', 'ReservePrice']) expect(series, `${name} ${resource}`).toContain(`Syntropism ${name} resource ${resource} service oracle`);
    }
    const apiFunctions = functionsOf(json).filter((f) => !['oracle', 'audit', 'metering', 'ecs-task-stopped'].includes(f.entry));
    for (const fn of [...apiFunctions, functionsOf(json).find((f) => f.entry === 'oracle')!]) expect(body, fn.entry).toContain(fn.logicalId);
  });

  it('has a monthly cost budget of 100 USD, telling the topic at 80 % actual and 100 % forecast', () => {
    const budgets = resourcesOf(json, 'AWS::Budgets::Budget');
    expect(budgets).toHaveLength(1);
    const [, budget] = budgets[0]!;
    expect(budget.Properties.Budget).toEqual({ BudgetType: 'COST', TimeUnit: 'MONTHLY', BudgetLimit: { Amount: 100, Unit: 'USD' } });
    const subscribers = [{ SubscriptionType: 'SNS', Address: { Ref: topicOf(json) } }];
    expect(budget.Properties.NotificationsWithSubscribers).toEqual([
      { Notification: { NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 80, ThresholdType: 'PERCENTAGE' }, Subscribers: subscribers },
      { Notification: { NotificationType: 'FORECASTED', ComparisonOperator: 'GREATER_THAN', Threshold: 100, ThresholdType: 'PERCENTAGE' }, Subscribers: subscribers },
    ]);
    // Created once the topic's policy lets Budgets publish.
    const policyId = resourcesOf(json, 'AWS::SNS::TopicPolicy')[0]![0];
    expect(budgets[0]![1].DependsOn).toEqual(expect.arrayContaining([policyId]));
  });
});

describe('monitoring, with an alarm e-mail and a budget', () => {
  let synth: Synthesized;
  let json: Json;
  beforeAll(() => {
    synth = synthesize({ context: { alarmEmail: 'ops@example.org', monthlyBudgetUsd: '250', roundSeconds: 43_200 } });
    json = synth.json;
  });
  afterAll(() => synth.dispose());

  it('subscribes the address to the alarm topic', () => {
    synth.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.org', TopicArn: { Ref: topicOf(json) } });
    expect(resourcesOf(json, 'AWS::SNS::Subscription')).toHaveLength(1);
  });

  it('e-mails budget notices to the address directly, and lets no budget publish to the topic', () => {
    synth.template.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: Match.objectLike({ BudgetLimit: { Amount: 250, Unit: 'USD' } }),
      NotificationsWithSubscribers: [
        Match.objectLike({ Notification: Match.objectLike({ NotificationType: 'ACTUAL', Threshold: 80 }), Subscribers: [{ SubscriptionType: 'EMAIL', Address: 'ops@example.org' }] }),
        Match.objectLike({ Notification: Match.objectLike({ NotificationType: 'FORECASTED', Threshold: 100 }), Subscribers: [{ SubscriptionType: 'EMAIL', Address: 'ops@example.org' }] }),
      ],
    });
    expect(JSON.stringify(json)).not.toContain('budgets.amazonaws.com');
  });

  it('watches a long round over as many periods as fit in a day', () => {
    expect(alarmNamed(json, 'MissedRounds')).toMatchObject({ Period: 43_200, EvaluationPeriods: 2, DatapointsToAlarm: 2, TreatMissingData: 'breaching' });
  });
});
