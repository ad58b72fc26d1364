/**
 * The round's death pass, driven by what can have changed. Death and dormancy (lifecycle.ts) are
 * decided for the agents whose marks are due (ports.ts, DeathWatch) rather than for every agent:
 *
 * - A living agent is protected by a pending bid for it, or by a hold of its own, or it is not;
 *   then it can die at the earliest when its last lease ends and, with credits left, when the
 *   dormancy limit has passed since its last activity (`nextJudgement`).
 * - Only writes end a protection or bring that time nearer: a bid for it closed (won, cancelled,
 *   expired), its balance falling (available or held: a transfer, a fee, a capture, a release), a
 *   lease closed early, a birth. Each of those marks the agent, due at once, in its transaction.
 * - Writes that only put death further off (a bid placed, credits received, a lease won) need no
 *   mark: the mark already waiting comes due early, and the agent is judged alive and marked for
 *   later.
 *
 * So every agent that the rule would bury has a mark due by then, and the round reads one agent
 * per due mark instead of every agent. A mark is removed only after its agent was judged, and only
 * that mark: one written meanwhile stays for the next round. On tables from before the watch, the
 * first round marks every living agent once.
 */
import { inPool } from './concurrency.js';
import type { Config } from './config.js';
import { DomainError } from './errors.js';
import { fateOf, nextJudgement, type Vitals } from './lifecycle.js';
import { activeSince, leaseEnd } from './market.js';
import type { AgentDirectory, Clock, DeathWatch, LeaseBook, LedgerStore, WatchMark } from './ports.js';

export interface DeathPassDeps {
  watch: DeathWatch;
  agents: Pick<AgentDirectory, 'getAgent' | 'bury' | 'listAgents'>;
  leases: Pick<LeaseBook, 'agentLeases'>;
  ledger: Pick<LedgerStore, 'getBalance'>;
  clock: Clock;
  config: Pick<Config, 'dormancyLimitSeconds'>;
}

/** Agents judged at once: enough to hide the latency of each one's reads, few enough not to flood the tables. */
export const DEATH_PASS_CONCURRENCY = 16;

/** Judges the agents whose marks are due; returns how many died. */
export async function deathPass(deps: DeathPassDeps, round: number): Promise<number> {
  const now = deps.clock.now();
  if (!(await deps.watch.started())) {
    // Tables from before the watch: every living agent is judged once, and marked from then on.
    const living = (await deps.agents.listAgents()).filter((a) => a.status === 'alive');
    await inPool(living, DEATH_PASS_CONCURRENCY, (a) => deps.watch.watch(a.agentId, now));
    await deps.watch.start(now);
  }
  const byAgent = new Map<string, WatchMark[]>();
  for (const mark of await deps.watch.due(now)) byAgent.set(mark.agentId, [...(byAgent.get(mark.agentId) ?? []), mark]);
  const deaths = await inPool([...byAgent], DEATH_PASS_CONCURRENCY, ([agentId, marks]) => judge(deps, round, now, agentId, marks));
  return deaths.filter(Boolean).length;
}

async function judge(deps: DeathPassDeps, round: number, now: number, agentId: string, marks: WatchMark[]): Promise<boolean> {
  let agent;
  let balance;
  try {
    // The balance first: while it holds something the agent lives, and the hold's closing will mark it again.
    balance = await deps.ledger.getBalance(agentId);
    if (balance.held > 0) {
      await deps.watch.clear(marks);
      return false;
    }
    agent = await deps.agents.getAgent(agentId);
  } catch (err) {
    if (!(err instanceof DomainError && err.code === 'NOT_FOUND')) throw err;
    await deps.watch.clear(marks); // an account that is no agent's
    return false;
  }
  if (agent.status !== 'alive') {
    await deps.watch.clear(marks);
    return false;
  }
  const vitals: Vitals = {
    available: balance.available,
    held: balance.held,
    hasLease: false,
    pendingBids: agent.pendingBids,
    activeSince: activeSince(agent),
    now,
    dormancyLimitSeconds: deps.config.dormancyLimitSeconds,
  };
  let fate = fateOf(vitals);
  let leaseEndsAt: number | undefined;
  if (fate.dies) {
    // Only then are its leases read: a lease (running or yet to start) saves it.
    const leases = await deps.leases.agentLeases(agentId, now);
    if (leases.length > 0) {
      vitals.hasLease = true;
      leaseEndsAt = Math.max(...leases.map(leaseEnd));
      fate = fateOf(vitals);
    }
  }
  if (fate.dies) {
    const judged = { available: balance.available, held: balance.held, pendingBids: agent.pendingBids, ...(agent.lastBidAt !== undefined ? { lastBidAt: agent.lastBidAt } : {}) };
    try {
      await deps.agents.bury({ agentId, round, reason: fate.reason, judged });
    } catch (err) {
      if (err instanceof DomainError && err.code === 'CONFLICT') return false; // it changed: it lives on, and is judged again next round
      throw err;
    }
    await deps.watch.clear(marks);
    return true;
  }
  // It lives: judged again when it could next die; the new mark is written before the old ones go.
  const next = nextJudgement({ ...vitals, ...(leaseEndsAt !== undefined ? { leaseEndsAt } : {}) });
  if (next !== undefined) await deps.watch.watch(agentId, next);
  await deps.watch.clear(marks);
  return false;
}
