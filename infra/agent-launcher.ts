/**
 * What lets the oracle run agents as Fargate tasks, and notices when one dies early:
 * - a KMS key that seals each run's credential (the oracle encrypts, the agent's task decrypts);
 * - the oracle's environment for the ECS runner and the rights it needs: RunTask of the agent task
 *   definition in the agent cluster, passing its two roles, and stopping, listing, describing and
 *   tagging tasks in that cluster;
 * - an EventBridge rule for the cluster's stopped tasks, feeding `lambdas/ecs-task-stopped.ts`,
 *   which ends the run's secrets and closes the lease of a task that died before its lease ended.
 */
import { Duration, Stack, type CfnElement, type RemovalPolicy } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Agents } from './agents.js';
import { eventDeadLetterQueue } from './event-dead-letters.js';
import { HandlerFunction } from './handler-function.js';
import { acknowledgeOnGrantee } from './nag.js';
import type { EconomyTables } from './tables.js';

export interface AgentLauncherProps {
  oracle: NodejsFunction;
  agents: Agents;
  tables: EconomyTables;
  /** The agent API's URL, which running agents call. */
  apiUrl: string;
  /** Variables every handler gets (table names, economy settings). */
  environment: Record<string, string>;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

export class AgentLauncher extends Construct {
  readonly credentialKey: Key;
  readonly taskStopped: NodejsFunction;
  readonly rule: Rule;
  /** Task-stopped events the handler still failed on after the target's retries. */
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string, props: AgentLauncherProps) {
    super(scope, id);
    const { agents, oracle } = props;
    this.credentialKey = new Key(this, 'RunCredentialKey', {
      description: "Syntropism: seals each agent run's secrets (encryption context: the agent id)",
      enableKeyRotation: true,
      removalPolicy: props.logRemovalPolicy,
    });
    // Encrypt only (grantEncrypt would add GenerateDataKey* and ReEncrypt*, which sealing does not use).
    oracle.addToRolePolicy(new PolicyStatement({ actions: ['kms:Encrypt'], resources: [this.credentialKey.keyArn] }));
    this.credentialKey.grantDecrypt(agents.taskRole);

    const runner = {
      AGENT_CLUSTER: agents.cluster.clusterName,
      AGENT_TASK_DEFINITION: agents.taskDefinition.taskDefinitionArn,
      AGENT_CONTAINER_NAME: agents.container.containerName,
      AGENT_SUBNETS: agents.vpc.publicSubnets.map((s) => s.subnetId).join(','),
      AGENT_SECURITY_GROUPS: agents.securityGroup.securityGroupId,
      AGENT_ASSIGN_PUBLIC_IP: 'true',
      AGENT_API_URL: props.apiUrl,
      RUN_CREDENTIAL_KEY_ID: this.credentialKey.keyArn,
    };
    for (const [name, value] of Object.entries(runner)) oracle.addEnvironment(name, value);

    const { partition, region, account } = Stack.of(this);
    const tasksInCluster = `arn:${partition}:ecs:${region}:${account}:task/${agents.cluster.clusterName}/*`;
    oracle.addToRolePolicy(
      new PolicyStatement({
        actions: ['ecs:RunTask'],
        resources: [agents.taskDefinition.taskDefinitionArn],
        conditions: { ArnEquals: { 'ecs:cluster': agents.cluster.clusterArn } },
      }),
    );
    oracle.addToRolePolicy(new PolicyStatement({ actions: ['ecs:TagResource'], resources: [tasksInCluster] }));
    oracle.addToRolePolicy(new PolicyStatement({ actions: ['ecs:StopTask', 'ecs:DescribeTasks'], resources: [tasksInCluster] }));
    oracle.addToRolePolicy(
      new PolicyStatement({ actions: ['ecs:ListTasks'], resources: ['*'], conditions: { ArnEquals: { 'ecs:cluster': agents.cluster.clusterArn } } }),
    );
    // RunTask passes the task and execution roles; only to ECS tasks (grantPassRole has no condition).
    oracle.addToRolePolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [agents.taskDefinition.taskRole.roleArn, agents.taskDefinition.obtainExecutionRole().roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }),
    );
    acknowledgeOnGrantee(oracle, {
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/<${Stack.of(this).getLogicalId(agents.cluster.node.defaultChild as CfnElement)}>/*]`,
      reason: 'Agent tasks are created at run time (one per lease), so their ARNs are known only as the tasks of the agent cluster: StopTask, DescribeTasks and TagResource are limited to those.',
    });
    acknowledgeOnGrantee(oracle, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecs:ListTasks has no resource-level permissions; it is limited to the agent cluster by the ecs:cluster condition.',
    });

    this.taskStopped = new HandlerFunction(this, 'TaskStopped', {
      entry: 'ecs-task-stopped',
      description: "Syntropism: closes the lease of an agent's task that stopped early (lambdas/ecs-task-stopped.ts)",
      environment: props.environment,
      timeout: Duration.seconds(30),
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
    }).function;
    // It closes a lease and revokes a run's credential: both in the records table.
    props.tables.grantRecords(this.taskStopped);
    this.rule = new Rule(this, 'TaskStoppedRule', {
      description: "Syntropism: an agent's ECS task stopped",
      eventPattern: { source: ['aws.ecs'], detailType: ['ECS Task State Change'], detail: { clusterArn: [agents.cluster.clusterArn], lastStatus: ['STOPPED'] } },
    });
    this.deadLetters = eventDeadLetterQueue(this, 'TaskStoppedDeadLetters');
    // The handler is idempotent; an event still undelivered after an hour goes to the dead letters, whose alarm shows it.
    this.rule.addTarget(new LambdaFunction(this.taskStopped, { retryAttempts: 4, maxEventAge: Duration.hours(1), deadLetterQueue: this.deadLetters }));
  }
}
