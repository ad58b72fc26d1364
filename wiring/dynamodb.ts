/** The DynamoDB adapters, each built once per base (they share its ledger), and the callers they identify. */
import { DynamoAgentDirectory } from '../adapters/dynamodb/agents.js';
import { DynamoArtifacts } from '../adapters/dynamodb/artifacts.js';
import { DynamoBidBook } from '../adapters/dynamodb/bids.js';
import { DynamoDeathWatch, watchPut } from '../adapters/dynamodb/death-watch.js';
import { DynamoLedgerStore } from '../adapters/dynamodb/ledger.js';
import { DynamoLlmLedger } from '../adapters/dynamodb/llm-ledger.js';
import { DynamoAuditLog } from '../adapters/dynamodb/audits.js';
import { DynamoInbox } from '../adapters/dynamodb/inbox.js';
import { DynamoLeaseBook } from '../adapters/dynamodb/leases.js';
import { DynamoPayments } from '../adapters/dynamodb/payments.js';
import { DynamoPromptBook } from '../adapters/dynamodb/prompts.js';
import { DynamoRoundLog } from '../adapters/dynamodb/rounds.js';
import { DynamoRunCredentials } from '../adapters/dynamodb/run-credentials.js';
import { DynamoSessionStore } from '../adapters/dynamodb/sessions.js';
import { DynamoUbiBook } from '../adapters/dynamodb/ubi.js';
import { DynamoUsageStore } from '../adapters/dynamodb/usage.js';
import { agentCaller, supervisorCaller, type Caller } from '../economy/credentials.js';
import { once, type Base } from './base.js';

export function ledgerOf(b: Base): DynamoLedgerStore {
  return once(b, ledgerOf, () =>
    new DynamoLedgerStore({
      client: b.client,
      tables: b.tables,
      clock: b.clock,
      newId: b.newId,
      burnShards: b.config.burnShards,
      idempotencyTtlSeconds: b.config.idempotencyTtlSeconds,
      watch: (accountId, at) => watchPut(b.tables, accountId, at),
    }),
  );
}
export function deathWatchOf(b: Base): DynamoDeathWatch {
  return once(b, deathWatchOf, () => new DynamoDeathWatch(b.client, b.tables));
}
export function paymentsOf(b: Base): DynamoPayments {
  return once(b, paymentsOf, () => new DynamoPayments(b.tables, ledgerOf(b)));
}
export function agentsOf(b: Base): DynamoAgentDirectory {
  return once(b, agentsOf, () => new DynamoAgentDirectory(b.client, b.tables, ledgerOf(b)));
}
export function bidsOf(b: Base): DynamoBidBook {
  return once(b, bidsOf, () => new DynamoBidBook(b.client, b.tables, ledgerOf(b), b.config.roundSeconds));
}
export function ubiOf(b: Base): DynamoUbiBook {
  return once(b, ubiOf, () => new DynamoUbiBook(b.client, b.tables, ledgerOf(b), b.clock, b.config.idempotencyTtlSeconds));
}
export function leasesOf(b: Base): DynamoLeaseBook {
  return once(b, leasesOf, () => new DynamoLeaseBook(b.client, b.tables));
}
export function auditsOf(b: Base): DynamoAuditLog {
  return once(b, auditsOf, () => new DynamoAuditLog(b.client, b.tables));
}
export function roundsOf(b: Base): DynamoRoundLog {
  return once(b, roundsOf, () => new DynamoRoundLog(b.client, b.tables));
}
export function usageOf(b: Base): DynamoUsageStore {
  return once(b, usageOf, () => new DynamoUsageStore(b.client, b.tables));
}
export function llmLedgerOf(b: Base): DynamoLlmLedger {
  return once(b, llmLedgerOf, () => new DynamoLlmLedger(b.client, b.tables, b.config.idempotencyTtlSeconds));
}
export function promptsOf(b: Base): DynamoPromptBook {
  return once(b, promptsOf, () => new DynamoPromptBook(b.client, b.tables, ledgerOf(b), leasesOf(b), b.config.promptTtlSeconds));
}
export function inboxOf(b: Base): DynamoInbox {
  return once(b, inboxOf, () => new DynamoInbox(b.client, b.tables, ledgerOf(b)));
}
export function artifactsOf(b: Base): DynamoArtifacts {
  return once(b, artifactsOf, () => new DynamoArtifacts(b.client, b.tables, ledgerOf(b)));
}
export function runCredentialsOf(b: Base): DynamoRunCredentials {
  return once(b, runCredentialsOf, () => new DynamoRunCredentials(b.client, b.tables));
}
export function sessionsOf(b: Base): DynamoSessionStore {
  return once(b, sessionsOf, () => new DynamoSessionStore(b.client, b.tables));
}

/** Agents, known by their own credentials or their runs'. */
export function agentCallerOf(b: Base): Caller {
  return once(b, agentCallerOf, () => agentCaller(agentsOf(b), b.clock));
}
/** Runs' supervisors, known by their supervisor tokens. */
export function supervisorCallerOf(b: Base): Caller {
  return once(b, supervisorCallerOf, () => supervisorCaller(runCredentialsOf(b), b.clock));
}
