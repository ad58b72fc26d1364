/**
 * The clearing's worked example (docs/MARKET.md): one big bid against two small ones that fit
 * together, on a supply of exactly the big one (1 vCPU, 4 GiB). By density the two small ones win;
 * by amount the big one alone.
 */
import type { PendingBid, Prices, RoundInput } from '../../economy/clearing.js';
import { zeroQuantities, type Bundle } from '../../economy/resources.js';

export const EXAMPLE_RESERVE: Prices = { vcpu: 1_000_000, memoryMiB: 1_000_000, tokens: 1_000_000, attention: 1_000_000 };
export const BIG: Bundle = { vcpu: 1, memoryMiB: 4096, tokens: 0, attention: 0, durationSeconds: 60 };
export const SMALL: Bundle = { vcpu: 0.5, memoryMiB: 2048, tokens: 0, attention: 0, durationSeconds: 60 };

/** The example's round, with `others` after its three bids. */
export function bigAgainstTwoSmall(bounds: RoundInput['bounds'], others: readonly PendingBid[] = []): RoundInput {
  return {
    round: 1,
    roundSeconds: 60,
    capacity: { vcpu: 1024, memoryMiB: 4096, tokens: 0, attention: 0 },
    held: zeroQuantities(),
    reserve: EXAMPLE_RESERVE,
    bounds,
    bids: [
      { bidId: 'big', agentId: 'x', bundle: BIG, amount: 1_000_000, placedAt: 0 },
      { bidId: 's1', agentId: 'y', bundle: SMALL, amount: 600_000, placedAt: 1 },
      { bidId: 's2', agentId: 'z', bundle: SMALL, amount: 450_000, placedAt: 2 },
      ...others,
    ],
  };
}
