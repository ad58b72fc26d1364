/**
 * The HTTP API: the routes of `lambdas/routes.ts` (the table the local gateway serves too), one
 * Lambda per entry point, behind API Gateway's HTTP API with throttling on its one stage and JSON
 * access logs. Functions whose routes only read (GET) get read grants; those that move money or
 * change records get read-write grants, which include every action a `TransactWriteItems` needs.
 * Only functions that check the operator token can read it, and only the LLM gateway's completions may call the model.
 */
import { Duration, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HandlerFunction } from './handler-function.js';
import { grantInvokeModel, llmEnvironment } from './llm.js';
import type { OperatorToken } from './operator-token.js';
import type { DeploySettings } from './settings.js';
import type { EconomyTables } from './tables.js';

/** What the construct needs of a route: `lambdas/routes.ts`'s `ApiRoute` satisfies it. */
export interface RouteDefinition {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  entry: string;
}

export interface HttpApiProps {
  routes: readonly RouteDefinition[];
  tables: EconomyTables;
  operatorToken: OperatorToken;
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

/**
 * Routes that need the operator token: the admin API (bearer token) and the human page (signs in
 * with the token and signs its sessions with it). Every other route authenticates an agent.
 */
export const usesOperatorToken = (route: RouteDefinition): boolean => route.path.startsWith('/admin/') || route.path === HUMAN_PAGE_PATH || route.path.startsWith(`${HUMAN_PAGE_PATH}/`);

/** A GET never writes (HTTP's safe method); every other route may. */
export const writesData = (route: RouteDefinition): boolean => route.method !== 'GET';

/** The LLM gateway's routes (OpenAI's shape, under /v1/): they know the model; the completions route alone calls it. */
export const isLlmRoute = (route: RouteDefinition): boolean => route.path.startsWith('/v1/');
export const callsTheModel = (route: RouteDefinition): boolean => route.path === '/v1/chat/completions';

export class AgentHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  /** Each entry point's function, by entry (`get-me`, `human`…). */
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

    // One function per entry point; routes that share an entry (the human page's) share its function.
    const byEntry = new Map<string, RouteDefinition[]>();
    for (const route of props.routes) byEntry.set(route.entry, [...(byEntry.get(route.entry) ?? []), route]);

    for (const [entry, routes] of byEntry) {
      const keys = routes.map((r) => `${r.method} ${r.path}`);
      const description = `Syntropism ${keys.join(', ')} (lambdas/${entry}.ts)`;
      const fn = new HandlerFunction(this, `Route-${entry}`, {
        entry,
        // Lambda allows 256 characters.
        description: description.length <= 256 ? description : `Syntropism ${keys.length} routes (lambdas/${entry}.ts)`,
        environment: routes.some(isLlmRoute) ? { ...props.environment, ...llmEnvironment(props.llm) } : props.environment,
        // Within API Gateway's 30 s integration limit, with room for the SDK's retries; a model
        // call gets its own deadline and 3 s more to settle what it used.
        timeout: Duration.seconds(routes.some(callsTheModel) ? props.llm.timeoutSeconds + 3 : 15),
        logRetention: props.logRetention,
        logRemovalPolicy: props.logRemovalPolicy,
        ...(PACKAGE_FILES[entry] ? { packageFiles: PACKAGE_FILES[entry] } : {}),
      }).function;
      if (routes.some(writesData)) props.tables.grantReadWrite(fn);
      else props.tables.grantRead(fn);
      if (routes.some(usesOperatorToken)) props.operatorToken.grantVerify(fn);
      if (routes.some(callsTheModel) && props.llm.provider === 'bedrock') grantInvokeModel(this, fn, props.llm.model);

      const integration = new HttpLambdaIntegration(`Integration-${entry}`, fn);
      for (const route of routes) this.api.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration });
      this.functions.set(entry, fn);
    }

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Every handler authenticates its caller itself: an agent by its bearer credential, looked up by hash (lambdas/http/route.ts), the operator by the operator token or the human page session it signs; an API Gateway authorizer would repeat that lookup.',
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
