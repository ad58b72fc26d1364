/**
 * What `cdk deploy` would create, created in the local emulators from the template's own
 * declarations: the DynamoDB tables (key schema, indexes, TTL) in DynamoDB Local; the queues
 * (redrive policies included) and the buckets in fauxqs; the operator token's secret, the KMS keys,
 * the agents' cluster, network and task definition in moto. Each resource's local name, ARN or URL
 * is kept for the intrinsics (intrinsics.ts); the resources that only matter in an account (log
 * groups, alarms, the budget, IAM policies...) get names, and nothing is made for them.
 */
import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { DescribeSubnetsCommand, DescribeVpcsCommand, CreateSecurityGroupCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateClusterCommand, ECSClient, RegisterTaskDefinitionCommand, type RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_ACCOUNT, LOCAL_REGION, Resolver, type ResourceValue } from './intrinsics.js';
import type { Json, Resource, Template } from './template.js';

export interface Emulators {
  /** DynamoDB Local. */
  dynamodb: string;
  /** fauxqs: SQS and S3. */
  fauxqs: string;
  /** moto: Secrets Manager, KMS, ECS, EC2. */
  moto: string;
}

export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** The id the HTTP API has here; its URL in AWS (`https://<id>.execute-api…`) is the local gateway's. */
export const LOCAL_API_ID = 'localapi';

export interface Provisioned {
  values: Map<string, ResourceValue>;
  /** The operator token, as the secret holds it. */
  operatorToken: string;
  /** The agents' cluster's ARN, and the task definition's. */
  cluster?: { arn: string; name: string };
}

const arn = (service: string, resource: string, region: string = LOCAL_REGION) => `arn:aws:${service}:${region}:${LOCAL_ACCOUNT}:${resource}`;

/** Keys of a CloudFormation object in the API's casing (`ContainerDefinitions` → `containerDefinitions`). */
function camel(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camel);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [/^[A-Z]/.test(k) ? k[0]!.toLowerCase() + k.slice(1) : k, camel(v)]));
}

export async function provision(template: Template, emulators: Emulators): Promise<Provisioned> {
  const config = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const values = new Map<string, ResourceValue>();
  const resolver = new Resolver(values);
  const named = (r: Resource, value: ResourceValue) => values.set(r.logicalId, value);

  // Names only: what a reference may name without anything existing here.
  for (const r of template.resources) {
    if (r.type === 'AWS::Lambda::Function') named(r, { ref: r.logicalId, attributes: { Arn: arn('lambda', `function:${r.logicalId}`) } });
    if (r.type === 'AWS::IAM::Role') named(r, { ref: r.logicalId, attributes: { Arn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/${r.logicalId}` } });
    if (r.type === 'AWS::Logs::LogGroup') named(r, { ref: r.logicalId, attributes: { Arn: arn('logs', `log-group:${r.logicalId}:*`) } });
    if (r.type === 'AWS::SNS::Topic') named(r, { ref: arn('sns', r.logicalId), attributes: { TopicName: r.logicalId } });
    if (r.type === 'AWS::ApiGatewayV2::Api') named(r, { ref: LOCAL_API_ID, attributes: { ApiEndpoint: `https://${LOCAL_API_ID}.execute-api.${LOCAL_REGION}.amazonaws.com` } });
    if (r.type === 'AWS::ApiGatewayV2::Integration') named(r, { ref: r.logicalId });
    if (r.type === 'AWS::ApiGatewayV2::Stage') named(r, { ref: String(r.properties.StageName ?? '$default') });
  }

  const dynamodb = new DynamoDBClient({ ...config, endpoint: emulators.dynamodb });
  try {
    for (const r of template.ofType('AWS::DynamoDB::Table')) {
      const p = r.properties;
      const name = String(p.TableName ?? r.logicalId);
      // The template's table properties are the API's, less what CreateTable does not take.
      const { KeySchema, AttributeDefinitions, BillingMode, GlobalSecondaryIndexes, ProvisionedThroughput } = p as Partial<CreateTableCommandInput>;
      const input: CreateTableCommandInput = {
        TableName: name,
        KeySchema,
        AttributeDefinitions,
        BillingMode: BillingMode ?? 'PROVISIONED',
        ...(GlobalSecondaryIndexes ? { GlobalSecondaryIndexes } : {}),
        ...(ProvisionedThroughput ? { ProvisionedThroughput } : {}),
      };
      await dynamodb.send(new CreateTableCommand(input));
      const ttl = p.TimeToLiveSpecification as { AttributeName: string; Enabled: boolean } | undefined;
      if (ttl?.Enabled) await dynamodb.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true } }));
      named(r, { ref: name, attributes: { Arn: arn('dynamodb', `table/${name}`) } });
    }
  } finally {
    dynamodb.destroy();
  }

  const sqs = new SQSClient({ ...config, endpoint: emulators.fauxqs });
  try {
    // Dead-letter queues first: a redrive policy names its queue's ARN.
    const queues = template.ofType('AWS::SQS::Queue').sort((a, b) => Number(Boolean(a.properties.RedrivePolicy)) - Number(Boolean(b.properties.RedrivePolicy)));
    for (const r of queues) {
      const p = r.properties;
      const attributes: Record<string, string> = {};
      if (p.VisibilityTimeout !== undefined) attributes.VisibilityTimeout = String(p.VisibilityTimeout);
      if (p.MessageRetentionPeriod !== undefined) attributes.MessageRetentionPeriod = String(p.MessageRetentionPeriod);
      if (p.RedrivePolicy) attributes.RedrivePolicy = JSON.stringify(resolver.resolve(p.RedrivePolicy, `${r.logicalId}.RedrivePolicy`));
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: String(p.QueueName ?? r.logicalId), Attributes: attributes }));
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
      named(r, { ref: QueueUrl!, attributes: { Arn: Attributes!.QueueArn!, QueueUrl: QueueUrl!, QueueName: String(p.QueueName ?? r.logicalId) } });
    }
  } finally {
    sqs.destroy();
  }

  const s3 = new S3Client({ ...config, endpoint: emulators.fauxqs, forcePathStyle: true });
  try {
    for (const r of template.ofType('AWS::S3::Bucket')) {
      const name = String(r.properties.BucketName ?? r.logicalId.toLowerCase());
      await s3.send(new CreateBucketCommand({ Bucket: name }));
      named(r, { ref: name, attributes: { Arn: `arn:aws:s3:::${name}`, DomainName: `${name}.s3.amazonaws.com`, RegionalDomainName: `${name}.s3.${LOCAL_REGION}.amazonaws.com` } });
    }
  } finally {
    s3.destroy();
  }

  // A 64-character token of letters and digits, as the secret's GenerateSecretString asks.
  const operatorToken = randomBytes(48).toString('base64url').replace(/[-_]/g, '').slice(0, 64).padEnd(64, '0');
  const secrets = new SecretsManagerClient({ ...config, endpoint: emulators.moto });
  try {
    for (const r of template.ofType('AWS::SecretsManager::Secret')) {
      const out = await secrets.send(new CreateSecretCommand({ Name: r.logicalId, SecretString: operatorToken, Description: String(r.properties.Description ?? '') }));
      named(r, { ref: out.ARN! });
    }
  } finally {
    secrets.destroy();
  }

  const kms = new KMSClient({ ...config, endpoint: emulators.moto });
  try {
    for (const r of template.ofType('AWS::KMS::Key')) {
      const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: String(r.properties.Description ?? '') }));
      named(r, { ref: KeyMetadata!.KeyId!, attributes: { Arn: KeyMetadata!.Arn!, KeyId: KeyMetadata!.KeyId! } });
    }
  } finally {
    kms.destroy();
  }

  const ec2 = new EC2Client({ ...config, endpoint: emulators.moto });
  const ecs = new ECSClient({ ...config, endpoint: emulators.moto });
  let cluster: Provisioned['cluster'];
  try {
    // The agents' network: moto checks that tasks' subnets and groups exist, so its default VPC's.
    const { Vpcs = [] } = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
    const vpcId = Vpcs[0]?.VpcId;
    const { Subnets = [] } = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId ?? ''] }] }));
    template.ofType('AWS::EC2::VPC').forEach((r) => named(r, { ref: vpcId ?? r.logicalId }));
    template.ofType('AWS::EC2::Subnet').forEach((r, i) => named(r, { ref: Subnets[i % Math.max(1, Subnets.length)]?.SubnetId ?? r.logicalId }));
    for (const r of template.ofType('AWS::EC2::SecurityGroup')) {
      const { GroupId } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: r.logicalId, Description: String(r.properties.GroupDescription ?? r.logicalId), VpcId: vpcId }));
      named(r, { ref: GroupId!, attributes: { GroupId: GroupId! } });
    }
    for (const r of template.ofType('AWS::ECS::Cluster')) {
      const { cluster: made } = await ecs.send(new CreateClusterCommand({ clusterName: String(r.properties.ClusterName ?? r.logicalId) }));
      cluster = { arn: made!.clusterArn!, name: made!.clusterName! };
      named(r, { ref: made!.clusterName!, attributes: { Arn: made!.clusterArn! } });
    }
    for (const r of template.ofType('AWS::ECS::TaskDefinition')) {
      const input = camel(resolver.resolve(r.properties, r.logicalId)) as RegisterTaskDefinitionCommandInput;
      // moto's RunTask needs each container's memory, which Fargate does not: the task's, as a reservation.
      const containerDefinitions = (input.containerDefinitions ?? []).map((c) => (c.memory || c.memoryReservation ? c : { ...c, memoryReservation: Number(input.memory) }));
      const { taskDefinition } = await ecs.send(new RegisterTaskDefinitionCommand({ ...input, containerDefinitions, family: input.family ?? r.logicalId }));
      named(r, { ref: taskDefinition!.taskDefinitionArn! });
    }
  } finally {
    ec2.destroy();
    ecs.destroy();
  }
  return { values, operatorToken, ...(cluster ? { cluster } : {}) };
}
