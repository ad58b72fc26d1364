/**
 * The whole deployment as one stack: tables, the operator token, the HTTP API, the oracle, the audit,
 * metering, the workspace bucket, the agents' Fargate setup, and the alarms, dashboard and budget.
 * Environment-agnostic (no account or region is looked up), so `cdk synth` needs no AWS credentials.
 */
import { Annotations, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { API_ROUTES } from '../lambdas/routes.js';
import { AgentLauncher } from './agent-launcher.js';
import { LedgerAudit } from './audit.js';
import { Agents } from './agents.js';
import { HandlerFunction } from './handler-function.js';
import { giveEveryFunctionALogGroup } from './log-retention.js';
import { AgentHttpApi } from './http-api.js';
import { Metering } from './metering.js';
import { Monitoring } from './monitoring.js';
import { OperatorToken } from './operator-token.js';
import { Oracle } from './oracle.js';
import type { DeploySettings } from './settings.js';
import { EconomyTables } from './tables.js';
import { WorkspaceBucket } from './workspace-bucket.js';

export interface SyntropismStackProps extends StackProps {
  settings: DeploySettings;
}

export class SyntropismStack extends Stack {
  readonly tables: EconomyTables;
  readonly api: AgentHttpApi;
  readonly oracle: Oracle;
  readonly audit: LedgerAudit;
  readonly metering: Metering;
  readonly workspaces: WorkspaceBucket;
  readonly agents: Agents;
  readonly launcher: AgentLauncher;
  readonly operatorToken: OperatorToken;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: SyntropismStackProps) {
    super(scope, id, { description: 'Syntropism: an economy of autonomous agents bidding for real resources', ...props });
    const { settings } = props;
    if (settings.localCloud) {
      Annotations.of(this).addWarningV2(
        'syntropism:localCloud',
        'context localCloud is set: this template is for `npm start -- --cloud` alone; CloudFormation refuses a schedule finer than a minute',
      );
    }
    const logs = { logRetention: settings.logRetention, logRemovalPolicy: settings.removalPolicy };

    this.tables = new EconomyTables(this, 'Tables', { removalPolicy: settings.removalPolicy, deletionProtection: settings.deletionProtection });
    this.operatorToken = new OperatorToken(this, 'OperatorToken');
    // What every handler reads: the tables, the round period, and the economy settings given in context.
    const environment = { ...this.tables.environment, ROUND_SECONDS: String(settings.roundSeconds), ...settings.economyEnv };

    this.oracle = new Oracle(this, 'Oracle', { tables: this.tables, roundSeconds: settings.roundSeconds, environment, ...logs });
    this.audit = new LedgerAudit(this, 'Audit', { tables: this.tables, environment, ...logs });
    const meteringTimeout = Duration.seconds(30);
    const meteringConsumer = new HandlerFunction(this, 'MeteringConsumer', {
      entry: 'metering',
      description: 'Syntropism metering: usage reports from SQS, applied once each (lambdas/metering.ts)',
      environment,
      timeout: meteringTimeout,
      ...logs,
    }).function;
    // Usage is kept in the records table; metering moves no money.
    this.tables.grantRecords(meteringConsumer);
    this.metering = new Metering(this, 'Metering', { maxReceiveCount: settings.meteringMaxReceiveCount, consumer: meteringConsumer, consumerTimeout: meteringTimeout });
    this.workspaces = new WorkspaceBucket(this, 'Workspaces', { removalPolicy: settings.removalPolicy });
    this.agents = new Agents(this, 'Agents', {
      vcpu: settings.agentVcpu,
      memoryMiB: settings.agentMemoryMiB,
      architecture: settings.agentArchitecture,
      ...logs,
    });

    this.api = new AgentHttpApi(this, 'HttpApi', {
      routes: API_ROUTES,
      tables: this.tables,
      operatorToken: this.operatorToken,
      workspaces: this.workspaces,
      metering: this.metering,
      environment,
      llm: settings.llm,
      throttle: { rateLimit: settings.apiRateLimit, burstLimit: settings.apiBurstLimit },
      ...logs,
    });
    this.launcher = new AgentLauncher(this, 'Launcher', {
      oracle: this.oracle.function,
      agents: this.agents,
      tables: this.tables,
      apiUrl: this.api.url,
      environment,
      ...logs,
    });

    this.monitoring = new Monitoring(this, 'Monitoring', {
      ...(settings.alarmEmail ? { alarmEmail: settings.alarmEmail } : {}),
      monthlyBudgetUsd: settings.monthlyBudgetUsd,
      roundSeconds: settings.roundSeconds,
      oracle: this.oracle.function,
      auditEvery: this.audit.every,
      meteringDeadLetters: this.metering.deadLetters,
      eventDeadLetters: { oracle: this.oracle.deadLetters, audit: this.audit.deadLetters, 'task-stopped': this.launcher.deadLetters },
      apiId: this.api.api.apiId,
      apiStage: this.api.stage.stageName,
      apiFunctions: this.api.functions,
      functions: this.node.findAll().flatMap((c) => (c instanceof HandlerFunction ? [c.function] : [])),
      removalPolicy: settings.removalPolicy,
    });

    // Last, once every construct (and the functions CDK adds for custom resources) exists.
    giveEveryFunctionALogGroup(this, { retention: settings.logRetention, removalPolicy: settings.removalPolicy });

    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    output('ApiUrl', this.api.url, 'The agent API (and the operator routes under /admin/)');
    const humanPage = this.api.humanPageUrl;
    if (humanPage) output('HumanPageUrl', humanPage, 'The human page: sign in with the operator token');
    output('OperatorTokenSecretArn', this.operatorToken.secret.secretArn, 'aws secretsmanager get-secret-value --secret-id <this> gives the operator token');
    output('MeteringQueueUrl', this.metering.queue.queueUrl, 'Usage reports from running agents');
    output('WorkspaceBucketName', this.workspaces.bucket.bucketName, 'Agent workspaces, under workspaces/<agentId>/');
    output('AgentClusterName', this.agents.cluster.clusterName, 'The ECS cluster agent tasks run in');
    output('AgentTaskDefinitionArn', this.agents.taskDefinition.taskDefinitionArn, 'The agent task definition (RunTask overrides cpu and memory per lease)');
    output('AgentSubnetIds', this.agents.vpc.publicSubnets.map((s) => s.subnetId).join(','), 'Subnets for agent tasks (assignPublicIp: ENABLED)');
    output('AgentSecurityGroupId', this.agents.securityGroup.securityGroupId, 'The security group for agent tasks');
  }
}
