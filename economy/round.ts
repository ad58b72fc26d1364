/**
 * One oracle round, against the ports. Safe to invoke repeatedly and concurrently:
 * - the round is begun by a conditional write of the oracle state, so a tick runs at most once;
 * - the outcome is stored once (the first invocation to clear wins) and every invocation applies
 *   that stored outcome;
 * - each capture and each expiry is one idempotent transaction keyed by round and bid, so one
 *   applied twice changes nothing;
 * - a round left `clearing` by a crash is finished by the next invocation, whatever its tick;
 * - with UBI, the payout's plan is fixed once and each share is one transaction keyed by round and
 *   recipient (economy/ubi.ts), so no retry pays anyone twice.
 * - its writes run with bounded concurrency (`ROUND_CONCURRENCY`): winners of different agents,
 *   expiries and the death pass's judgements side by side, each agent's winners in turn.
 */
import { clear, type ResourceRound } from './clearing.js';
import type { Config } from './config.js';
import { DomainError } from './errors.js';
import { expiresAfter, heldByAgent, heldByLeases, leaseWindow, storedOutcome, type Bid, type Lease, type OracleState, type StoredOutcome } from './market.js';
import { inPool } from './concurrency.js';
import { deathPass } from './death-watch.js';
import type { AgentDirectory, BidBook, Clock, DeathWatch, LeaseBook, LedgerStore, PromptBook, RoundLog, UbiBook } from './ports.js';
import { RESOURCES, type Resource } from './resources.js';
import { planUbi, ubiRecipients, type UbiReport } from './ubi.js';

/** Transactions a round keeps in flight at once. */
export const ROUND_CONCURRENCY = 16;

export interface RoundDeps {
  rounds: RoundLog;
  bids: BidBook;
  leases: LeaseBook;
  prompts: PromptBook;
  agents: AgentDirectory;
  ledger: LedgerStore;
  ubi: UbiBook;
  /** Which agents the death pass judges. */
  watch: DeathWatch;
  clock: Clock;
  config: Pick<Config, 'roundSeconds' | 'bidExpiryRounds' | 'reserveBounds' | 'capacity' | 'initialReserve' | 'dormancyLimitSeconds' | 'payments'>;
}

export type RoundReport =
  | { ran: false; reason: string; round: number }
  | {
      ran: true;
      round: number;
      resumed: boolean;
      winners: number;
      settled: number;
      voided: number;
      expired: number;
      expiredPrompts: number;
      died: number;
      volume: number;
      /** Each resource's market this round: offered, allocated, utilisation, reserve and market price (see clearing.ts). */
      market: Record<Resource, Pick<ResourceRound, 'supply' | 'allocated' | 'utilisation' | 'reserve' | 'marketPrice'>>;
      /** With SYNTROPISM_PAYMENTS=ubi: how the round's payments were shared out. */
      ubi?: UbiReport;
    };

/**
 * Runs (or finishes) a round. `tick` identifies the schedule firing (EventBridge's scheduled
 * time divided by the period); an invocation for a tick that already ran does nothing.
 */
export async function runRound(deps: RoundDeps, tick?: number): Promise<RoundReport> {
  const now = deps.clock.now();
  const currentTick = tick ?? Math.floor(now / (deps.config.roundSeconds * 1000));
  const state: OracleState = (await deps.rounds.state()) ?? {
    lastRound: 0,
    status: 'settled',
    lastTick: -1,
    reserve: deps.config.initialReserve,
  };

  let round = state.lastRound;
  let resumed = true;
  if (state.status === 'settled') {
    if (currentTick <= state.lastTick) return { ran: false, reason: `tick ${currentTick} already ran`, round: state.lastRound };
    round = state.lastRound + 1;
    resumed = false;
    if (!(await deps.rounds.begin({ round, tick: currentTick, now, previous: state }))) {
      // Another invocation began it first; join in (every step is idempotent), or stop if it is done.
      const latest = await deps.rounds.state();
      if (latest?.status !== 'clearing' || latest.lastRound !== round) return { ran: false, reason: 'another invocation ran this round', round };
    }
  }

  // Leases are timed from the round's start, so a resumed round writes the same leases.
  const record = await deps.rounds.get(round);
  const startedAt = record?.startedAt ?? now;
  const cleared = record?.outcome ? undefined : await clearAndStore(deps, round, state, startedAt);
  const outcome = record?.outcome ?? cleared!.outcome;
  const applied = await applyOutcome(deps, round, outcome, startedAt, cleared?.pending, deps.config.payments);
  // The bids read for the clearing are the ones that can be due (later ones start in a later
  // round); a resumed round reads them again.
  const won = new Set(outcome.winners.map((w) => w.bidId));
  const expired = await expireBids(deps, round, cleared?.pending.filter((b) => !won.has(b.bidId)));
  // Unanswered prompts past their time release their attention bids.
  const expiredPrompts = await deps.prompts.expirePrompts(deps.clock.now());
  // Then who lives: the destitute and the long dormant die, their leftovers burned.
  const died = await deathPass(deps, round);
  // Then the round's payments, shared among those alive at the round. A round begun with UBI and
  // resumed after the setting changed to burn still shares out what its pool got.
  const ubi = deps.config.payments === 'ubi' || (await deps.ubi.pool(round)) > 0 ? await shareOut(deps, round, startedAt) : undefined;
  const reserve = Object.fromEntries(Object.entries(outcome.resources).map(([r, stats]) => [r, stats.nextReserve])) as OracleState['reserve'];
  await deps.rounds.finish({ round, reserve, now: deps.clock.now() });
  return { ran: true, round, resumed, winners: outcome.winners.length, ...applied, expired, expiredPrompts, died, volume: outcome.volume, market: marketOf(outcome), ...(ubi ? { ubi } : {}) };
}

/** Clears the round and stores its outcome; if another invocation stored one first, that one is returned. */
async function clearAndStore(deps: RoundDeps, round: number, state: OracleState, now: number): Promise<{ outcome: StoredOutcome; pending: Bid[] }> {
  const [bids, leases] = await Promise.all([deps.bids.pendingBids(round), deps.leases.activeLeases(now)]);
  const outcome = clear({
    round,
    roundSeconds: deps.config.roundSeconds,
    bids,
    capacity: deps.config.capacity,
    held: heldByLeases(leases, now),
    agentHolds: heldByAgent(leases, now),
    reserve: state.reserve,
    bounds: deps.config.reserveBounds,
  });
  return { outcome: await deps.rounds.saveOutcome(round, storedOutcome(outcome)), pending: bids };
}

/**
 * Charges each winner and writes its lease. A winner whose bid was cancelled after the round was
 * cleared is void: its transaction is refused and nothing is charged. The bids the clearing read
 * are used as they are (what a lease takes of a bid never changes); a resumed round reads them.
 */
async function applyOutcome(
  deps: RoundDeps,
  round: number,
  outcome: StoredOutcome,
  now: number,
  pending: readonly Bid[] = [],
  payTo: 'burn' | 'ubi' = 'burn',
): Promise<{ settled: number; voided: number }> {
  const read = new Map(pending.map((b) => [b.bidId, b]));
  // One agent's leases follow each other, so its winners are settled in turn; agents side by side.
  const byAgent = new Map<string, StoredOutcome['winners']>();
  for (const winner of outcome.winners) byAgent.set(winner.agentId, [...(byAgent.get(winner.agentId) ?? []), winner]);
  const results = await inPool([...byAgent], ROUND_CONCURRENCY, async ([agentId, winners]) => {
    const leases = await deps.leases.agentLeases(agentId, now);
    let settled = 0;
    let voided = 0;
    for (const winner of winners) {
      const bid = read.get(winner.bidId) ?? (await deps.bids.getBid(winner.payerId, winner.bidId));
      // A lease already written for this bid (a resumed round) keeps its window.
      const existing = leases.find((l) => l.bidId === bid.bidId);
      const window = existing ?? leaseWindow(leases, now, bid.bundle.durationSeconds);
      const lease: Lease = {
        leaseId: bid.bidId,
        agentId: bid.agentId,
        bidId: bid.bidId,
        payerId: bid.payerId,
        bundle: bid.bundle,
        round,
        startsAt: window.startsAt,
        endsAt: window.endsAt,
        payment: winner.payment,
      };
      try {
        const written = await deps.bids.settleWinner({ idempotencyKey: `round-${round}-win-${bid.bidId}`, round, bid, payment: winner.payment, lease, payTo });
        if (!existing) leases.push(written);
        settled += 1;
      } catch (err) {
        if (!(err instanceof DomainError && err.code === 'CONFLICT')) throw err;
        voided += 1; // cancelled between clearing and settlement
      }
    }
    return { settled, voided };
  });
  return { settled: results.reduce((n, r) => n + r.settled, 0), voided: results.reduce((n, r) => n + r.voided, 0) };
}

/**
 * Releases the holds of pending bids whose last round this was: among the bids the clearing read,
 * or, in a resumed round, read from the index by first round (only the bids due).
 */
async function expireBids(deps: RoundDeps, round: number, pending?: Bid[]): Promise<number> {
  const lastFirstRound = round - deps.config.bidExpiryRounds + 1;
  const due = (pending ?? (await deps.bids.expiringBids(lastFirstRound))).filter((b) => expiresAfter(b, round, deps.config.bidExpiryRounds));
  const results = await inPool(due, ROUND_CONCURRENCY, async (bid) => {
    try {
      await deps.bids.expireBid({ idempotencyKey: `round-${round}-expire-${bid.bidId}`, round, payerId: bid.payerId, bidId: bid.bidId });
      return true;
    } catch (err) {
      if (!(err instanceof DomainError && err.code === 'CONFLICT')) throw err;
      return false; // cancelled meanwhile
    }
  });
  return results.filter(Boolean).length;
}

/**
 * UBI (economy/ubi.ts): once every winner is settled, the round's pool is final. Its plan is fixed
 * once (the first stored holds for every invocation), each recipient is paid its share in its own
 * idempotent transaction (one after another: every share debits the same pool item), and what is
 * left is burned. A recipient that died after the plan was fixed is not paid; its share is burned
 * with the rest.
 */
async function shareOut(deps: RoundDeps, round: number, startedAt: number): Promise<UbiReport> {
  let plan = await deps.ubi.plan(round);
  if (!plan) {
    const [pool, agents] = await Promise.all([deps.ubi.pool(round), deps.agents.listAgents()]);
    // Nothing was paid: there is nothing to share, and no pool item to keep.
    if (pool === 0) return { pool: 0, recipients: ubiRecipients(agents, startedAt).length, share: 0, paid: 0, unpaid: 0, burned: 0 };
    plan = await deps.ubi.fix(planUbi(round, pool, ubiRecipients(agents, startedAt)));
  }
  let paid = 0;
  let unpaid = 0;
  if (plan.share > 0) {
    for (const agentId of plan.recipients) {
      if (await deps.ubi.pay({ round, agentId, amount: plan.share })) paid += 1;
      else unpaid += 1;
    }
  }
  await deps.ubi.burnRest(round);
  return { pool: plan.pool, recipients: plan.recipients.length, share: plan.share, paid, unpaid, burned: plan.pool - paid * plan.share };
}

/** What the oracle reports of each resource's market (its telemetry publishes it). */
function marketOf(outcome: StoredOutcome): Extract<RoundReport, { ran: true }>['market'] {
  const market = {} as Extract<RoundReport, { ran: true }>['market'];
  for (const r of RESOURCES) {
    const { supply, allocated, utilisation, reserve, marketPrice } = outcome.resources[r];
    market[r] = { supply, allocated, utilisation, reserve, marketPrice };
  }
  return market;
}
