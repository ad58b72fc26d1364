/**
 * Where agents run: ECS Fargate tasks of one task definition, built from `agent-container/`. The
 * runner starts one task per lease with RunTask, overriding cpu and memory with the lease's
 * bundle (the definition's size is only a default), and passes per task the agent's id, the API
 * URL and the agent's run credential (sealed with KMS), never in the definition itself.
 *
 * Networking without NAT gateways: tasks run in public subnets with a public IP, so they reach
 * the API, S3 (through the URLs the API signs) and ECR directly; their security group admits no
 * inbound traffic at all.
 *
 * Agent code is hostile. In the task, the supervisor (root) runs it as the unprivileged `node`
 * user, with nothing but its workspace, its credential and the API's address. The task role can
 * only unseal the run's secrets (kms:Decrypt, granted by the launcher): no DynamoDB, no SQS, no
 * S3. The supervisor reaches its own agent's workspace and reports usage through the API, with a
 * token agent code never sees (docs/SECURITY.md).
 */
import { Duration, IgnoreMode, Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import { FlowLogDestination, FlowLogTrafficType, SecurityGroup, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { Cluster, ContainerImage, ContainerInsights, CpuArchitecture, FargateTaskDefinition, LogDrivers, OperatingSystemFamily, type ContainerDefinition } from 'aws-cdk-lib/aws-ecs';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { CPU_UNITS_PER_VCPU } from '../economy/resources.js';
import { REPO_ROOT } from './handler-function.js';
import type { AgentArchitecture } from './settings.js';

/**
 * What of the repository the image is built from: everything else is left out of the asset, so
 * that an edit to docs or tests neither changes the image's hash nor uploads anything. Keep in
 * step with the Dockerfile's COPY lines (a test in test/infra checks it).
 */
export const AGENT_IMAGE_CONTEXT = ['package.json', 'package-lock.json', 'tsconfig.json', 'economy', 'agent-container'] as const;

/** The container's name in the task definition: RunTask's overrides address it by this name. */
export const AGENT_CONTAINER_NAME = 'agent';

export interface AgentsProps {
  vcpu: number;
  memoryMiB: number;
  architecture: AgentArchitecture;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

export class Agents extends Construct {
  readonly vpc: Vpc;
  readonly cluster: Cluster;
  readonly taskDefinition: FargateTaskDefinition;
  readonly container: ContainerDefinition;
  readonly securityGroup: SecurityGroup;
  readonly taskRole: Role;

  constructor(scope: Construct, id: string, props: AgentsProps) {
    super(scope, id);
    const logSettings = { retention: props.logRetention, removalPolicy: props.logRemovalPolicy };

    this.vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 }],
      // Rejected traffic only: what knocked on the tasks' closed doors, at little cost.
      flowLogs: {
        rejected: { trafficType: FlowLogTrafficType.REJECT, destination: FlowLogDestination.toCloudWatchLogs(new LogGroup(this, 'FlowLogs', logSettings)) },
      },
    });
    this.securityGroup = new SecurityGroup(this, 'TaskSecurityGroup', {
      vpc: this.vpc,
      description: 'Syntropism agent tasks: no inbound traffic; outbound to the API, S3, SQS and ECR',
      allowAllOutbound: true,
    });
    this.cluster = new Cluster(this, 'Cluster', { vpc: this.vpc, containerInsightsV2: ContainerInsights.ENABLED });
    // Container Insights writes its performance events to this group, which it would otherwise
    // create itself at the first task, with no retention of ours; created here (no task runs
    // before the stack exists) with the deployment's.
    new LogGroup(this, 'ContainerInsightsLogs', { ...logSettings, logGroupName: `/aws/ecs/containerinsights/${this.cluster.clusterName}/performance` });

    const account = Stack.of(this).account;
    this.taskRole = new Role(this, 'TaskRole', {
      // Only ECS tasks of this account may assume it (the confused-deputy guard AWS advises).
      assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com').withConditions({ StringEquals: { 'aws:SourceAccount': account } }),
      description: 'Syntropism agent tasks: unseal the run secrets only (kms:Decrypt, from the launcher); no DynamoDB, SQS or S3',
    });

    const arm = props.architecture === 'arm64';
    this.taskDefinition = new FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: Math.round(props.vcpu * CPU_UNITS_PER_VCPU),
      memoryLimitMiB: props.memoryMiB,
      runtimePlatform: { cpuArchitecture: arm ? CpuArchitecture.ARM64 : CpuArchitecture.X86_64, operatingSystemFamily: OperatingSystemFamily.LINUX },
      taskRole: this.taskRole,
      // The execution role (ECR pull, log delivery) is a separate one that CDK creates and scopes.
    });
    this.container = this.taskDefinition.addContainer(AGENT_CONTAINER_NAME, {
      // `cdk synth` only stages this context; the image is built by `cdk deploy` (needs Docker).
      image: ContainerImage.fromAsset(REPO_ROOT, {
        file: 'agent-container/Dockerfile',
        ignoreMode: IgnoreMode.DOCKER,
        exclude: ['*', ...AGENT_IMAGE_CONTEXT.map((path) => `!${path}`)],
        platform: arm ? Platform.LINUX_ARM64 : Platform.LINUX_AMD64,
      }),
      logging: LogDrivers.awsLogs({ streamPrefix: 'agent', logGroup: new LogGroup(this, 'Logs', logSettings) }),
      // After SIGTERM: time to send the last usage report and sync the workspace back.
      stopTimeout: Duration.seconds(60),
    });

    Validations.of(this.taskDefinition.obtainExecutionRole()).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'The execution role needs ecr:GetAuthorizationToken, which has no resource-level permissions; its image pull and log writes are scoped to the asset repository and the agent log group.',
    });
  }
}
