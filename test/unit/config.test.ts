import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../economy/config.js';
import { ValidationError } from '../../economy/errors.js';

describe('config', () => {
  it('has the SPEC defaults', () => {
    expect(loadConfig({})).toEqual({
      genesisEndowment: 1_000_000_000,
      spawnFee: 10_000_000,
      messageFee: 10_000,
      rewardPerPoint: 50_000_000,
      bidExpiryRounds: 3,
      dormancyLimitRounds: 60,
      reserveBounds: { min: 1_000_000, max: 1_000_000_000_000_000 },
      roundSeconds: 60,
      payments: 'burn',
      burnShards: 16,
      idempotencyTtlSeconds: 604_800,
    });
    expect(loadConfig({}, 'local').roundSeconds).toBe(5);
  });

  it('reads overrides from the environment', () => {
    const config = loadConfig({
      SYNTROPISM_SPAWN_FEE: '2.5',
      SYNTROPISM_PAYMENTS: 'ubi',
      ROUND_SECONDS: '2',
      SYNTROPISM_BURN_SHARDS: '32',
    }, 'local');
    expect(config).toMatchObject({ spawnFee: 2_500_000, payments: 'ubi', roundSeconds: 2, burnShards: 32 });
  });

  it.each([
    ['SYNTROPISM_SPAWN_FEE', '-1'],
    ['SYNTROPISM_SPAWN_FEE', '0.0000001'],
    ['SYNTROPISM_BID_EXPIRY_ROUNDS', '1.5'],
    ['SYNTROPISM_BID_EXPIRY_ROUNDS', '0'],
    ['ROUND_SECONDS', ''],
    ['ROUND_SECONDS', 'soon'],
    ['SYNTROPISM_PAYMENTS', 'airdrop'],
    ['SYNTROPISM_RESERVE_MIN', '2000'],
  ])('refuses %s=%s with a message naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ValidationError);
    expect(() => loadConfig({ [name]: value })).toThrow(name === 'SYNTROPISM_RESERVE_MIN' ? /RESERVE_MIN/ : new RegExp(name));
  });
});
