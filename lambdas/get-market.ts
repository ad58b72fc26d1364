/**
 * GET /market?history=N: the round number and, per resource, capacity, offered supply, reserve,
 * market price, utilisation and occupancy, with the last N rounds (default 20) as history; and the
 * LLM budget: the provider, its prices and what each round's calls spent.
 */
import type { LlmLedger, RoundLog } from '../economy/ports.js';
import type { Config } from '../economy/config.js';
import * as z from 'zod/mini';
import { formatDollars, type LlmModel } from '../economy/llm.js';
import { RESOURCES } from '../economy/resources.js';
import { agentCallerOf, llmLedgerOf, roundsOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { llmModelOf } from '../wiring/llm.js';
import { ROUTES } from './routes.js';
import { integerText } from './http/schemas.js';
import { route, type AgentAuth } from './http/route.js';

const query = z.strictObject({ history: z.optional(integerText(0, 500)) });

export const PRICE_UNITS = {
  prices: 'pico-credits (10^-12 credit) per unit: vcpu per vCPU-second, memoryMiB per MiB-second, tokens per token, attention per prompt',
  capacity: 'vcpu in CPU units (1024 = 1 vCPU); memoryMiB in MiB; tokens and attention per round window',
};

export function makeHandler(deps: { rounds: Pick<RoundLog, 'state' | 'history'>; llmLedger: Pick<LlmLedger, 'spendByRound'>; llm: LlmModel; config: Pick<Config, 'initialReserve' | 'roundSeconds' | 'capacity' | 'llm'> } & AgentAuth) {
  return route(ROUTES['GET /market'], deps.agentCaller, { query }, async ({ query }) => {
    const [state, history] = await Promise.all([deps.rounds.state(), deps.rounds.history(query.history ?? 20)]);
    const spend = await deps.llmLedger.spendByRound(history.map((h) => h.round));
    const last = history.find((r) => r.outcome)?.outcome;
    const reserve = state?.reserve ?? deps.config.initialReserve;
    return {
      round: state?.lastRound ?? 0,
      status: state?.status ?? 'settled',
      roundSeconds: deps.config.roundSeconds,
      units: PRICE_UNITS,
      resources: Object.fromEntries(
        RESOURCES.map((r) => [
          r,
          {
            capacity: deps.config.capacity[r],
            reserve: reserve[r],
            marketPrice: last?.resources[r].marketPrice ?? null,
            utilisation: last?.resources[r].utilisation ?? 0,
            occupancy: last?.resources[r].occupancy ?? null,
            offered: last?.resources[r].supply ?? null,
          },
        ]),
      ),
      llm: {
        provider: deps.llm.name,
        model: deps.llm.model,
        pricePer1k: { input: formatDollars(deps.config.llm.prices.inputPer1k), output: formatDollars(deps.config.llm.prices.outputPer1k) },
        maxTokens: deps.config.llm.maxTokens,
      },
      history: history.map((h) => ({
        round: h.round,
        llm: spend.get(h.round),
        status: h.status,
        startedAt: h.startedAt,
        settledAt: h.settledAt ?? null,
        volume: h.outcome?.volume ?? 0,
        bids: h.outcome?.bids ?? 0,
        winners: h.outcome?.winners.length ?? 0,
        resources: h.outcome
          ? Object.fromEntries(
              RESOURCES.map((r) => {
                const s = h.outcome!.resources[r];
                return [r, { reserve: s.reserve, marketPrice: s.marketPrice, utilisation: s.utilisation, occupancy: s.occupancy, offered: s.supply, allocated: s.allocated }];
              }),
            )
          : null,
      })),
    };
  });
}

export const handler = deployed((b) => makeHandler({ rounds: roundsOf(b), llmLedger: llmLedgerOf(b), llm: llmModelOf(b), config: b.config, agentCaller: agentCallerOf(b) }));
