/** The ports of the economy's use cases that more than one entry point runs. */
import type { BirthDeps } from '../economy/birth.js';
import type { ChatDeps } from '../economy/chat.js';
import { workspacesOf } from './aws.js';
import type { Base } from './base.js';
import { agentsOf, leasesOf, llmLedgerOf, roundsOf, usageOf } from './dynamodb.js';
import { llmProviderOf } from './llm.js';

export function birthDepsOf(b: Base): BirthDeps {
  return { agents: agentsOf(b), rounds: roundsOf(b), workspaces: workspacesOf(b), config: b.config };
}

export function chatDepsOf(b: Base): ChatDeps {
  return { llm: llmProviderOf(b), llmLedger: llmLedgerOf(b), leases: leasesOf(b), rounds: roundsOf(b), usage: usageOf(b), clock: b.clock, config: b.config };
}
