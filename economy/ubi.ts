/**
 * UBI (SYNTROPISM_PAYMENTS=ubi): a round's auction payments are shared equally among the agents
 * alive at the round, instead of being burned. The rules, with no I/O; `runRound` applies them
 * through the UbiBook port, and docs/MARKET.md describes them.
 *
 * - Each winner's payment is captured into the round's pool (`ubi:<round>` in the journal), not
 *   into the burn.
 * - Once every winner of the round is settled, the plan is fixed, once (the first stored is the one
 *   every invocation applies): the pool, the recipients, the share = ⌊pool / recipients⌋, and the
 *   remainder = pool − share × recipients. Storing it closes the pool to further payments.
 * - **Alive at the round**: an agent is a recipient if it existed when the round began (created no
 *   later than the round's start) and is alive after the round's death pass. So an agent that dies
 *   in the round (destitute or dormant, buried by this round) gets nothing: its leftovers are burned
 *   as always, and no money reaches a dead account. An agent born during the round shares from the
 *   next round on (a child spawned just before the payout does not dilute its elders' shares).
 * - Each share is paid in its own transaction keyed by round and recipient, which also checks that
 *   the recipient is alive; a replay pays nothing twice. A recipient who dies after the plan was
 *   fixed and before its share reached it (a race with another invocation's death pass) is not
 *   paid; its share stays in the pool.
 * - Last, whatever the pool still holds (the remainder, and any unpaid share) is burned, so the
 *   pool ends at zero and conservation holds exactly.
 */
import type { Micros } from './money.js';

export interface UbiPlan {
  round: number;
  /** What the round's winners paid into the pool. */
  pool: Micros;
  /** The agents alive at the round, in id order. */
  recipients: string[];
  /** What each recipient gets: ⌊pool / recipients⌋ (0 with no recipient). */
  share: Micros;
  /** pool − share × recipients: burned. */
  remainder: Micros;
}

/** What the round's payout did: shares paid, shares not paid (the recipient died meanwhile), and what was burned. */
export interface UbiReport {
  pool: Micros;
  recipients: number;
  share: Micros;
  paid: number;
  unpaid: number;
  burned: Micros;
}

/** The agents alive at the round: created no later than its start, and alive now (after its death pass). */
export function ubiRecipients(agents: readonly { agentId: string; status: string; createdAt: number }[], roundStartedAt: number): string[] {
  return agents
    .filter((a) => a.status === 'alive' && a.createdAt <= roundStartedAt)
    .map((a) => a.agentId)
    .sort();
}

/** Equal integer shares of the pool; the remainder (fewer µcr than recipients) is burned. */
export function planUbi(round: number, pool: Micros, recipients: readonly string[]): UbiPlan {
  if (!Number.isSafeInteger(pool) || pool < 0) throw new RangeError(`a UBI pool must be a non-negative integer of µcr, got ${pool}`);
  const unique = [...new Set(recipients)].sort();
  const share = unique.length > 0 ? Math.floor(pool / unique.length) : 0;
  return { round, pool, recipients: unique, share, remainder: pool - share * unique.length };
}
