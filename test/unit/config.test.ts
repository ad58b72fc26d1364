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
      dormancyLimitSeconds: 3600,
      reserveBounds: { min: 1_000_000, max: 1_000_000_000_000_000 },
      roundSeconds: 60,
      burnShards: 16,
      payments: 'burn',
      idempotencyTtlSeconds: 604_800,
      promptTtlSeconds: 86_400,
      capacity: { vcpu: 4096, memoryMiB: 8192, tokens: 100_000, attention: 3 },
      initialReserve: { vcpu: 100_000_000, memoryMiB: 1_000_000, tokens: 10_000_000, attention: 1_000_000_000_000 },
      // Dollars per 1,000 tokens, kept in nano-dollars: $0.00025 and $0.00125.
      llm: { maxTokens: 4096, timeoutSeconds: 25, prices: { inputPer1k: 250_000, outputPer1k: 1_250_000 } },
    });
    expect(loadConfig({}, 'local').roundSeconds).toBe(5);
  });

  it('reads overrides from the environment', () => {
    const config = loadConfig({
      SYNTROPISM_SPAWN_FEE: '2.5',
      ROUND_SECONDS: '2',
      SYNTROPISM_BURN_SHARDS: '32',
      SYNTROPISM_SUPPLY_VCPU: '0.5',
      SYNTROPISM_RESERVE_TOKENS: '0.000000000001',
      SYNTROPISM_PAYMENTS: 'ubi',
    }, 'local');
    expect(config).toMatchObject({ spawnFee: 2_500_000, roundSeconds: 2, burnShards: 32, payments: 'ubi' });
    expect(config.capacity.vcpu).toBe(512);
    // Below the reserve bounds: clamped up to the minimum.
    expect(config.initialReserve.tokens).toBe(1_000_000);
  });

  it.each([
    ['SYNTROPISM_SPAWN_FEE', '-1'],
    ['SYNTROPISM_SPAWN_FEE', '0.0000001'],
    ['SYNTROPISM_BID_EXPIRY_ROUNDS', '1.5'],
    ['SYNTROPISM_BID_EXPIRY_ROUNDS', '0'],
    ['ROUND_SECONDS', ''],
    ['ROUND_SECONDS', 'soon'],
    ['SYNTROPISM_RESERVE_MIN', '2000'],
    ['SYNTROPISM_PAYMENTS', 'UBI'],
    ['SYNTROPISM_PAYMENTS', ''],
    ['SYNTROPISM_PAYMENTS', 'burn,ubi'],
  ])('refuses %s=%s with a message naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ValidationError);
    expect(() => loadConfig({ [name]: value })).toThrow(name === 'SYNTROPISM_RESERVE_MIN' ? /RESERVE_MIN/ : new RegExp(name));
  });
});
