/**
 * GET /market?history=N: the round number, where payments go and, per resource, capacity, the
 * supply the last round offered and the supply free now, reserve, market price, utilisation and
 * occupancy, with the last N rounds (default 20) as history; and the LLM budget: the provider, its
 * prices and what each round's calls spent.
 */
import type { Clock, LeaseBook, LlmLedger, RoundLog } from '../economy/ports.js';
import { heldByLeases } from '../economy/market.js';
import type { Config } from '../economy/config.js';
import * as z from 'zod/mini';
import type { LlmModel } from '../economy/llm.js';
import { marketView } from '../economy/market-view.js';
import { agentCallerOf, leasesOf, llmLedgerOf, roundsOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { llmModelOf } from '../wiring/llm.js';
import { ROUTES } from './routes.js';
import { integerText } from './http/schemas.js';
import { route, type AgentAuth } from './http/route.js';

const query = z.strictObject({ history: z.optional(integerText(0, 500)) });

export function makeHandler(
  deps: {
    rounds: Pick<RoundLog, 'state' | 'history'>;
    leases: Pick<LeaseBook, 'activeLeases'>;
    llmLedger: Pick<LlmLedger, 'spendByRound'>;
    llm: LlmModel;
    clock: Clock;
    config: Pick<Config, 'initialReserve' | 'roundSeconds' | 'capacity' | 'llm' | 'payments'>;
  } & AgentAuth,
) {
  return route(ROUTES['GET /market'], deps.agentCaller, { query }, async ({ query }) => {
    const now = deps.clock.now();
    const [state, history, leases] = await Promise.all([deps.rounds.state(), deps.rounds.history(query.history ?? 20), deps.leases.activeLeases(now)]);
    const spend = await deps.llmLedger.spendByRound(history.map((h) => h.round));
    return marketView(state, history, spend, deps.llm, deps.config, heldByLeases(leases, now));
  });
}

export const handler = deployed((b) =>
  makeHandler({ rounds: roundsOf(b), leases: leasesOf(b), llmLedger: llmLedgerOf(b), llm: llmModelOf(b), clock: b.clock, config: b.config, agentCaller: agentCallerOf(b) }),
);
