/**
 * Everything at once, for the processes that run the whole economy in one place (the local stack,
 * the tests, the benchmarks): every adapter over one base, with the services that differ locally
 * (the runner, the workspaces, the metering queue, the model, the operator token) given. Lambda
 * entry points do not use this: each builds only what its handler declares.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Tables } from '../adapters/dynamodb/tables.js';
import type { Config } from '../economy/config.js';
import { operatorCaller, type Caller } from '../economy/credentials.js';
import type { LlmProvider } from '../economy/llm.js';
import type {
  AgentDirectory,
  AuditLog,
  ArtifactBook,
  BidBook,
  Clock,
  DeathWatch,
  Inbox,
  LeaseBook,
  LedgerStore,
  LlmLedger,
  MeterQueue,
  Payments,
  PromptBook,
  RoundLog,
  RunCredentials,
  Runner,
  SessionStore,
  UbiBook,
  UsageStore,
  WorkspaceAccess,
  WorkspaceStore,
} from '../economy/ports.js';
import { baseOf, type Base } from './base.js';
import {
  agentCallerOf,
  agentsOf,
  auditsOf,
  artifactsOf,
  bidsOf,
  deathWatchOf,
  inboxOf,
  leasesOf,
  ledgerOf,
  llmLedgerOf,
  paymentsOf,
  promptsOf,
  roundsOf,
  runCredentialsOf,
  sessionsOf,
  supervisorCallerOf,
  ubiOf,
  usageOf,
} from './dynamodb.js';

export interface Deps {
  base: Base;
  ledger: LedgerStore;
  /** The last scheduled audit. */
  audits: AuditLog;
  payments: Payments;
  agents: AgentDirectory;
  bids: BidBook;
  leases: LeaseBook;
  rounds: RoundLog;
  /** UBI pools and payouts (SYNTROPISM_PAYMENTS=ubi). */
  ubi: UbiBook;
  /** Which agents the round's death pass judges. */
  watch: DeathWatch;
  usage: UsageStore;
  llmLedger: LlmLedger;
  prompts: PromptBook;
  inbox: Inbox;
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
  agentCaller: Caller;
  supervisorCaller: Caller;
  operatorCaller: Caller;
}

const unconfigured = (what: string) => () => Promise.reject(new Error(`${what} is not configured here`));

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
  const base = baseOf({ client: options.client, tables: options.tables, config: options.config, ...(options.clock ? { clock: options.clock } : {}) });
  return {
    base,
    ledger: ledgerOf(base),
    audits: auditsOf(base),
    payments: paymentsOf(base),
    agents: agentsOf(base),
    bids: bidsOf(base),
    leases: leasesOf(base),
    rounds: roundsOf(base),
    ubi: ubiOf(base),
    watch: deathWatchOf(base),
    usage: usageOf(base),
    llmLedger: llmLedgerOf(base),
    prompts: promptsOf(base),
    inbox: inboxOf(base),
    artifacts: artifactsOf(base),
    workspaces: options.workspaces ?? { inherit: unconfigured('agent workspaces'), seed: unconfigured('agent workspaces'), remove: () => Promise.resolve() },
    credentials: runCredentialsOf(base),
    sessions: sessionsOf(base),
    meter: options.meter ?? { send: unconfigured('the metering queue') },
    workspaceAccess: options.workspaceAccess ?? { downloads: unconfigured('workspace access'), uploads: unconfigured('workspace access') },
    llm: options.llm,
    ...(options.runner ? { runner: options.runner } : {}),
    clock: base.clock,
    config: base.config,
    operatorToken: options.operatorToken,
    newId: base.newId,
    agentCaller: agentCallerOf(base),
    supervisorCaller: supervisorCallerOf(base),
    operatorCaller: operatorCaller(options.operatorToken),
  };
}
