/**
 * The HTTP API: the routes table of `lambdas/routes.ts` (which the handlers and the local gateway
 * read too), one Lambda per entry point, behind API Gateway's HTTP API with throttling on its one
 * stage and on the operator's and human's routes, the gate (a Lambda authorizer) before the agents'
 * and supervisors' routes, and JSON access logs. Each function gets what its routes' rules say and nothing more:
 * read or read-write on the tables (read-write includes every action a `TransactWriteItems`
 * needs), the operator token where the operator or the human is the caller, the model's settings
 * (`llm`) and the right to call it (`model`), the workspace bucket (`workspaces`), the metering
 * queue (`meter`).
 */
import { Duration, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { CfnStage, HttpApi, HttpMethod, HttpStage, type HttpRoute, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { entryPoints, GATE_CACHE_SECONDS, GATED, throttleOf, type ApiRoute, type EntryPoint } from '../lambdas/routes.js';
import { HandlerFunction } from './handler-function.js';
import { grantInvokeModel, llmEnvironment } from './llm.js';
import type { Metering } from './metering.js';
import type { OperatorToken } from './operator-token.js';
import type { DeploySettings } from './settings.js';
import type { EconomyTables } from './tables.js';
import type { WorkspaceBucket } from './workspace-bucket.js';

export interface HttpApiProps {
  routes: readonly ApiRoute[];
  tables: EconomyTables;
  operatorToken: OperatorToken;
  /** For the routes that need `workspaces`. */
  workspaces: WorkspaceBucket;
  /** For the routes that need `meter`. */
  metering: Metering;
  /** Variables every handler gets (table names, economy settings). */
  environment: Record<string, string>;
  /** The LLM gateway's provider, for the LLM routes, and how long a model call may take. */
  llm: DeploySettings['llm'];
  throttle: { rateLimit: number; burstLimit: number };
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

/** The human page's path (its sign-in form when signed out). */
export const HUMAN_PAGE_PATH = '/human';

/**
 * Package files an entry point reads from disk at run time: the human page serves uPlot's
 * browser build from its npm package (lambdas/human/assets.ts).
 */
export const PACKAGE_FILES: Readonly<Record<string, readonly string[]>> = {
  human: ['uplot/dist/uPlot.iife.min.js', 'uplot/dist/uPlot.min.css'],
};

/** Whether an entry point's callers include the operator or the human (both are known by the operator token). */
export const usesOperatorToken = (entry: EntryPoint): boolean => entry.auth.has('operator') || entry.auth.has('human');

export class AgentHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  /** Each entry point's function, by entry (`get-me`, `human`…, and `gate`, the authorizer). */
  readonly functions = new Map<string, NodejsFunction>();
  private readonly hasHumanPage: boolean;

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    this.hasHumanPage = props.routes.some((r) => r.method === 'GET' && r.path === HUMAN_PAGE_PATH);
    this.api = new HttpApi(this, 'Api', {
      description: 'Syntropism: the agent API and the operator routes',
      // One explicit stage, to give it throttling and access logs.
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: props.logRemovalPolicy });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        // HTTP API variables (the REST API's defaults name some that HTTP APIs lack).
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            httpMethod: '$context.httpMethod',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    // The gate: agents' and supervisors' requests without a live credential stop here, before their
    // route's function (lambdas/gate.ts); API Gateway answers a request without the header itself.
    const gate = new HandlerFunction(this, 'Gate', {
      entry: 'gate',
      description: "Syntropism gate: the API's authorizer for agents' and supervisors' routes (lambdas/gate.ts)",
      environment: props.environment,
      timeout: Duration.seconds(5),
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
    }).function;
    props.tables.grantCredentialLookup(gate);
    this.functions.set('gate', gate);
    const authorizer = new HttpLambdaAuthorizer('Gate', gate, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: ['$request.header.Authorization'],
      resultsCacheTtl: Duration.seconds(GATE_CACHE_SECONDS),
    });

    // One function per entry point; routes that share an entry (the human page's) share its function.
    const routes: HttpRoute[] = [];
    for (const [name, entry] of entryPoints(props.routes)) {
      const keys = entry.routes.map((r) => `${r.method} ${r.path}`);
      const description = `Syntropism ${keys.join(', ')} (lambdas/${name}.ts)`;
      const fn = new HandlerFunction(this, `Route-${name}`, {
        entry: name,
        // Lambda allows 256 characters.
        description: description.length <= 256 ? description : `Syntropism ${keys.length} routes (lambdas/${name}.ts)`,
        environment: entry.needs.has('llm') ? { ...props.environment, ...llmEnvironment(props.llm) } : props.environment,
        // Within API Gateway's 30 s integration limit, with room for the SDK's retries; a model
        // call gets its own deadline and 3 s more to settle what it used.
        timeout: Duration.seconds(entry.needs.has('model') ? props.llm.timeoutSeconds + 3 : 15),
        logRetention: props.logRetention,
        logRemovalPolicy: props.logRemovalPolicy,
        ...(PACKAGE_FILES[name] ? { packageFiles: PACKAGE_FILES[name] } : {}),
      }).function;
      if (entry.access === 'write') props.tables.grantReadWrite(fn);
      else props.tables.grantRead(fn);
      if (usesOperatorToken(entry)) props.operatorToken.grantVerify(fn);
      if (entry.needs.has('model') && props.llm.provider === 'bedrock') grantInvokeModel(this, fn, props.llm.model);
      if (entry.needs.has('workspaces')) {
        fn.addEnvironment('WORKSPACE_BUCKET', props.workspaces.bucket.bucketName);
        props.workspaces.grantWorkspaces(fn);
      }
      if (entry.needs.has('meter')) {
        fn.addEnvironment('METERING_QUEUE_URL', props.metering.queue.queueUrl);
        props.metering.grantSend(fn);
      }

      const integration = new HttpLambdaIntegration(`Integration-${name}`, fn);
      for (const route of entry.routes) {
        routes.push(...this.api.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration, ...(GATED.has(route.auth) ? { authorizer } : {}) }));
      }
      this.functions.set(name, fn);
    }

    // The routes the table holds below the stage's limit (lambdas/routes.ts, `throttleOf`).
    const routeSettings = Object.fromEntries(
      props.routes.flatMap((route) => {
        const limit = throttleOf(route);
        return limit ? [[`${route.method} ${route.path}`, { ThrottlingRateLimit: limit.rate, ThrottlingBurstLimit: limit.burst }]] : [];
      }),
    );
    (this.stage.node.defaultChild as CfnStage).routeSettings = routeSettings;
    // A stage's route settings name routes that must exist first.
    this.stage.node.addDependency(...routes);

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        "The agents' and supervisors' routes have the gate (a Lambda authorizer); the operator's routes (the operator token, checked by their handlers) and the human page's (a session cookie; its sign-in form is open by nature) have none, and are held to 5 requests a second (sign-in to 1) by route throttles instead.",
    });
  }

  /** The API's base URL (the `$default` stage's, with a trailing slash). */
  get url(): string {
    return this.stage.url;
  }

  /** The human page's URL, when the routes include it. */
  get humanPageUrl(): string | undefined {
    return this.hasHumanPage ? `${this.url}${HUMAN_PAGE_PATH.slice(1)}` : undefined;
  }
}
