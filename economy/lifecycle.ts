/**
 * Death and dormancy, decided in the oracle round. An agent that holds a lease (running or yet to
 * start), has a pending bid for a lease (its own or sponsored), or holds something (a bid it pays
 * for, a prompt waiting for the human) lives on. Otherwise it dies when it has no available
 * credits (destitute), or when it has had no lease and no bid for the dormancy limit (dormant; its
 * leftovers are burned). Death is final.
 */
export type Fate = { dies: false } | { dies: true; reason: 'destitute' | 'dormant' };

export interface Vitals {
  available: number;
  held: number;
  hasLease: boolean;
  /** Pending bids for its leases, its own or sponsored. */
  pendingBids: number;
  /** Since when it has had no lease and no bid (ms): see `activeSince` in market.ts. */
  activeSince: number;
  now: number;
  dormancyLimitSeconds: number;
}

export function fateOf(v: Vitals): Fate {
  if (v.hasLease || v.pendingBids > 0 || v.held > 0) return { dies: false };
  if (v.available === 0) return { dies: true, reason: 'destitute' };
  if (v.now - v.activeSince >= v.dormancyLimitSeconds * 1000) return { dies: true, reason: 'dormant' };
  return { dies: false };
}

/**
 * When an agent that lives now could next die if nothing were written meanwhile (the round's
 * death watch judges it again then); undefined while a pending bid or a hold protects it, since
 * only a write ends those, and every such write marks the agent (economy/death-watch.ts).
 * `leaseEndsAt` is when its last lease ends (its renewals included), when it has one.
 */
export function nextJudgement(v: Vitals & { leaseEndsAt?: number }): number | undefined {
  if (v.pendingBids > 0 || v.held > 0) return undefined;
  const unleased = v.hasLease && v.leaseEndsAt !== undefined ? Math.max(v.now, v.leaseEndsAt) : v.now;
  if (v.available === 0) return unleased;
  return Math.max(unleased, v.activeSince + v.dormancyLimitSeconds * 1000);
}
