/**
 * GET /market?history=N: the round number and, per resource, capacity, offered supply, reserve,
 * market price, utilisation and occupancy, with the last N rounds (default 20) as history; and the
 * LLM budget: the provider, its prices and what each round's calls spent.
 */
import { z } from 'zod';
import { formatDollars } from '../economy/llm.js';
import { RESOURCES } from '../economy/resources.js';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { route } from './http/route.js';

const query = z.strictObject({ history: z.coerce.number().int().min(0).max(500).optional() });

export const PRICE_UNITS = {
  prices: 'pico-credits (10^-12 credit) per unit: vcpu per vCPU-second, memoryMiB per MiB-second, tokens per token, attention per prompt',
  capacity: 'vcpu in CPU units (1024 = 1 vCPU); memoryMiB in MiB; tokens and attention per round window',
};

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'agent', query }, async ({ query }) => {
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

export const handler = lazy(() => makeHandler(defaultDeps()));
