/**
 * The synthesised stack, construct by construct: the properties a deployment depends on, and the
 * grants (what each role may do, and what it may not).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECORDS_INDEX, TTL_ATTRIBUTE } from '../../adapters/dynamodb/tables.js';
import { AGENT_CONTAINER_NAME, AGENT_IMAGE_CONTEXT } from '../../infra/agents.js';
import { REPO_ROOT } from '../../infra/handler-function.js';
import { Metering } from '../../infra/metering.js';
import { usesOperatorToken } from '../../infra/http-api.js';
import { API_ROUTES, entryPoints, GATE_CACHE_SECONDS, UNROUTED_ENTRIES } from '../../lambdas/routes.js';
import { allowedOn, arnOf, functionsOf, refOf, statementsOf, synthesize, type Json, type Synthesized, type TemplateFunction } from './support/synth.js';

let synth: Synthesized;
let json: Json;
let fns: TemplateFunction[];

beforeAll(() => {
  synth = synthesize();
  json = synth.json;
  fns = functionsOf(json);
});
afterAll(() => synth.dispose());

const resourcesOf = (type: string): [string, Json][] => Object.entries(json.Resources as Json).filter(([, r]) => r.Type === type);
const fnFor = (entry: string): TemplateFunction => {
  const fn = fns.find((f) => f.entry === entry);
  if (!fn) throw new Error(`no function for lambdas/${entry}.ts`);
  return fn;
};
/** The three tables' logical ids, from the variables the handlers read. */
const tables = () => {
  const env = fnFor('oracle').environment;
  return { ledger: refOf(env.LEDGER_TABLE), journal: refOf(env.JOURNAL_TABLE), records: refOf(env.RECORDS_TABLE) };
};

describe('tables', () => {
  it('are on-demand, with point-in-time recovery, retained with deletion protection by default', () => {
    const all = resourcesOf('AWS::DynamoDB::Table');
    expect(all).toHaveLength(3);
    for (const [, table] of all) {
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      });
      expect(table.DeletionPolicy).toBe('Retain');
    }
  });

  it('have the keys of adapters/dynamodb/tables.ts, the TTL on the ledger and the records, and the sparse index on the records', () => {
    const { ledger, journal, records } = tables();
    expect(json.Resources[ledger].Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    });
    expect(json.Resources[journal].Properties.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    // Run secrets, sessions, metering markers and LLM call records expire: without TTL they pile up.
    expect(json.Resources[records].Properties.TimeToLiveSpecification).toEqual({ AttributeName: TTL_ATTRIBUTE, Enabled: true });
    expect(json.Resources[journal].Properties.TimeToLiveSpecification).toBeUndefined();
    expect(json.Resources[records].Properties.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: RECORDS_INDEX,
        KeySchema: [
          { AttributeName: 'gsi1pk', KeyType: 'HASH' },
          { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
  });
});

/** The entry points of the routes table, each with its routes and what they need. */
const entries = () => entryPoints(API_ROUTES);
describe('Lambda functions', () => {
  it('are one per entry point of the API plus the oracle, the audit, the metering consumer and the task-stopped handler, Node 22 on arm64, each with its own log group with retention', () => {
    expect(fns.map((f) => f.entry).sort()).toEqual([...entries().keys(), ...UNROUTED_ENTRIES].sort());
    for (const fn of fns) {
      expect(fn.properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler' });
      const logGroup = json.Resources[fn.properties.LoggingConfig.LogGroup.Ref];
      expect(logGroup.Properties.RetentionInDays).toBe(30);
    }
  });

  it('get no AWS-managed policy: their roles may write their own log group and what the stack grants', () => {
    for (const fn of fns) {
      expect(json.Resources[fn.roleLogicalId].Properties.ManagedPolicyArns).toBeUndefined();
      const logGroupArn = arnOf(fn.properties.LoggingConfig.LogGroup.Ref);
      expect([...allowedOn(statementsOf(json, fn.roleLogicalId), logGroupArn)].sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    }
  });
});

describe('grants', () => {
  // A TransactWriteItems is authorised per item: Put, Update, Delete and ConditionCheck.
  const TRANSACTIONAL = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'];
  const WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

  /**
   * The routes table is the one source of truth for auth and grants: each entry point's function
   * gets exactly what its routes' rules say (the table's access, its callers, its needs), and the
   * API has exactly the table's routes.
   */
  it('give every entry point of the routes table exactly the grants and settings its rules say, and nothing else', () => {
    const secretId = resourcesOf('AWS::SecretsManager::Secret')[0]![0];
    const bucketId = resourcesOf('AWS::S3::Bucket').find(([, b]) => b.Properties.VersioningConfiguration)![0];
    const queueId = resourcesOf('AWS::SQS::Queue').find(([, q]) => q.Properties.RedrivePolicy)![0];
    const seen = { write: 0, read: 0, operator: 0, llm: 0, model: 0, workspaces: 0, meter: 0 };
    for (const [entry, rules] of entries()) {
      const fn = fnFor(entry);
      const statements = statementsOf(json, fn.roleLogicalId);
      for (const table of Object.values(tables())) {
        const allowed = [...allowedOn(statements, arnOf(table))];
        expect(allowed, `${entry} on ${table}`).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan']));
        if (rules.access === 'write') expect(allowed, `${entry} on ${table}`).toEqual(expect.arrayContaining(TRANSACTIONAL));
        else expect(allowed.filter((a) => WRITES.includes(a)), `${entry} on ${table}`).toEqual([]);
      }
      seen[rules.access] += 1;

      const operator = usesOperatorToken(rules);
      expect(allowedOn(statements, { Ref: secretId }).has('secretsmanager:GetSecretValue'), `${entry}: the operator token`).toBe(operator);
      expect(fn.environment.OPERATOR_TOKEN_SECRET_ARN, entry).toEqual(operator ? { Ref: secretId } : undefined);
      if (operator) seen.operator += 1;

      const llm = rules.needs.has('llm');
      expect(fn.environment.SYNTROPISM_LLM_PROVIDER, `${entry}: llm`).toBe(llm ? 'bedrock' : undefined);
      const model = statements.some((st) => st.actions.some((a) => a.startsWith('bedrock:')));
      expect(model, `${entry}: model`).toBe(rules.needs.has('model'));

      const workspaces = statements.some((st) => st.actions.includes('s3:PutObject') && JSON.stringify(st.resources).includes(bucketId));
      expect(workspaces, `${entry}: workspaces`).toBe(rules.needs.has('workspaces'));
      expect(fn.environment.WORKSPACE_BUCKET !== undefined, `${entry}: WORKSPACE_BUCKET`).toBe(rules.needs.has('workspaces'));

      const meter = allowedOn(statements, arnOf(queueId)).has('sqs:SendMessage');
      expect(meter, `${entry}: meter`).toBe(rules.needs.has('meter'));
      expect(fn.environment.METERING_QUEUE_URL !== undefined, `${entry}: METERING_QUEUE_URL`).toBe(rules.needs.has('meter'));
      for (const need of rules.needs) seen[need] += 1;
    }
    // Each kind of rule is exercised (the checks above can tell a grant from its absence).
    for (const [kind, count] of Object.entries(seen)) expect(count, kind).toBeGreaterThan(0);
    expect(seen.operator).toBe(5);
  });

  it('let the oracle write every table, the metering consumer and the task-stopped handler only the records table, and none read the operator token', () => {
    const { ledger, journal, records } = tables();
    const oracle = statementsOf(json, fnFor('oracle').roleLogicalId);
    for (const table of [ledger, journal, records]) expect([...allowedOn(oracle, arnOf(table))], `oracle on ${table}`).toEqual(expect.arrayContaining(TRANSACTIONAL));
    for (const entry of ['metering', 'ecs-task-stopped']) {
      const statements = statementsOf(json, fnFor(entry).roleLogicalId);
      expect([...allowedOn(statements, arnOf(records))], `${entry} on records`).toEqual(expect.arrayContaining(TRANSACTIONAL));
      for (const table of [ledger, journal]) expect([...allowedOn(statements, arnOf(table))], `${entry} on ${table}`).toEqual([]);
    }
    for (const entry of ['oracle', 'metering', 'ecs-task-stopped']) expect(fnFor(entry).environment.OPERATOR_TOKEN_SECRET_ARN).toBeUndefined();
  });

  it('let only the LLM gateway’s completions call the Bedrock model it is configured with, within its deadline', () => {
    for (const fn of fns) {
      const invokes = statementsOf(json, fn.roleLogicalId).filter((s) => s.actions.some((a) => a.startsWith('bedrock:')));
      if (fn.entry !== 'post-chat-completions') {
        expect(invokes, fn.entry).toEqual([]);
        continue;
      }
      // The model's deadline (25 s) and 3 s to settle, within API Gateway's 30 s.
      expect(json.Resources[fn.logicalId].Properties.Timeout).toBe(28);
      expect(fn.environment).toMatchObject({ SYNTROPISM_LLM_PROVIDER: 'bedrock', SYNTROPISM_LLM_MODEL: 'anthropic.claude-3-haiku-20240307-v1:0' });
      expect(invokes).toHaveLength(1);
      expect(invokes[0]!.actions).toEqual(['bedrock:InvokeModel']);
      expect(JSON.stringify(invokes[0]!.resources)).toContain(':foundation-model/anthropic.claude-3-haiku-20240307-v1:0');
    }
  });
});

describe('HTTP API', () => {
  it('has one route per entry of lambdas/routes.ts, each integrated with the function of its entry point', () => {
    const routes = resourcesOf('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(API_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    for (const route of API_ROUTES) {
      const target = routes.find((r) => r.RouteKey === `${route.method} ${route.path}`)!.Target['Fn::Join'][1][1].Ref;
      const uri = json.Resources[target].Properties.IntegrationUri;
      expect(uri, route.path).toEqual(arnOf(fnFor(route.entry).logicalId));
    }
  });

  it('throttles and logs its one stage', () => {
    synth.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('\\$context\\.requestId') },
    });
    expect(resourcesOf('AWS::ApiGatewayV2::Stage')).toHaveLength(1);
  });

  it('holds the human page and the operator routes below the stage limit, signing in slowest, after the routes exist', () => {
    const [stageId, stage] = resourcesOf('AWS::ApiGatewayV2::Stage')[0]!;
    const settings = stage.Properties.RouteSettings as Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }>;
    const limited = API_ROUTES.filter((r) => r.auth === 'human' || r.auth === 'operator').map((r) => `${r.method} ${r.path}`);
    expect(Object.keys(settings).sort()).toEqual(limited.sort());
    expect(settings['POST /human/login']).toEqual({ ThrottlingRateLimit: 1, ThrottlingBurstLimit: 5 });
    for (const key of limited) expect(settings[key]!.ThrottlingRateLimit, key).toBeLessThan(50);
    const routeIds = resourcesOf('AWS::ApiGatewayV2::Route').map(([id]) => id);
    expect(json.Resources[stageId].DependsOn).toEqual(expect.arrayContaining(routeIds));
  });

  it("puts the gate before every agent's and supervisor's route, and only there: a simple-response Lambda authorizer on the Authorization header, its answers cached 5 minutes", () => {
    const authorizers = resourcesOf('AWS::ApiGatewayV2::Authorizer');
    expect(authorizers).toHaveLength(1);
    const [authorizerId, authorizer] = authorizers[0]!;
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: GATE_CACHE_SECONDS,
    });
    expect(GATE_CACHE_SECONDS).toBe(300);
    expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(fnFor('gate').logicalId);
    const routes = resourcesOf('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    for (const route of API_ROUTES) {
      const props = routes.find((r) => r.RouteKey === `${route.method} ${route.path}`)!;
      const gated = route.auth === 'agent' || route.auth === 'supervisor';
      expect(props.AuthorizationType ?? 'NONE', `${route.method} ${route.path}`).toBe(gated ? 'CUSTOM' : 'NONE');
      expect(props.AuthorizerId, `${route.method} ${route.path}`).toEqual(gated ? { Ref: authorizerId } : undefined);
    }
    // API Gateway, and this API only, may invoke it.
    synth.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: arnOf(fnFor('gate').logicalId),
      Principal: 'apigateway.amazonaws.com',
      SourceArn: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('/authorizers/')])]) }),
    });
  });

  it("lets the gate read credentials' items in the records table and nothing else", () => {
    const statements = statementsOf(json, fnFor('gate').roleLogicalId);
    const { ledger, journal, records } = tables();
    expect([...allowedOn(statements, arnOf(records))]).toEqual(['dynamodb:GetItem']);
    for (const table of [ledger, journal]) expect([...allowedOn(statements, arnOf(table))], table).toEqual([]);
    expect(fnFor('gate').environment.OPERATOR_TOKEN_SECRET_ARN).toBeUndefined();
    expect(statements.filter((st) => !st.actions.every((a) => a.startsWith('logs:') || a === 'dynamodb:GetItem'))).toEqual([]);
  });

  it('gives its URL as the ApiUrl output', () => {
    expect(json.Outputs.ApiUrl.Value['Fn::Join'][1]).toEqual(expect.arrayContaining([{ Ref: resourcesOf('AWS::ApiGatewayV2::Api')[0]![0] }]));
  });
});

describe('oracle', () => {
  it('runs every minute on an EventBridge rule, with ROUND_SECONDS to match', () => {
    const oracle = fnFor('oracle');
    synth.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: arnOf(oracle.logicalId), RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 } })],
    });
    expect(oracle.environment.ROUND_SECONDS).toBe('60');
    expect(oracle.properties.Timeout).toBe(60);
  });
});

describe('audit', () => {
  it('runs every 10 minutes on its own rule, reads the ledger and the journal, writes only the records table (and queries it for the census of agents), and never sees the operator token', () => {
    const audit = fnFor('audit');
    synth.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(10 minutes)',
      Targets: [Match.objectLike({ Arn: arnOf(audit.logicalId), RetryPolicy: { MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 600 } })],
    });
    const statements = statementsOf(json, audit.roleLogicalId);
    const { ledger, journal, records } = tables();
    for (const table of [ledger, journal]) {
      const allowed = allowedOn(statements, arnOf(table));
      expect([...allowed], table).toEqual(expect.arrayContaining(['dynamodb:Scan', 'dynamodb:GetItem']));
      expect([...allowed].filter((a) => ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'].includes(a)), table).toEqual([]);
    }
    expect([...allowedOn(statements, arnOf(records))]).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:Query']));
    expect([...allowedOn(statements, arnOf(records))]).not.toContain('dynamodb:Scan');
    expect(audit.environment.OPERATOR_TOKEN_SECRET_ARN).toBeUndefined();
  });
});

describe('metering', () => {
  const queues = () => {
    const [main] = resourcesOf('AWS::SQS::Queue').filter(([, q]) => q.Properties.RedrivePolicy);
    const dlqId = main![1].Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0];
    return { main: main!, dlq: [dlqId, json.Resources[dlqId]] as [string, Json] };
  };

  it('has a queue that dead-letters a message after 5 receives', () => {
    const { main, dlq } = queues();
    // These two, and the three EventBridge targets' dead-letter queues.
    expect(resourcesOf('AWS::SQS::Queue')).toHaveLength(5);
    expect(main[1].Properties.RedrivePolicy.maxReceiveCount).toBe(5);
    expect(dlq[1].Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it('encrypts both queues and refuses them to anything but TLS', () => {
    for (const [id, queue] of Object.values(queues())) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      synth.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    }
  });

  it('feeds the metering consumer, which reports batch item failures', () => {
    const mappings = resourcesOf('AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(1);
    const [, mapping] = mappings[0]!;
    expect(mapping.Properties).toMatchObject({ FunctionResponseTypes: ['ReportBatchItemFailures'], BatchSize: 10 });
    const meteringFunction = fns.find((f) => f.entry === 'metering')!;
    expect(mapping.Properties.FunctionName).toEqual({ Ref: meteringFunction.logicalId });
    const stack = new Stack(new App(), 'MeteringWithConsumer');
    const consumer = new LambdaFunction(stack, 'Consumer', { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('export const handler = async () => ({})'), timeout: Duration.seconds(30) });
    const metering = new Metering(stack, 'Metering', { maxReceiveCount: 3, consumer, consumerTimeout: Duration.seconds(30) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [stack.getLogicalId(metering.queue.node.defaultChild as never), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }), VisibilityTimeout: 180 });
  });
});

describe('workspace bucket', () => {
  const bucket = () => resourcesOf('AWS::S3::Bucket').find(([, b]) => b.Properties.VersioningConfiguration)!;

  it('is encrypted, private, versioned and logged, and refuses anything but TLS', () => {
    const [id, b] = bucket();
    expect(b.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: expect.anything() },
    });
    expect(b.DeletionPolicy).toBe('Retain');
    synth.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });
});

describe('agents', () => {
  const taskDefinition = () => resourcesOf('AWS::ECS::TaskDefinition')[0]![1].Properties;

  it('run on Fargate at 0.25 vCPU and 512 MiB by default, with the image built from agent-container/', () => {
    const td = taskDefinition();
    expect(td).toMatchObject({ Cpu: '256', Memory: '512', RequiresCompatibilities: ['FARGATE'], NetworkMode: 'awsvpc' });
    expect(td.ContainerDefinitions).toHaveLength(1);
    const container = td.ContainerDefinitions[0];
    expect(container.Name).toBe(AGENT_CONTAINER_NAME);
    // Nothing in the definition: per run, RunTask gives the API's address and the sealed secrets.
    expect(container.Environment).toBeUndefined();
    expect(container.LogConfiguration.LogDriver).toBe('awslogs');
    expect(json.Resources[container.LogConfiguration.Options['awslogs-group'].Ref].Properties.RetentionInDays).toBe(30);
  });

  it('stage the image context without building it, holding every path the Dockerfile copies', () => {
    const manifest = JSON.parse(readFileSync(join(synth.outdir, `${synth.stack.artifactId}.assets.json`), 'utf8'));
    const images: Json[] = Object.values(manifest.dockerImages);
    expect(images).toHaveLength(1);
    expect(images[0]!.source).toMatchObject({ dockerFile: 'agent-container/Dockerfile', platform: 'linux/amd64' });
    const context = join(synth.outdir, images[0]!.source.directory);
    const dockerfile = readFileSync(join(REPO_ROOT, 'agent-container/Dockerfile'), 'utf8');
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.trim().split(/\s+/));
    expect(copied.length).toBeGreaterThan(0);
    for (const path of copied) expect(existsSync(join(context, path)), `${path} (Dockerfile COPY) is in the image context`).toBe(true);
    // Only what the image needs: a change to docs or tests does not rebuild it.
    expect(existsSync(join(context, 'docs'))).toBe(false);
    expect(existsSync(join(context, 'node_modules'))).toBe(false);
    expect(AGENT_IMAGE_CONTEXT).toContain('agent-container');
  });

  it('have a task role that can only unseal its run secrets: no DynamoDB, no SQS, no S3', () => {
    const td = taskDefinition();
    const taskRole = td.TaskRoleArn['Fn::GetAtt'][0];
    expect(taskRole).not.toBe(td.ExecutionRoleArn['Fn::GetAtt'][0]);
    const statements = statementsOf(json, taskRole);
    expect(json.Resources[taskRole].Properties.ManagedPolicyArns).toBeUndefined();
    expect(statements.flatMap((s) => s.actions).sort()).toEqual(['kms:Decrypt']);
    const keyId = resourcesOf('AWS::KMS::Key')[0]![0];
    expect(statements.flatMap((s) => s.resources)).toEqual([arnOf(keyId)]);
  });

  it('leave workspaces and metering to the API: only its functions may sign workspace URLs or queue usage', () => {
    const bucketId = resourcesOf('AWS::S3::Bucket').find(([, b]) => b.Properties.VersioningConfiguration)![0];
    const queueId = resourcesOf('AWS::SQS::Queue').find(([, q]) => q.Properties.RedrivePolicy)![0];
    const roles = resourcesOf('AWS::IAM::Role').map(([id]) => id);
    const reaching = (test: (statement: ReturnType<typeof statementsOf>[number]) => boolean) =>
      roles.filter((role) => statementsOf(json, role).some(test)).map((role) => json.Resources[role].Properties.Description ?? role);
    const workspaceWriters = roles.filter((role) =>
      statementsOf(json, role).some((st) => st.actions.includes('s3:PutObject') && JSON.stringify(st.resources).includes(bucketId)),
    );
    const functionsOf = (role: string) =>
      resourcesOf('AWS::Lambda::Function')
        .filter(([, f]) => f.Properties.Role['Fn::GetAtt']?.[0] === role)
        .map(([, f]) => f.Properties.Description as string);
    expect(workspaceWriters.flatMap(functionsOf).map((d) => /\(lambdas\/(.+)\.ts\)/.exec(d)?.[1]).sort()).toEqual(['post-admin-agents', 'post-agents', 'post-run-workspace']);
    const senders = roles.filter((role) => allowedOn(statementsOf(json, role), arnOf(queueId)).has('sqs:SendMessage'));
    expect(senders.flatMap(functionsOf).map((d) => /\(lambdas\/(.+)\.ts\)/.exec(d)?.[1])).toEqual(['post-run-usage']);
    expect(reaching((st) => st.actions.some((a) => a.startsWith('dynamodb:')))).not.toContain('Syntropism agent tasks: unseal the run secrets only (kms:Decrypt, from the launcher); no DynamoDB, SQS or S3');
  });

  it('run in public subnets without NAT gateways, in a security group that admits nothing', () => {
    expect(resourcesOf('AWS::EC2::NatGateway')).toEqual([]);
    expect(resourcesOf('AWS::EC2::Subnet').every(([, s]) => s.Properties.MapPublicIpOnLaunch === true)).toBe(true);
    const groups = resourcesOf('AWS::EC2::SecurityGroup');
    expect(groups).toHaveLength(1);
    expect(groups[0]![1].Properties.SecurityGroupIngress).toBeUndefined();
    expect(resourcesOf('AWS::EC2::SecurityGroupIngress')).toEqual([]);
  });
});

describe('EventBridge targets', () => {
  it('each have the retries they had and a dead-letter queue, encrypted, TLS only, that EventBridge may send to for that rule only', () => {
    const rules = resourcesOf('AWS::Events::Rule');
    expect(rules).toHaveLength(3);
    const retries = rules.map(([, r]) => r.Properties.Targets[0].RetryPolicy.MaximumRetryAttempts).sort();
    expect(retries).toEqual([1, 2, 4]);
    // Every target gives up at some age (an hour at most), into its dead letters.
    for (const [, r] of rules) expect(r.Properties.Targets[0].RetryPolicy.MaximumEventAgeInSeconds).toBeLessThanOrEqual(3600);
    const dlqs = new Set<string>();
    for (const [ruleId, rule] of rules) {
      expect(rule.Properties.Targets).toHaveLength(1);
      const dlqId = rule.Properties.Targets[0].DeadLetterConfig.Arn['Fn::GetAtt'][0] as string;
      dlqs.add(dlqId);
      expect(json.Resources[dlqId].Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
      synth.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: dlqId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Condition: { ArnEquals: { 'aws:SourceArn': arnOf(ruleId) } } }),
          ]),
        },
      });
    }
    expect(dlqs.size).toBe(3);
  });
});

describe('log groups', () => {
  it('all have a retention, the deployment’s', () => {
    const groups = resourcesOf('AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThan(fns.length);
    for (const [id, group] of groups) expect(group.Properties.RetentionInDays, id).toBe(30);
  });

  it('take the logs of every function, CDK’s custom resource providers included, and of Container Insights', () => {
    const functions = resourcesOf('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(fns.length);
    for (const [id, fn] of functions) {
      const group = refOf(fn.Properties.LoggingConfig?.LogGroup);
      expect(json.Resources[group].Type, id).toBe('AWS::Logs::LogGroup');
    }
    const clusterId = resourcesOf('AWS::ECS::Cluster')[0]![0];
    synth.template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: { 'Fn::Join': ['', ['/aws/ecs/containerinsights/', { Ref: clusterId }, '/performance']] },
      RetentionInDays: 30,
    });
  });
});

describe('iam:PassRole', () => {
  it('is granted only with iam:PassedToService ecs-tasks.amazonaws.com, on the agent task’s two roles', () => {
    const passing = resourcesOf('AWS::IAM::Role').flatMap(([role]) => statementsOf(json, role).filter((s) => s.actions.some((a) => /^iam:(PassRole|\*)$|^\*$/.test(a))));
    expect(passing.length).toBeGreaterThan(0);
    for (const statement of passing) {
      expect(statement.actions).toEqual(['iam:PassRole']);
      expect(statement.conditions).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
    }
    const td = resourcesOf('AWS::ECS::TaskDefinition')[0]![1].Properties;
    expect(passing.flatMap((s) => s.resources)).toEqual(expect.arrayContaining([td.TaskRoleArn, td.ExecutionRoleArn]));
    expect(passing.flatMap((s) => s.resources)).toHaveLength(2);
  });
});

describe('outputs', () => {
  it('tell the operator and the runner where everything is', () => {
    const humanPage = API_ROUTES.some((r) => r.method === 'GET' && r.path === '/human') ? ['HumanPageUrl'] : [];
    expect(Object.keys(json.Outputs).sort()).toEqual(
      ['AgentClusterName', 'AgentSecurityGroupId', 'AgentSubnetIds', 'AgentTaskDefinitionArn', 'ApiUrl', 'MeteringQueueUrl', 'OperatorTokenSecretArn', 'WorkspaceBucketName', ...humanPage].sort(),
    );
  });

  it('give the human page as the API URL plus /human', () => {
    if (!API_ROUTES.some((r) => r.path === '/human')) return;
    // ApiUrl ends with the stage's '/'; CDK folds the 'human' suffix into that last part.
    const api: unknown[] = json.Outputs.ApiUrl.Value['Fn::Join'][1];
    expect(api.at(-1)).toBe('/');
    expect(json.Outputs.HumanPageUrl.Value['Fn::Join'][1]).toEqual([...api.slice(0, -1), '/human']);
  });
});
