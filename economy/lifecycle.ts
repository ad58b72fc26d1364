/**
 * Death and dormancy, decided in the oracle round. An agent with no available credits, nothing
 * held (no pending bid or prompt) and no active lease dies; so does one with no lease that has
 * placed no bid for the dormancy limit (its leftovers are burned). An agent that still holds
 * something waits: its bids and prompts must first win, expire or be cancelled. Death is final.
 */
export type Fate = { dies: false } | { dies: true; reason: 'destitute' | 'dormant' };

export interface Vitals {
  available: number;
  held: number;
  hasLease: boolean;
  /** The last round in which it bid or held a lease. */
  lastActiveRound: number;
  round: number;
  dormancyLimitRounds: number;
}

export function fateOf(v: Vitals): Fate {
  if (v.hasLease || v.held > 0) return { dies: false };
  if (v.available === 0) return { dies: true, reason: 'destitute' };
  if (v.round - v.lastActiveRound >= v.dormancyLimitRounds) return { dies: true, reason: 'dormant' };
  return { dies: false };
}
