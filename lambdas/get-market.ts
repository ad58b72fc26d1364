/**
 * GET /market?history=N: the round number and, per resource, capacity, offered supply, reserve,
 * market price, utilisation and occupancy, with the last N rounds (default 20) as history; and the
 * LLM budget: the provider, its prices and what each round's calls spent.
 */
import type { LlmLedger, RoundLog } from '../economy/ports.js';
import type { Config } from '../economy/config.js';
import * as z from 'zod/mini';
import type { LlmModel } from '../economy/llm.js';
import { marketView } from '../economy/market-view.js';
import { agentCallerOf, llmLedgerOf, roundsOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { llmModelOf } from '../wiring/llm.js';
import { ROUTES } from './routes.js';
import { integerText } from './http/schemas.js';
import { route, type AgentAuth } from './http/route.js';

const query = z.strictObject({ history: z.optional(integerText(0, 500)) });

export function makeHandler(deps: { rounds: Pick<RoundLog, 'state' | 'history'>; llmLedger: Pick<LlmLedger, 'spendByRound'>; llm: LlmModel; config: Pick<Config, 'initialReserve' | 'roundSeconds' | 'capacity' | 'llm'> } & AgentAuth) {
  return route(ROUTES['GET /market'], deps.agentCaller, { query }, async ({ query }) => {
    const [state, history] = await Promise.all([deps.rounds.state(), deps.rounds.history(query.history ?? 20)]);
    const spend = await deps.llmLedger.spendByRound(history.map((h) => h.round));
    return marketView(state, history, spend, deps.llm, deps.config);
  });
}

export const handler = deployed((b) => makeHandler({ rounds: roundsOf(b), llmLedger: llmLedgerOf(b), llm: llmModelOf(b), config: b.config, agentCaller: agentCallerOf(b) }));
