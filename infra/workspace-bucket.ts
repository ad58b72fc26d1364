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
   * For the API's functions that write workspaces (births) or sign URLs for one (a run's
   * supervisor): read, write and list objects under `workspaces/`, nothing else in the bucket.
   * Which agent's prefix a request may touch is decided by the function from the caller's token;
   * agent tasks themselves have no S3 rights (docs/SECURITY.md).
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
        "These API functions serve every agent, so the narrowest static scope is the workspaces prefix; each request reaches only the prefix of the agent its caller's token names (economy/runs.ts, economy/birth.ts). Agent tasks have no S3 rights.",
    });
  }
}
