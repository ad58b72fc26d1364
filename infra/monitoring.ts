/**
 * Operations: an SNS topic for alarms (KMS-encrypted, TLS only; e-mailed to `alarmEmail` when the
 * context gives one), the alarms that watch the economy and its machinery, a dashboard of the
 * rounds, the agents, the audit and the errors, and a monthly cost budget.
 *
 * The economy's own numbers come from the embedded metric format that the oracle and the audit
 * write to their logs (Powertools Metrics: namespace `Syntropism`, dimension `service`); the rest
 * are AWS's metrics of the functions, the queues and the API stage.
 */
import { Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import { CfnBudget } from 'aws-cdk-lib/aws-budgets';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RESOURCES, type Resource } from '../economy/resources.js';
import { METRICS_NAMESPACE } from '../lambdas/metrics-namespace.js';

export interface MonitoringProps {
  /** Where alarms and budget notices go by e-mail; without it, budget notices go to the topic. */
  alarmEmail?: string;
  monthlyBudgetUsd: number;
  /** The oracle's period: a round is missed when the oracle is not invoked in it. */
  roundSeconds: number;
  oracle: IFunction;
  /** How often the audit runs: the period of its metrics. */
  auditEvery: Duration;
  meteringDeadLetters: IQueue;
  /** The EventBridge targets' dead-letter queues, by name. */
  eventDeadLetters: Record<string, IQueue>;
  /** The HTTP API's id and stage. */
  apiId: string;
  apiStage: string;
  /** The API's functions, by entry point. */
  apiFunctions: ReadonlyMap<string, IFunction>;
  /** Every Lambda function of the stack's own (for throttles). */
  functions: readonly IFunction[];
  /** The topic's key's fate on `cdk destroy`. */
  removalPolicy: RemovalPolicy;
}

/** CloudWatch allows at most 10 metrics in one alarm's math expression. */
const METRICS_PER_EXPRESSION = 10;
/** An alarm's periods may span one day at most. */
const ONE_DAY_SECONDS = 86_400;

export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;
  readonly budget: CfnBudget;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { account, partition, region } = Stack.of(this);

    // A key of our own: the AWS-managed alias/aws/sns key's policy cannot admit CloudWatch or Budgets.
    const key = new Key(this, 'TopicKey', {
      description: 'Syntropism: encrypts the alarm topic',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    const publishers = ['cloudwatch.amazonaws.com', ...(props.alarmEmail ? [] : ['budgets.amazonaws.com'])];
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AlarmPublishers',
        principals: publishers.map((p) => new ServicePrincipal(p)),
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        // The key serves this topic only; which alarms and budgets may publish is the topic policy's to say.
        resources: ['*'],
      }),
    );
    this.topic = new Topic(this, 'AlarmTopic', { displayName: 'Syntropism alarms', masterKey: key, enforceSSL: true });
    // A topic policy replaces SNS's default one, so the publishers are named: this account's alarms, and its budgets when they notify the topic.
    const mayPublish = (sid: string, service: string, sourceArn: string) =>
      this.topic.addToResourcePolicy(
        new PolicyStatement({
          sid,
          principals: [new ServicePrincipal(service)],
          actions: ['sns:Publish'],
          resources: [this.topic.topicArn],
          conditions: { StringEquals: { 'aws:SourceAccount': account }, ArnLike: { 'aws:SourceArn': sourceArn } },
        }),
      );
    mayPublish('CloudWatchAlarms', 'cloudwatch.amazonaws.com', `arn:${partition}:cloudwatch:${region}:${account}:alarm:*`);
    if (!props.alarmEmail) {
      mayPublish('Budgets', 'budgets.amazonaws.com', `arn:${partition}:budgets::${account}:*`);
    } else {
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    }

    const five = Duration.minutes(5);
    // A round, or a minute for a local template's shorter rounds (CloudWatch's periods are whole minutes above 30 s).
    const round = Duration.seconds(Math.max(60, props.roundSeconds));
    const economy = (service: 'oracle' | 'audit', metricName: string, statistic: string, period: Duration) =>
      new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service }, statistic, period });
    const alarm = (
      id: string,
      description: string,
      metric: IMetric,
      options: { threshold?: number; comparison?: ComparisonOperator; periods?: number; missing?: TreatMissingData } = {},
    ) => {
      const a = new Alarm(this, id, {
        alarmDescription: `Syntropism: ${description}`,
        metric,
        threshold: options.threshold ?? 0,
        comparisonOperator: options.comparison ?? ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: options.periods ?? 1,
        datapointsToAlarm: options.periods ?? 1,
        treatMissingData: options.missing ?? TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(new SnsAction(this.topic));
      this.alarms.push(a);
      return a;
    };

    /** Several metrics as one (`MAX` or `SUM`), for an alarm or a graph line. */
    const combined = (fn: 'MAX' | 'SUM', metrics: IMetric[], label: string) =>
      new MathExpression({ expression: `${fn}([${metrics.map((_, i) => `m${i}`).join(', ')}])`, usingMetrics: Object.fromEntries(metrics.map((m, i) => [`m${i}`, m])), label, period: five });

    const dlqDepth = props.meteringDeadLetters.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: five });
    alarm('MeteringDeadLetters', 'usage reports in the metering dead-letter queue (the consumer kept failing on them)', dlqDepth);
    const eventDlqs = Object.entries(props.eventDeadLetters);
    const eventDlqDepth = combined(
      'MAX',
      eventDlqs.map(([, q]) => q.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: five })),
      'Events dead-lettered (deepest queue)',
    );
    alarm('EventDeadLetters', `events their targets kept failing on, in a dead-letter queue (${eventDlqs.map(([name]) => name).join(', ')})`, eventDlqDepth);

    const oracleErrors = props.oracle.metricErrors({ statistic: 'Sum', period: five });
    alarm('OracleErrors', 'the oracle failed (a round threw)', oracleErrors);
    // A rate(n minutes) rule fires once per period; no invocation in 3 periods in a row is a stopped
    // economy. The periods may span a day at most, so a round of more than 8 hours is watched over fewer.
    const roundPeriods = Math.max(1, Math.min(3, Math.floor(ONE_DAY_SECONDS / round.toSeconds())));
    const oracleInvocations = props.oracle.metricInvocations({ statistic: 'Sum', period: round });
    alarm('MissedRounds', `the oracle was not invoked in ${roundPeriods} round period(s) in a row`, oracleInvocations, {
      threshold: 1,
      comparison: ComparisonOperator.LESS_THAN_THRESHOLD,
      periods: roundPeriods,
      missing: TreatMissingData.BREACHING,
    });
    const auditDrift = economy('audit', 'AuditDrift', 'Maximum', props.auditEvery);
    alarm('AuditDrift', 'the ledger audit found drift (money created or lost outside the rules)', auditDrift);

    const api5xx = new Metric({ namespace: 'AWS/ApiGateway', metricName: '5xx', dimensionsMap: { ApiId: props.apiId, Stage: props.apiStage }, statistic: 'Sum', period: five });
    alarm('Api5xx', 'more than 5 server errors from the API in 5 minutes', api5xx, { threshold: 5 });
    const startFailures = economy('oracle', 'AgentStartFailures', 'Sum', five);
    alarm('AgentStartFailures', "agents' tasks failed to start (RunTask refused: quota, capacity, image)", startFailures);

    // Throttles of every function, summed in groups (an alarm's expression takes 10 metrics at most).
    for (let start = 0, group = 1; start < props.functions.length; start += METRICS_PER_EXPRESSION, group += 1) {
      const chunk = props.functions.slice(start, start + METRICS_PER_EXPRESSION);
      const throttles = combined('SUM', chunk.map((fn) => fn.metricThrottles({ statistic: 'Sum', period: five })), 'Lambda throttles');
      alarm(`LambdaThrottles${group}`, `Lambda throttles (functions ${start + 1}-${start + chunk.length} of ${props.functions.length})`, throttles);
    }

    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(6) });
    const graph = (title: string, left: IMetric[], right: IMetric[] = []) => new GraphWidget({ title, left, right, width: 12, height: 6 });
    const oracleMetric = (name: string, statistic = 'Sum') => economy('oracle', name, statistic, round);
    const resourceMetric = (metricName: string, resource: Resource) =>
      new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: 'oracle', resource }, statistic: 'Average', period: round });
    const apiErrors = [...props.apiFunctions].map(([entry, fn]) => fn.metricErrors({ statistic: 'Sum', period: five, label: entry }));
    this.dashboard.addWidgets(
      new TextWidget({ markdown: '# Syntropism\nRounds, agents, the ledger audit and the machinery. Alarms: the stack\'s alarms (docs/DEPLOY.md).', width: 24, height: 2 }),
    );
    this.dashboard.addWidgets(
      graph('Rounds', [oracleMetric('RoundWinners'), oracleMetric('RoundSkipped')], [oracleMetric('RoundVolumeMicros')]),
      graph('Agents', [oracleMetric('AgentsStarted'), oracleMetric('AgentsDied'), oracleMetric('AgentStartFailures')]),
    );
    // How many live (the audit's census), hold a lease and run (the oracle's reconcile), as last seen.
    this.dashboard.addWidgets(
      graph('Agents alive, leased, running', [
        economy('audit', 'AgentsAlive', 'Maximum', props.auditEvery).with({ label: 'alive' }),
        oracleMetric('AgentsLeased', 'Maximum').with({ label: 'leased' }),
        oracleMetric('AgentsRunning', 'Maximum').with({ label: 'running' }),
      ]),
      graph('Utilisation: allocated over offered (%)', RESOURCES.map((r) => resourceMetric('Utilisation', r).with({ label: r }))),
    );
    // Each resource's price beside its reserve, in pico-credits per unit(-second): scales differ, so a graph each.
    this.dashboard.addWidgets(
      ...RESOURCES.map(
        (r) =>
          new GraphWidget({
            title: `${r}: market price and reserve (pico-credits)`,
            left: [resourceMetric('MarketPrice', r).with({ label: 'market price' }), resourceMetric('ReservePrice', r).with({ label: 'reserve' })],
            width: 6,
            height: 6,
          }),
      ),
    );
    this.dashboard.addWidgets(
      graph('Ledger audit', [auditDrift], [economy('audit', 'Circulation', 'Maximum', props.auditEvery)]),
      graph('Dead letters', [dlqDepth.with({ label: 'Metering DLQ depth' }), eventDlqDepth]),
    );
    this.dashboard.addWidgets(graph('Oracle errors and invocations', [oracleErrors], [oracleInvocations]), graph('API functions: errors', apiErrors));
    this.dashboard.addWidgets(graph('API 5xx', [api5xx]));

    // The whole account's cost (a budget cannot be limited to one stack without a cost allocation tag).
    const subscribers = props.alarmEmail ? [{ subscriptionType: 'EMAIL', address: props.alarmEmail }] : [{ subscriptionType: 'SNS', address: this.topic.topicArn }];
    this.budget = new CfnBudget(this, 'MonthlyBudget', {
      budget: { budgetType: 'COST', timeUnit: 'MONTHLY', budgetLimit: { amount: props.monthlyBudgetUsd, unit: 'USD' } },
      notificationsWithSubscribers: [
        { notification: { notificationType: 'ACTUAL', comparisonOperator: 'GREATER_THAN', threshold: 80, thresholdType: 'PERCENTAGE' }, subscribers },
        { notification: { notificationType: 'FORECASTED', comparisonOperator: 'GREATER_THAN', threshold: 100, thresholdType: 'PERCENTAGE' }, subscribers },
      ],
    });
    // Budgets checks that it may publish when the budget is created: after the topic's policy.
    if (!props.alarmEmail) this.budget.node.addDependency(this.topic);
  }
}
