/**
 * The AWS services besides DynamoDB, each configured by the CDK stack's environment: agents'
 * workspaces in S3 (`WORKSPACE_BUCKET`), the metering queue (`METERING_QUEUE_URL`), and agents as
 * Fargate tasks (`AGENT_*`, `RUN_CREDENTIAL_KEY_ID`). Each is reached through adapters/aws/service.ts
 * (signed fetch, no SDK client), configured as an SDK client would be (region, credentials,
 * `AWS_ENDPOINT_URL_<SERVICE>`). Each entry point imports only the factories it uses.
 */
import { AwsService } from '../adapters/aws/service.js';
import { ECS, EcsRunner, KMS } from '../adapters/ecs/ecs-runner.js';
import { SQS, SqsMeterQueue } from '../adapters/sqs/meter-queue.js';
import { S3Workspaces } from '../adapters/workspace/s3.js';
import { S3WorkspaceAccess } from '../adapters/workspace/s3-access.js';
import { S3, S3Bucket } from '../adapters/workspace/s3-bucket.js';
import type { MeterQueue, Runner, WorkspaceAccess, WorkspaceStore } from '../economy/ports.js';
import { once, required, type Base } from './base.js';

function workspaceBucketOf(b: Base): S3Bucket {
  return once(b, workspaceBucketOf, () => new S3Bucket(new AwsService(S3, {}, b.env), required(b.env, 'WORKSPACE_BUCKET')));
}
export function workspacesOf(b: Base): WorkspaceStore {
  return once(b, workspacesOf, () => new S3Workspaces(workspaceBucketOf(b)));
}
export function workspaceAccessOf(b: Base): WorkspaceAccess {
  return once(b, workspaceAccessOf, () => new S3WorkspaceAccess(workspaceBucketOf(b)));
}
export function meterOf(b: Base): MeterQueue {
  return once(b, meterOf, () => new SqsMeterQueue(new AwsService(SQS, {}, b.env), required(b.env, 'METERING_QUEUE_URL')));
}

/** Agents as Fargate tasks, where this deployment runs them (`AGENT_CLUSTER` set); none otherwise. */
export function runnerOf(b: Base): Runner | undefined {
  return once(b, runnerOf, () => (b.env.AGENT_CLUSTER ? ecsRunnerFromEnv(b.env) : undefined));
}

function ecsRunnerFromEnv(env: Base['env']): EcsRunner {
  return new EcsRunner({
    ecs: new AwsService(ECS, {}, env),
    kms: new AwsService(KMS, {}, env),
    kmsKeyId: required(env, 'RUN_CREDENTIAL_KEY_ID'),
    cluster: required(env, 'AGENT_CLUSTER'),
    taskDefinition: required(env, 'AGENT_TASK_DEFINITION'),
    containerName: required(env, 'AGENT_CONTAINER_NAME'),
    subnets: required(env, 'AGENT_SUBNETS').split(','),
    securityGroups: required(env, 'AGENT_SECURITY_GROUPS').split(','),
    assignPublicIp: env.AGENT_ASSIGN_PUBLIC_IP === 'true',
    // The stage URL ends in '/': paths are appended to it.
    env: { SYNTROPISM_API_URL: required(env, 'AGENT_API_URL').replace(/\/+$/, '') },
  });
}
