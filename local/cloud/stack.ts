/**
 * `npm start -- --cloud`: the economy run by the synthesised template's own wiring instead of the
 * local stack's. The template's tables, queues, buckets, secret, keys and agents' cluster are made
 * in the emulators (provision.ts); each of its functions runs with exactly its template
 * environment (functions.ts); the gateway serves the template's routes, each behind its authorizer
 * if it has one (authorizers.ts), to the function its integration names, as API Gateway v2 events; its rules fire on their schedules and its event
 * source mapping feeds metering (events.ts); the oracle's RunTask and StopTask go to moto's ECS,
 * where the Fargate stand-in runs each task's container (fargate.ts), agent code in the sandbox of
 * `npm start`, with the gateway's unix socket as its only way out. The genesis agent is created
 * as an operator would after a deployment: with `POST /admin/agents`.
 *
 * Each start is a new economy: moto keeps nothing between runs, so neither does DynamoDB here.
 */
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { AwsService } from '../../adapters/aws/service.js';
import { makeDocumentClient } from '../../adapters/dynamodb/client.js';
import { ECS } from '../../adapters/ecs/ecs-runner.js';
import { tablesFromEnv } from '../../adapters/dynamodb/tables.js';
import { OfflineProvider } from '../../adapters/llm/offline.js';
import { loadConfig } from '../../economy/config.js';
import { dynamoDeps, type Deps } from '../../wiring/deps.js';
import { startDynamoDbLocal } from '../dynamodb-local.js';
import { startFauxqsProcess } from '../emulators.js';
import { startGateway, type GatewayRoute } from '../gateway.js';
import { authorizersOf } from './authorizers.js';
import { genesisStrategy } from '../genesis.js';
import { startMoto } from '../moto.js';
import { assertPortFree } from '../preflight.js';
import { bundleRuntime, bundleSupervisor, GENESIS_WORKSPACE } from '../runtime-bundle.js';
import { Teardown } from '../teardown.js';
import { startEventWiring, type EventWiring } from './events.js';
import { startFargateStandIn } from './fargate.js';
import { functionByArn, functionEnv, InvocationError, LocalFunction } from './functions.js';
import { LOCAL_REGION, Resolver } from './intrinsics.js';
import { LOCAL_API_ID, LOCAL_CREDENTIALS, provision, type Emulators } from './provision.js';
import { functionsOf, synthesizeTemplate, type Json, type Template } from './template.js';

export interface CloudStackOptions {
  port: number;
  dataDir: string;
  /** CDK context over cdk.json's (e.g. `{ roundSeconds: 2, localCloud: true }` for short rounds). */
  context?: Record<string, unknown>;
  /** The template to run, if not the one synthesised from `context` (tests give broken ones). */
  template?: Template;
  /** The genesis agent's lease length (its strategy's otherwise). */
  genesisLeaseSeconds?: number;
  log: (line: string) => void;
  onCrash: (what: string) => void;
}

export interface CloudStack {
  url: string;
  operatorToken: string;
  template: Template;
  functions: ReadonlyMap<string, LocalFunction>;
  events: EventWiring;
  /** The economy's tables, read directly: for watching it (local/life.ts), not for changing it. */
  deps: Deps;
  /** The supervisor process of each agent's running task (the Fargate stand-in's). */
  processes(): Promise<ReadonlyMap<string, number>>;
  stop(): Promise<void>;
}

export class RouteWithoutHandlerError extends Error {}

export async function startCloudStack(options: CloudStackOptions): Promise<CloudStack> {
  await assertPortFree(options.port);
  const { log } = options;
  const template = options.template ?? synthesizeTemplate(options.context);
  const teardown = new Teardown();
  const stop = () => teardown.run(log);
  try {
    rmSync(options.dataDir, { recursive: true, force: true });
    mkdirSync(join(options.dataDir, 'dynamodb'), { recursive: true });
    const watch = (what: string, child: { once(event: 'exit', fn: (code: number | null) => void): unknown }) =>
      child.once('exit', (code) => {
        if (!teardown.stopping) options.onCrash(`${what} exited unexpectedly (code ${String(code)})`);
      });
    const [dynamodb, fauxqs, moto] = await Promise.all([startDynamoDbLocal({ dataDir: join(options.dataDir, 'dynamodb') }), startFauxqsProcess(), startMoto()]);
    for (const [what, service] of [['DynamoDB Local', dynamodb], ['fauxqs', fauxqs], ['moto_server', moto]] as const) {
      teardown.add(() => service.stop());
      watch(what, service.process);
    }
    const emulators: Emulators = { dynamodb: dynamodb.endpoint, fauxqs: fauxqs.endpoint, moto: moto.endpoint };
    const provisioned = await provision(template, emulators);

    const url = `http://127.0.0.1:${options.port}`;
    const resolver = new Resolver(provisioned.values, new Map([[`https://${LOCAL_API_ID}.execute-api.${LOCAL_REGION}.amazonaws.com`, url]]));
    const endpoints = {
      AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamodb,
      AWS_ENDPOINT_URL_SQS: emulators.fauxqs,
      AWS_ENDPOINT_URL_S3: emulators.fauxqs,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: emulators.moto,
      AWS_ENDPOINT_URL_KMS: emulators.moto,
      AWS_ENDPOINT_URL_ECS: emulators.moto,
    };
    mkdirSync(join(options.dataDir, 'logs'), { recursive: true });
    const output = createWriteStream(join(options.dataDir, 'logs', 'functions.log'), { flags: 'a' });
    teardown.add(() => new Promise<void>((resolve) => output.end(resolve)));
    const functions = new Map<string, LocalFunction>();
    for (const spec of functionsOf(template)) functions.set(spec.logicalId, new LocalFunction(spec.logicalId, spec, functionEnv(spec, resolver, endpoints), log, output));
    teardown.add(() => Promise.all([...functions.values()].map((fn) => fn.stop())).then(() => undefined));
    const routes = routesOf(template, resolver, functions, log);
    // Cold-start every function, two at a time, as a deployment would fail on one without its handler.
    const loading = [...functions.values()];
    await Promise.all(
      [0, 1].map(async () => {
        for (let fn = loading.shift(); fn; fn = loading.shift()) await fn.load();
      }),
    );

    const runDir = join(options.dataDir, 'run');
    mkdirSync(runDir, { recursive: true, mode: 0o700 });
    const apiSocket = join(runDir, 'api.sock');
    const gateway = await startGateway(routes, { port: options.port, socketPath: apiSocket });
    teardown.add(() => gateway.close());

    const sqs = new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: emulators.fauxqs });
    teardown.close(sqs);
    const queueUrls = new Map(
      template.ofType('AWS::SQS::Queue').map((q) => {
        const value = provisioned.values.get(q.logicalId)!;
        return [value.attributes!.Arn!, value.ref] as const;
      }),
    );
    const events = startEventWiring({ template, resolver, functions, queueUrls, sqs, log });
    teardown.add(() => events.stop());

    // The image's /app: the supervisor and runtime bundles, the genesis files.
    const image = join(options.dataDir, 'image');
    const [supervisor, runtime] = await Promise.all([bundleSupervisor(image), bundleRuntime(image)]);
    const fargate = provisioned.cluster
      ? await startFargateStandIn({
          ecs: new AwsService(ECS, { endpoint: emulators.moto, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
          cluster: provisioned.cluster.arn,
          supervisor,
          runtime,
          genesis: GENESIS_WORKSPACE,
          taskEnv: {
            // The image's Node is 22; this warning of the SDK's is about the local Node 20.
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            AWS_REGION: LOCAL_REGION,
            AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
            AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
            AWS_ENDPOINT_URL_KMS: emulators.moto,
          },
          dataDir: options.dataDir,
          // Agent code's only way out of its sandbox: the gateway's socket.
          apiSocket,
          onStopped: (event) => events.put(event),
          log,
        })
      : undefined;
    // Stopped before the gateway, functions and emulators its supervisors' last reports and uploads need.
    if (fargate) teardown.add(() => fargate.stop());

    const anyEnv = functions.values().next().value?.env ?? {};
    const client = makeDocumentClient({ endpoint: emulators.dynamodb, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    teardown.close(client);
    const observer = dynamoDeps({ client, tables: tablesFromEnv(anyEnv), config: loadConfig(anyEnv), operatorToken: () => Promise.resolve(provisioned.operatorToken), llm: new OfflineProvider() });

    // The genesis endowment the economy's settings give (every function has them).
    const { genesisEndowment } = observer.config;
    await createGenesis({ url, operatorToken: provisioned.operatorToken, endowment: genesisEndowment, log, ...(options.genesisLeaseSeconds ? { leaseSeconds: options.genesisLeaseSeconds } : {}) });
    return {
      url,
      operatorToken: provisioned.operatorToken,
      template,
      functions,
      events,
      deps: observer,
      processes: () =>
        Promise.resolve(new Map((fargate?.running() ?? []).flatMap((task) => (task.agentId && task.pid ? [[task.agentId, task.pid] as const] : [])))),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The template's routes, each to the function its integration names. */
function routesOf(template: Template, resolver: Resolver, functions: ReadonlyMap<string, LocalFunction>, log: (line: string) => void): GatewayRoute[] {
  const authorizers = authorizersOf(template, resolver, functions);
  return template.ofType('AWS::ApiGatewayV2::Route').map((route) => {
    const key = String(route.properties.RouteKey);
    const [method, path] = key.split(' ') as [string, string];
    const target = resolver.string(route.properties.Target, `${route.logicalId}.Target`);
    const integration = /^integrations\/(.+)$/.exec(target)?.[1];
    const uri = integration ? resolver.string(template.resource(integration).properties.IntegrationUri, `${integration}.IntegrationUri`) : undefined;
    const fn = functionByArn(functions, resolver, uri);
    if (!fn) throw new RouteWithoutHandlerError(`route ${key} (${route.logicalId}) leads to ${uri ?? target}, which is none of the template's functions`);
    const authorize = authorizers.of(route);
    return {
      method,
      path,
      handler: async (event: APIGatewayProxyEventV2) => (authorize && (await authorize(event))) ?? invokeForHttp(fn, event, log),
    };
  });
}

/** A function's answer as API Gateway (payload format 2.0) makes it a response; a failure is its 500. */
async function invokeForHttp(fn: LocalFunction, event: APIGatewayProxyEventV2, log: (line: string) => void): Promise<APIGatewayProxyStructuredResultV2> {
  try {
    const result = await fn.invoke(event);
    if (result && typeof result === 'object' && 'statusCode' in result) return result as APIGatewayProxyStructuredResultV2;
    return { statusCode: 200, body: typeof result === 'string' ? result : JSON.stringify(result) };
  } catch (err) {
    log(err instanceof InvocationError ? `function ${err.message}` : `function ${fn.name}: ${String(err)}`);
    return { statusCode: 500, body: JSON.stringify({ message: 'Internal Server Error' }) };
  }
}

/** The genesis agent, created through the API as the operator would: its strategy's bundle and first bid. */
async function createGenesis(options: { url: string; operatorToken: string; endowment: number; leaseSeconds?: number; log: (line: string) => void }): Promise<void> {
  const { url, operatorToken, endowment, leaseSeconds, log } = options;
  const strategy = genesisStrategy();
  const seconds = leaseSeconds ?? strategy.leaseSeconds;
  const res = await fetch(`${url}/admin/agents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json', 'idempotency-key': 'operator:genesis' },
    body: JSON.stringify({
      endowment,
      ...(leaseSeconds ? { files: { 'strategy.json': JSON.stringify({ ...strategy, leaseSeconds: seconds }, null, 2) } } : {}),
      bid: { bundle: { ...strategy.bundle, durationSeconds: seconds }, amount: Math.floor(endowment / 100) },
    }),
  });
  const body = (await res.json()) as Json;
  if (res.status !== 201) throw new Error(`could not create the genesis agent: ${res.status} ${JSON.stringify(body)}`);
  log(`created the genesis agent ${String(body.agentId)} with ${endowment / 1_000_000} credits and its first bid (POST /admin/agents)`);
}
