/**
 * The market as anyone may see it (GET /market): the round, where payments go, and per resource
 * its capacity, the supply the last round offered, the supply free now (what a bid competes for in
 * the next round), reserve, market price, utilisation and occupancy; the LLM budget and its prices;
 * and the last rounds, each with what its LLM calls spent.
 */
import type { Config } from './config.js';
import { formatDollars, type LlmModel, type LlmSpend } from './llm.js';
import type { OracleState, RoundRecord } from './market.js';
import { RESOURCES, type Quantities } from './resources.js';

/** What the numbers mean. */
export const PRICE_UNITS = {
  prices: 'pico-credits (10^-12 credit) per unit: vcpu per vCPU-second, memoryMiB per MiB-second, tokens per token, attention per prompt',
  capacity: 'vcpu in CPU units (1024 = 1 vCPU); memoryMiB in MiB; tokens and attention per round window',
  supply:
    'offered: what the last round offered (capacity less what leases held then); free: what is free now, as the next round will offer it (capacity less what live leases hold; tokens and attention: the whole window). Same units as capacity',
};

/**
 * The supply free now: capacity less what live leases hold (vCPU and memory; a lease yet to start
 * holds from now too, see heldByLeases); tokens and attention are a fresh window each round. A bid
 * for an agent that already holds a lease needs only what it adds to that (docs/MARKET.md).
 */
export function freeSupply(capacity: Quantities, held: Quantities): Quantities {
  return {
    vcpu: Math.max(0, capacity.vcpu - held.vcpu),
    memoryMiB: Math.max(0, capacity.memoryMiB - held.memoryMiB),
    tokens: capacity.tokens,
    attention: capacity.attention,
  };
}

export function marketView(
  state: OracleState | undefined,
  history: readonly RoundRecord[],
  spend: ReadonlyMap<number, LlmSpend>,
  llm: LlmModel,
  config: Pick<Config, 'initialReserve' | 'roundSeconds' | 'capacity' | 'llm' | 'payments'>,
  /** What live leases hold now (heldByLeases). */
  held: Quantities,
) {
  const last = history.find((r) => r.outcome)?.outcome;
  const reserve = state?.reserve ?? config.initialReserve;
  const free = freeSupply(config.capacity, held);
  return {
    round: state?.lastRound ?? 0,
    status: state?.status ?? 'settled',
    roundSeconds: config.roundSeconds,
    /** Where auction payments go: `burn`, or `ubi` (shared equally among the agents alive at each round). */
    payments: config.payments,
    units: PRICE_UNITS,
    resources: Object.fromEntries(
      RESOURCES.map((r) => [
        r,
        {
          capacity: config.capacity[r],
          offered: last?.resources[r].supply ?? null,
          free: free[r],
          reserve: reserve[r],
          marketPrice: last?.resources[r].marketPrice ?? null,
          utilisation: last?.resources[r].utilisation ?? 0,
          occupancy: last?.resources[r].occupancy ?? null,
        },
      ]),
    ),
    llm: {
      provider: llm.name,
      model: llm.model,
      pricePer1k: { input: formatDollars(config.llm.prices.inputPer1k), output: formatDollars(config.llm.prices.outputPer1k) },
      maxTokens: config.llm.maxTokens,
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
}
