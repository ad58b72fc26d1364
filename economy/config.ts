/**
 * The one config module: the SPEC's defaults, each overridable by an environment variable.
 * Amounts are written in credits as decimal text ("0.01") and converted exactly to µcr.
 * `loadConfig` takes the environment as an argument so that it stays pure and testable.
 */
import * as z from 'zod/mini';
import { ValidationError } from './errors.js';
import { parseCredits, parseScaledDecimal, type Micros } from './money.js';
import type { LlmPrices } from './llm.js';
import { CPU_UNITS_PER_VCPU, type Quantities, type Resource } from './resources.js';

/** Prices are rates, finer than money: integer pico-credits (10⁻¹² credit) per unit or unit-second. */
export const PRICE_DECIMALS = 12;

export type Mode = 'aws' | 'local';

/** Where a round's auction payments go: burned, or shared equally among living agents (economy/ubi.ts). */
export type PaymentsMode = 'burn' | 'ubi';
export const PAYMENTS_MODES: readonly PaymentsMode[] = ['burn', 'ubi'];

export interface Config {
  genesisEndowment: Micros;
  spawnFee: Micros;
  messageFee: Micros;
  /** Reward per score point; a prompt scores 0–30 points (three scores of 0–10). */
  rewardPerPoint: Micros;
  bidExpiryRounds: number;
  /** How long an agent may be without a lease and without a bid before it dies (dormant). */
  dormancyLimitSeconds: number;
  /** Bounds of every reserve price, in pico-credits per unit(-second). */
  reserveBounds: { min: number; max: number };
  roundSeconds: number;
  /** How many items the burn total is spread over (no single hot item). */
  burnShards: number;
  /** Auction payments: burned (the default), or paid out as equal UBI to the round's living agents. */
  payments: PaymentsMode;
  /** How long an idempotency record is kept before the same key may be used afresh. */
  idempotencyTtlSeconds: number;
  /** How long a prompt waits for the human before it expires and its bid is released. */
  promptTtlSeconds: number;
  /** The configured supply: vCPU (in CPU units) and memory at once; tokens and prompts per round window. */
  capacity: Quantities;
  /** Reserve prices before the first round, in pico-credits per vCPU-second, MiB-second, token, prompt. */
  initialReserve: Record<Resource, number>;
  /** The LLM gateway: the most tokens one call may ask for, how long a call may take, what the budget costs. */
  llm: { maxTokens: number; timeoutSeconds: number; prices: LlmPrices };
}

/** Each setting: its environment variable, its default, and how to read it. */
const SETTINGS = {
  genesisEndowment: { env: 'SYNTROPISM_GENESIS_ENDOWMENT', default: '1000', read: credits },
  spawnFee: { env: 'SYNTROPISM_SPAWN_FEE', default: '10', read: credits },
  messageFee: { env: 'SYNTROPISM_MESSAGE_FEE', default: '0.01', read: credits },
  rewardPerPoint: { env: 'SYNTROPISM_REWARD_PER_POINT', default: '50', read: credits },
  bidExpiryRounds: { env: 'SYNTROPISM_BID_EXPIRY_ROUNDS', default: '3', read: int(1, 1_000_000) },
  dormancyLimitSeconds: { env: 'SYNTROPISM_DORMANCY_LIMIT_SECONDS', default: '3600', read: int(1, 31_536_000) },
  reserveMin: { env: 'SYNTROPISM_RESERVE_MIN', default: '0.000001', read: price },
  reserveMax: { env: 'SYNTROPISM_RESERVE_MAX', default: '1000', read: price },
  roundSeconds: { env: 'ROUND_SECONDS', default: undefined, read: int(1, 86_400) },
  burnShards: { env: 'SYNTROPISM_BURN_SHARDS', default: '16', read: int(1, 1000) },
  payments: { env: 'SYNTROPISM_PAYMENTS', default: 'burn', read: paymentsMode },
  idempotencyTtlSeconds: { env: 'SYNTROPISM_IDEMPOTENCY_TTL_SECONDS', default: '604800', read: int(60, 31_536_000) },
  promptTtlSeconds: { env: 'SYNTROPISM_PROMPT_TTL_SECONDS', default: '86400', read: int(1, 31_536_000) },
  supplyVcpu: { env: 'SYNTROPISM_SUPPLY_VCPU', default: '4', read: cpuUnits },
  supplyMemoryMiB: { env: 'SYNTROPISM_SUPPLY_MEMORY_MIB', default: '8192', read: int(0, 1_000_000_000) },
  supplyTokens: { env: 'SYNTROPISM_SUPPLY_TOKENS', default: '100000', read: int(0, 1_000_000_000_000) },
  supplyAttention: { env: 'SYNTROPISM_SUPPLY_ATTENTION', default: '3', read: int(0, 1_000_000) },
  reserveVcpu: { env: 'SYNTROPISM_RESERVE_VCPU', default: '0.0001', read: price },
  reserveMemoryMiB: { env: 'SYNTROPISM_RESERVE_MEMORY_MIB', default: '0.000001', read: price },
  reserveTokens: { env: 'SYNTROPISM_RESERVE_TOKENS', default: '0.00001', read: price },
  reserveAttention: { env: 'SYNTROPISM_RESERVE_ATTENTION', default: '1', read: price },
  llmMaxTokens: { env: 'SYNTROPISM_LLM_MAX_TOKENS', default: '4096', read: int(1, 1_000_000) },
  // Within API Gateway's 30 s integration limit, with room for the rest of the request.
  llmTimeoutSeconds: { env: 'SYNTROPISM_LLM_TIMEOUT_SECONDS', default: '25', read: int(1, 27) },
  // Claude 3 Haiku's on-demand prices (the default Bedrock model), in dollars per 1,000 tokens.
  llmPriceInputPer1k: { env: 'SYNTROPISM_LLM_PRICE_INPUT_PER_1K', default: '0.00025', read: dollars },
  llmPriceOutputPer1k: { env: 'SYNTROPISM_LLM_PRICE_OUTPUT_PER_1K', default: '0.00125', read: dollars },
} as const;

/** Each setting's environment variable, by setting name (the CDK stack maps context values onto these). */
export const CONFIG_ENV = Object.fromEntries(Object.entries(SETTINGS).map(([key, setting]) => [key, setting.env])) as {
  readonly [K in keyof typeof SETTINGS]: (typeof SETTINGS)[K]['env'];
};

/** The SPEC's round period: every 60 s in AWS, every 5 s locally. */
const DEFAULT_ROUND_SECONDS: Record<Mode, number> = { aws: 60, local: 5 };

export function loadConfig(env: Record<string, string | undefined>, mode: Mode = 'aws'): Config {
  const get = <K extends keyof typeof SETTINGS>(key: K): ReturnType<(typeof SETTINGS)[K]['read']> => {
    const setting = SETTINGS[key];
    const raw = env[setting.env] ?? setting.default ?? String(DEFAULT_ROUND_SECONDS[mode]);
    return setting.read(raw, setting.env) as ReturnType<(typeof SETTINGS)[K]['read']>;
  };
  const reserveBounds = { min: get('reserveMin'), max: get('reserveMax') };
  if (reserveBounds.min <= 0 || reserveBounds.min > reserveBounds.max) {
    throw new ValidationError('reserve bounds must satisfy 0 < SYNTROPISM_RESERVE_MIN ≤ SYNTROPISM_RESERVE_MAX');
  }
  const clamp = (p: number) => Math.min(reserveBounds.max, Math.max(reserveBounds.min, p));
  return {
    genesisEndowment: get('genesisEndowment'),
    spawnFee: get('spawnFee'),
    messageFee: get('messageFee'),
    rewardPerPoint: get('rewardPerPoint'),
    bidExpiryRounds: get('bidExpiryRounds'),
    dormancyLimitSeconds: get('dormancyLimitSeconds'),
    reserveBounds,
    roundSeconds: get('roundSeconds'),
    burnShards: get('burnShards'),
    payments: get('payments'),
    idempotencyTtlSeconds: get('idempotencyTtlSeconds'),
    promptTtlSeconds: get('promptTtlSeconds'),
    capacity: {
      vcpu: get('supplyVcpu'),
      memoryMiB: get('supplyMemoryMiB'),
      tokens: get('supplyTokens'),
      attention: get('supplyAttention'),
    },
    initialReserve: {
      vcpu: clamp(get('reserveVcpu')),
      memoryMiB: clamp(get('reserveMemoryMiB')),
      tokens: clamp(get('reserveTokens')),
      attention: clamp(get('reserveAttention')),
    },
    llm: {
      maxTokens: get('llmMaxTokens'),
      timeoutSeconds: get('llmTimeoutSeconds'),
      prices: { inputPer1k: get('llmPriceInputPer1k'), outputPer1k: get('llmPriceOutputPer1k') },
    },
  };
}

/** Dollars as decimal text → nano-dollars (10⁻⁹ $), exactly. */
function dollars(raw: string, name: string): number {
  const value = parseScaledDecimal(raw, 9, name);
  if (value < 0) throw new ValidationError(`${name} must not be negative`);
  return value;
}

/** vCPUs as decimal text ("2", "0.25") → CPU units (1024 per vCPU). */
function cpuUnits(raw: string, name: string): number {
  const thousandths = parseScaledDecimal(raw, 3, name);
  if (thousandths < 0 || thousandths > 1_000_000_000) throw new ValidationError(`${name} must be a number of vCPUs ≥ 0`);
  return Math.round((thousandths * CPU_UNITS_PER_VCPU) / 1000);
}

function paymentsMode(raw: string, name: string): PaymentsMode {
  const mode = PAYMENTS_MODES.find((m) => m === raw);
  if (!mode) throw new ValidationError(`${name} must be one of ${PAYMENTS_MODES.join(', ')}, got "${raw}"`);
  return mode;
}

function credits(raw: string, name: string): Micros {
  const value = parseCredits(raw, name);
  if (value < 0) throw new ValidationError(`${name} must not be negative`);
  return value;
}

function price(raw: string, name: string): number {
  return parseScaledDecimal(raw, PRICE_DECIMALS, name);
}

function int(min: number, max: number) {
  const schema = z.pipe(z.coerce.number(), z.int().check(z.gte(min), z.lte(max)));
  return (raw: string, name: string): number => {
    const parsed = schema.safeParse(raw.trim() === '' ? Number.NaN : raw);
    if (!parsed.success) throw new ValidationError(`${name} must be an integer in [${min}, ${max}], got "${raw}"`);
    return parsed.data;
  };
}
