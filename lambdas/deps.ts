/**
 * What handlers need, as ports, and the default wiring from the environment (the CDK stack and
 * the local stack set the same variables). Handlers are built by `makeHandler(deps)`; each
 * module's exported `handler` wires itself lazily on its first invocation, so importing a
 * handler constructs nothing.
 */
import { monotonicFactory } from 'ulid';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoAgentDirectory } from '../adapters/dynamodb/agents.js';
import { DynamoArtifacts } from '../adapters/dynamodb/artifacts.js';
import { DynamoBidBook } from '../adapters/dynamodb/bids.js';
import { makeDocumentClient } from '../adapters/dynamodb/client.js';
import { DynamoLedgerStore } from '../adapters/dynamodb/ledger.js';
import { DynamoLlmLedger } from '../adapters/dynamodb/llm-ledger.js';
import { DynamoMessenger } from '../adapters/dynamodb/messages.js';
import { DynamoPayments } from '../adapters/dynamodb/payments.js';
import { DynamoPromptBook } from '../adapters/dynamodb/prompts.js';
import { DynamoRunCredentials } from '../adapters/dynamodb/run-credentials.js';
import { DynamoRoundLog } from '../adapters/dynamodb/rounds.js';
import { DynamoSessionStore } from '../adapters/dynamodb/sessions.js';
import { DynamoUsageStore } from '../adapters/dynamodb/usage.js';
import { tablesFromEnv, type Tables } from '../adapters/dynamodb/tables.js';
import { EcsRunner } from '../adapters/ecs/ecs-runner.js';
import { llmProviderFromEnv } from '../adapters/llm/provider.js';
import { operatorTokenSource } from '../adapters/secrets/operator-token.js';
import { S3Workspaces } from '../adapters/workspace/s3.js';
import { S3WorkspaceAccess } from '../adapters/workspace/s3-access.js';
import { SqsMeterQueue } from '../adapters/sqs/meter-queue.js';
import { SQSClient } from '@aws-sdk/client-sqs';
import { loadConfig, type Config } from '../economy/config.js';
import type { LauncherDeps } from '../economy/launcher.js';
import type { LlmProvider } from '../economy/llm.js';
import { systemClock, type AgentDirectory, type ArtifactBook, type BidBook, type Clock, type LedgerStore, type LlmLedger, type Messenger, type Payments, type PromptBook, type MeterQueue, type RoundLog, type RunCredentials, type Runner, type SessionStore, type UsageStore, type WorkspaceAccess, type WorkspaceStore } from '../economy/ports.js';

export interface Deps {
  ledger: LedgerStore;
  payments: Payments;
  agents: AgentDirectory;
  bids: BidBook;
  rounds: RoundLog;
  usage: UsageStore;
  llmLedger: LlmLedger;
  prompts: PromptBook;
  messages: Messenger;
  artifacts: ArtifactBook;
  /** Agents' workspaces (births write them). */
  workspaces: WorkspaceStore;
  /** Run credentials (the launcher issues, extends and revokes them). */
  credentials: RunCredentials;
  /** The human page's sessions. */
  sessions: SessionStore;
  /** The metering queue (runs' usage goes there). */
  meter: MeterQueue;
  /** Short-lived access to a workspace, for a run's supervisor in AWS. */
  workspaceAccess: WorkspaceAccess;
  llm: LlmProvider;
  /** Runs agents for their leases; absent where this deployment runs none (the API alone). */
  runner?: Runner;
  clock: Clock;
  config: Config;
  operatorToken: () => Promise<string>;
  newId: () => string;
}

export function dynamoDeps(options: {
  client: DynamoDBDocumentClient;
  tables: Tables;
  config: Config;
  operatorToken: () => Promise<string>;
  llm: LlmProvider;
  runner?: Runner;
  workspaces?: WorkspaceStore;
  meter?: MeterQueue;
  workspaceAccess?: WorkspaceAccess;
  clock?: Clock;
}): Deps {
  const clock = options.clock ?? systemClock;
  const newId = monotonicFactory();
  const ledger = new DynamoLedgerStore({
    client: options.client,
    tables: options.tables,
    clock,
    newId,
    burnShards: options.config.burnShards,
    idempotencyTtlSeconds: options.config.idempotencyTtlSeconds,
  });
  const bids = new DynamoBidBook(options.client, options.tables, ledger);
  return {
    ledger,
    payments: new DynamoPayments(options.tables, ledger),
    agents: new DynamoAgentDirectory(options.client, options.tables, ledger),
    bids,
    rounds: new DynamoRoundLog(options.client, options.tables),
    usage: new DynamoUsageStore(options.client, options.tables),
    llmLedger: new DynamoLlmLedger(options.client, options.tables, options.config.idempotencyTtlSeconds),
    prompts: new DynamoPromptBook(options.client, options.tables, ledger, bids, options.config.promptTtlSeconds),
    messages: new DynamoMessenger(options.tables, ledger),
    artifacts: new DynamoArtifacts(options.client, options.tables, ledger),
    workspaces: options.workspaces ?? unconfiguredWorkspaces,
    credentials: new DynamoRunCredentials(options.client, options.tables),
    sessions: new DynamoSessionStore(options.client, options.tables),
    meter: options.meter ?? { send: () => Promise.reject(new Error('the metering queue is not configured here (METERING_QUEUE_URL)')) },
    workspaceAccess: options.workspaceAccess ?? {
      downloads: () => Promise.reject(new Error('workspace access is not configured here (WORKSPACE_BUCKET)')),
      uploads: () => Promise.reject(new Error('workspace access is not configured here (WORKSPACE_BUCKET)')),
    },
    llm: options.llm,
    ...(options.runner ? { runner: options.runner } : {}),
    clock,
    config: options.config,
    operatorToken: options.operatorToken,
    newId,
  };
}

export function defaultDeps(env: Record<string, string | undefined> = process.env): Deps {
  return dynamoDeps({
    client: makeDocumentClient(),
    tables: tablesFromEnv(env),
    config: loadConfig(env, env.SYNTROPISM_MODE === 'local' ? 'local' : 'aws'),
    operatorToken: operatorTokenSource(env),
    llm: llmProviderFromEnv(env),
    ...(env.AGENT_CLUSTER ? { runner: ecsRunnerFromEnv(env) } : {}),
    ...(env.WORKSPACE_BUCKET ? { workspaces: new S3Workspaces(env.WORKSPACE_BUCKET), workspaceAccess: new S3WorkspaceAccess(env.WORKSPACE_BUCKET) } : {}),
    ...(env.METERING_QUEUE_URL ? { meter: new SqsMeterQueue(new SQSClient({}), env.METERING_QUEUE_URL) } : {}),
  });
}

/** Where no workspace store is configured (WORKSPACE_BUCKET unset): births are refused with why. */
const unconfiguredWorkspaces: WorkspaceStore = {
  inherit: () => Promise.reject(new Error('agent workspaces are not configured here (WORKSPACE_BUCKET)')),
  seed: () => Promise.reject(new Error('agent workspaces are not configured here (WORKSPACE_BUCKET)')),
  remove: () => Promise.resolve(),
};

/** The launcher's ports. */
export function launcherDeps(deps: Deps & { runner: Runner }): LauncherDeps {
  return { bids: deps.bids, runner: deps.runner, clock: deps.clock, credentials: deps.credentials };
}

function required(env: Record<string, string | undefined>, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} must be set`);
  return value;
}

/** Agents as Fargate tasks, configured by the CDK stack's environment. */
function ecsRunnerFromEnv(env: Record<string, string | undefined>): EcsRunner {
  return new EcsRunner({
    ecs: new ECSClient({}),
    kms: new KMSClient({}),
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

/** A handler built on its first call, so that importing its module constructs nothing. */
export function lazy<A extends unknown[], R>(make: () => (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  let built: ((...args: A) => Promise<R>) | undefined;
  return (...args: A) => {
    built ??= make();
    return built(...args);
  };
}
