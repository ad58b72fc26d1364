/**
 * What handlers need, as ports, and the default wiring from the environment (the CDK stack and
 * the local stack set the same variables). Handlers are built by `makeHandler(deps)`; each
 * module's exported `handler` wires itself lazily on its first invocation, so importing a
 * handler constructs nothing.
 */
import { monotonicFactory } from 'ulid';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAgentDirectory } from '../adapters/dynamodb/agents.js';
import { DynamoBucketStore } from '../adapters/dynamodb/buckets.js';
import { DynamoBidBook } from '../adapters/dynamodb/bids.js';
import { makeDocumentClient } from '../adapters/dynamodb/client.js';
import { DynamoLedgerStore } from '../adapters/dynamodb/ledger.js';
import { DynamoRoundLog } from '../adapters/dynamodb/rounds.js';
import { DynamoUsageStore } from '../adapters/dynamodb/usage.js';
import { tablesFromEnv, type Tables } from '../adapters/dynamodb/tables.js';
import { llmProviderFromEnv } from '../adapters/llm/provider.js';
import { operatorTokenSource } from '../adapters/secrets/operator-token.js';
import { loadConfig, type Config } from '../economy/config.js';
import type { LlmProvider } from '../economy/llm.js';
import { systemClock, type AgentDirectory, type BidBook, type BucketStore, type Clock, type LedgerStore, type RoundLog, type UsageStore } from '../economy/ports.js';

export interface Deps {
  ledger: LedgerStore;
  agents: AgentDirectory;
  bids: BidBook;
  rounds: RoundLog;
  usage: UsageStore;
  buckets: BucketStore;
  llm: LlmProvider;
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
  return {
    ledger,
    agents: new DynamoAgentDirectory(options.client, options.tables, ledger),
    bids: new DynamoBidBook(options.client, options.tables, ledger),
    rounds: new DynamoRoundLog(options.client, options.tables),
    usage: new DynamoUsageStore(options.client, options.tables),
    buckets: new DynamoBucketStore(options.client, options.tables),
    llm: options.llm,
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
