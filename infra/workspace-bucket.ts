/**
 * The agents' workspaces: each agent's code and state under `workspaces/<agentId>/`, synced down
 * when its task starts and back when it stops, so that a workspace outlives any one lease.
 * Encrypted, private, TLS only, versioned (an agent that rewrites its own code badly can be
 * rolled back), with its access logged to a second bucket.
 */
import { Duration, Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import { Effect, PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type CfnBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeOnGrantee } from './nag.js';

/** Where workspaces live in the bucket: `workspaces/<agentId>/…`. */
export const WORKSPACE_PREFIX = 'workspaces/';

export interface WorkspaceBucketProps {
  removalPolicy: RemovalPolicy;
}

export class WorkspaceBucket extends Construct {
  readonly bucket: Bucket;
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: WorkspaceBucketProps) {
    super(scope, id);
    const common = {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: props.removalPolicy,
    };
    // S3 server access logs can only be delivered to an SSE-S3 bucket, hence S3-managed keys here.
    this.accessLogs = new Bucket(this, 'AccessLogs', {
      ...common,
      lifecycleRules: [{ expiration: Duration.days(90) }],
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket of the workspace bucket; logging it into itself would log its own log deliveries without end.',
    });

    this.bucket = new Bucket(this, 'Bucket', {
      ...common,
      versioned: true,
      // Old versions are for rollback, not an archive.
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(7) }],
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'workspace-bucket/',
    });
  }

  /**
   * What an agent task may do: read, write and list objects under `workspaces/`, nothing else in
   * the bucket. IAM cannot tell one agent's task from another's when they share a task role, so
   * the agent id in the prefix is the runtime's convention, not an IAM boundary (docs/DEPLOY.md).
   */
  grantWorkspaces(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [this.bucket.arnForObjects(`${WORKSPACE_PREFIX}*`)],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${WORKSPACE_PREFIX}*`] } },
      }),
    );
    const bucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnBucket);
    acknowledgeOnGrantee(grantee, {
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${WORKSPACE_PREFIX}*]`,
      reason:
        "Agent tasks share one task role and the agent a task runs is chosen at RunTask, so the narrowest static scope is the workspaces prefix; the per-agent prefix is the runtime's convention (docs/DEPLOY.md).",
    });
  }
}
