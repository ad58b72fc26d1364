/** UBI's rules without storage: who is alive at the round, and equal integer shares (economy/ubi.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planUbi, ubiRecipients } from '../../economy/ubi.js';

describe('UBI', () => {
  it('shares among the agents alive at the round: born by its start, alive after its death pass', () => {
    const start = 1_000;
    const agents = [
      { agentId: 'c', status: 'alive', createdAt: 10 },
      { agentId: 'a', status: 'alive', createdAt: start },
      { agentId: 'died-this-round', status: 'dead', createdAt: 5 },
      { agentId: 'born-during-it', status: 'alive', createdAt: start + 1 },
      { agentId: 'b', status: 'alive', createdAt: 0 },
    ];
    expect(ubiRecipients(agents, start)).toEqual(['a', 'b', 'c']);
    expect(ubiRecipients([], start)).toEqual([]);
  });

  it('gives every recipient the same share and burns a remainder smaller than their number: nothing made, nothing lost', () => {
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.uniqueArray(fc.stringMatching(/^[a-z0-9]{1,8}$/), { maxLength: 50 }), (pool, recipients) => {
        const plan = planUbi(3, pool, recipients);
        expect(plan.recipients).toEqual([...recipients].sort());
        expect(Number.isSafeInteger(plan.share) && plan.share >= 0).toBe(true);
        expect(plan.share * recipients.length + plan.remainder).toBe(pool);
        expect(plan.remainder).toBeGreaterThanOrEqual(0);
        if (recipients.length > 0) expect(plan.remainder).toBeLessThan(recipients.length);
        else expect(plan.remainder).toBe(pool);
      }),
    );
    expect(planUbi(1, 65_514, ['a', 'b', 'c', 'd'])).toEqual({ round: 1, pool: 65_514, recipients: ['a', 'b', 'c', 'd'], share: 16_378, remainder: 2 });
    expect(planUbi(1, 5, ['a', 'a'])).toMatchObject({ recipients: ['a'], share: 5, remainder: 0 });
    expect(() => planUbi(1, -1, ['a'])).toThrow(RangeError);
    expect(() => planUbi(1, 0.5, ['a'])).toThrow(RangeError);
  });
});
