/**
 * The capacity rule: a lease holds vCPU and memory only over its own interval, so an agent's
 * current lease and its renewal are never counted at once, and a newcomer is never refused while
 * capacity sits idle; yet the most an agent's chain of leases ever needs is always reserved.
 */
import { describe, expect, it } from 'vitest';
import { clear, type PendingBid, type RoundInput } from '../../economy/clearing.js';
import { heldByAgent, heldByLeases, type Lease } from '../../economy/market.js';

const NOW = 1_000_000;
const lease = (agentId: string, startsAt: number, seconds: number, vcpu: number, memoryMiB: number): Lease => ({
  leaseId: `${agentId}-${startsAt}`,
  agentId,
  bidId: `${agentId}-${startsAt}`,
  payerId: agentId,
  bundle: { vcpu, memoryMiB, tokens: 0, attention: 0, durationSeconds: seconds },
  round: 1,
  startsAt,
  endsAt: startsAt + seconds * 1000,
  payment: 1,
});

const bid = (bidId: string, agentId: string, vcpu: number, memoryMiB: number, amount: number, placedAt = 0): PendingBid => ({
  bidId,
  agentId,
  bundle: { vcpu, memoryMiB, tokens: 0, attention: 0, durationSeconds: 60 },
  amount,
  placedAt,
});

function round(leases: Lease[], bids: PendingBid[], capacity = { vcpu: 1024, memoryMiB: 4096 }): RoundInput {
  return {
    round: 2,
    roundSeconds: 5,
    bids,
    capacity: { ...capacity, tokens: 0, attention: 0 },
    held: heldByLeases(leases, NOW),
    agentHolds: heldByAgent(leases, NOW),
    reserve: { vcpu: 1, memoryMiB: 1, tokens: 1, attention: 1 },
    bounds: { min: 1, max: 1e15 },
  };
}

describe('what leases hold', () => {
  it('counts an agent once for its current lease and its renewal, at the most either needs', () => {
    const current = lease('a', NOW - 30_000, 60, 0.5, 1024);
    const renewal = lease('a', current.endsAt, 60, 0.25, 2048);
    expect(heldByAgent([current, renewal], NOW).get('a')).toEqual({ vcpu: 512, memoryMiB: 2048, tokens: 0, attention: 0 });
    expect(heldByLeases([current, renewal, lease('b', NOW - 1000, 60, 0.25, 512)], NOW)).toEqual({ vcpu: 768, memoryMiB: 2560, tokens: 0, attention: 0 });
  });

  it('no longer counts a lease once it has ended or was closed', () => {
    const ended = lease('a', NOW - 60_000, 30, 1, 2048);
    const closed = { ...lease('b', NOW - 10_000, 60, 1, 2048), closedAt: NOW - 1 };
    expect(heldByLeases([ended, closed], NOW)).toEqual({ vcpu: 0, memoryMiB: 0, tokens: 0, attention: 0 });
  });
});

describe('the clearing with leases running', () => {
  it('admits a newcomer beside an agent that renews, instead of holding its capacity twice', () => {
    // Half the vCPU runs agent a; a renews at the same size; b asks for the other half.
    const leases = [lease('a', NOW - 30_000, 60, 0.5, 1024)];
    const outcome = clear(round(leases, [bid('renewal', 'a', 0.5, 1024, 1_000_000, 1), bid('newcomer', 'b', 0.5, 1024, 900_000, 2)]));
    expect(outcome.winners.map((w) => w.bidId).sort()).toEqual(['newcomer', 'renewal']);
  });

  it('reserves what a bigger renewal adds, and no more', () => {
    const leases = [lease('a', NOW - 30_000, 60, 0.5, 1024)];
    // a's renewal needs the whole vCPU: it adds half, which leaves no room for b.
    const outcome = clear(round(leases, [bid('renewal', 'a', 1, 2048, 3_000_000, 1), bid('newcomer', 'b', 0.5, 1024, 900_000, 2)]));
    expect(outcome.winners.map((w) => w.bidId)).toEqual(['renewal']);
    expect(outcome.losers).toEqual(['newcomer']);
    expect(outcome.resources.vcpu.allocated).toBe(512);
  });

  it('still refuses a newcomer when capacity is really in use', () => {
    const leases = [lease('a', NOW - 30_000, 60, 1, 2048)];
    const outcome = clear(round(leases, [bid('newcomer', 'b', 0.25, 512, 900_000)]));
    expect(outcome.winners).toEqual([]);
  });

  it('credits only the agent that holds: another agent bidding the same size gets nothing for it', () => {
    const leases = [lease('a', NOW - 30_000, 60, 1, 2048)];
    const outcome = clear(round(leases, [bid('sponsored-for-b', 'b', 1, 2048, 5_000_000)]));
    expect(outcome.winners).toEqual([]);
  });
});

describe('the reserve it drives', () => {
  const reserveAt = { vcpu: 1_000_000, memoryMiB: 1_000_000, tokens: 1, attention: 1 };
  const withReserve = (input: RoundInput) => ({ ...input, reserve: reserveAt });

  it('stays while every unit is held and the same agents renew, however long', () => {
    // Four agents fill the machine and renew at the same size, round after round.
    const leases = ['a', 'b', 'c', 'd'].map((agent) => lease(agent, NOW - 10_000, 60, 0.25, 512));
    let reserve = reserveAt;
    for (let i = 0; i < 200; i += 1) {
      const bids = ['a', 'b', 'c', 'd'].map((agent) => bid(`${agent}-${i}`, agent, 0.25, 512, 50_000_000));
      const outcome = clear({ ...round(leases, bids, { vcpu: 1024, memoryMiB: 2048 }), reserve });
      expect(outcome.winners).toHaveLength(4);
      expect(outcome.resources.vcpu).toMatchObject({ supply: 0, occupancy: 1 });
      reserve = { ...reserve, vcpu: outcome.resources.vcpu.nextReserve };
    }
    expect(reserve.vcpu).toBe(reserveAt.vcpu);
  });

  it('rises when what is offered is taken, and falls when it is not', () => {
    const leases = [lease('a', NOW - 10_000, 60, 0.5, 1024)];
    const taken = clear(withReserve(round(leases, [bid('n', 'b', 0.5, 1024, 50_000_000)])));
    expect(taken.resources.vcpu).toMatchObject({ supply: 512, allocated: 512, utilisation: 1, occupancy: 1, nextReserve: 1_100_000 });
    const idle = clear(withReserve(round(leases, [])));
    expect(idle.resources.vcpu).toMatchObject({ supply: 512, allocated: 0, utilisation: 0, occupancy: 0.5, nextReserve: 950_000 });
  });
});
