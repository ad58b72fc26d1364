/**
 * Resources and bundles. A bundle is what one bid asks for, all or nothing:
 * - `vcpu` and `memoryMiB`: concurrent capacity, held for the lease's whole duration; they must
 *   form a valid Fargate task size;
 * - `tokens`: LLM tokens for the lease, drawn from the round window's token supply;
 * - `attention`: prompts to the human for the lease, drawn from the window's attention supply.
 * Inside the economy vCPU is counted in Fargate CPU units (1 vCPU = 1024) so that all arithmetic
 * is on integers.
 */
import { ValidationError } from './errors.js';

export const RESOURCES = ['vcpu', 'memoryMiB', 'tokens', 'attention'] as const;
export type Resource = (typeof RESOURCES)[number];

/** An amount of each resource: vcpu in CPU units (1024 per vCPU), the rest in their own units. */
export type Quantities = Record<Resource, number>;

export interface Bundle {
  /** vCPUs: 0.25, 0.5, 1, 2 or 4. */
  vcpu: number;
  memoryMiB: number;
  tokens: number;
  attention: number;
  durationSeconds: number;
}

export const CPU_UNITS_PER_VCPU = 1024;
export const MAX_LEASE_SECONDS = 24 * 3600;
export const MAX_TOKENS = 1_000_000_000;
export const MAX_ATTENTION = 1_000;

const range = (min: number, max: number, step: number): number[] =>
  Array.from({ length: (max - min) / step + 1 }, (_, i) => min + i * step);

/** Fargate's task sizes: the memory (MiB) allowed with each vCPU size. */
export const FARGATE_SIZES: readonly { vcpu: number; memoryMiB: readonly number[] }[] = [
  { vcpu: 0.25, memoryMiB: [512, 1024, 2048] },
  { vcpu: 0.5, memoryMiB: range(1024, 4096, 1024) },
  { vcpu: 1, memoryMiB: range(2048, 8192, 1024) },
  { vcpu: 2, memoryMiB: range(4096, 16384, 1024) },
  { vcpu: 4, memoryMiB: range(8192, 30720, 1024) },
];

/** Every valid (vcpu, memoryMiB) pair, as listed in the error for an invalid one. */
export function validFargateSizes(): string[] {
  return FARGATE_SIZES.map((s) => `${s.vcpu} vCPU: ${s.memoryMiB.join(', ')} MiB`);
}

export function isValidFargateSize(vcpu: unknown, memoryMiB: unknown): boolean {
  const size = FARGATE_SIZES.find((s) => s.vcpu === vcpu);
  return size !== undefined && typeof memoryMiB === 'number' && size.memoryMiB.includes(memoryMiB);
}

const isNat = (n: unknown, max: number): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= max;

/** Checks a bundle completely; an invalid vcpu/memory pair is refused with the valid sizes listed. */
export function assertBundle(bundle: Bundle): void {
  if (!isValidFargateSize(bundle.vcpu, bundle.memoryMiB)) {
    throw new ValidationError(
      `vcpu ${String(bundle.vcpu)} with memoryMiB ${String(bundle.memoryMiB)} is not a valid Fargate size; valid sizes are: ${validFargateSizes().join('; ')}`,
      { field: 'bundle', validSizes: validFargateSizes() },
    );
  }
  if (!isNat(bundle.tokens, MAX_TOKENS)) throw new ValidationError(`bundle.tokens must be an integer in [0, ${MAX_TOKENS}]`, { field: 'bundle.tokens' });
  if (!isNat(bundle.attention, MAX_ATTENTION)) {
    throw new ValidationError(`bundle.attention must be an integer in [0, ${MAX_ATTENTION}]`, { field: 'bundle.attention' });
  }
  if (!isNat(bundle.durationSeconds, MAX_LEASE_SECONDS) || bundle.durationSeconds < 1) {
    throw new ValidationError(`bundle.durationSeconds must be an integer in [1, ${MAX_LEASE_SECONDS}]`, { field: 'bundle.durationSeconds' });
  }
}

/** What a bundle takes from the round's supply. */
export function bundleQuantities(bundle: Bundle): Quantities {
  return {
    vcpu: Math.round(bundle.vcpu * CPU_UNITS_PER_VCPU),
    memoryMiB: bundle.memoryMiB,
    tokens: bundle.tokens,
    attention: bundle.attention,
  };
}

export const zeroQuantities = (): Quantities => ({ vcpu: 0, memoryMiB: 0, tokens: 0, attention: 0 });

export function addQuantities(a: Quantities, b: Quantities): Quantities {
  return { vcpu: a.vcpu + b.vcpu, memoryMiB: a.memoryMiB + b.memoryMiB, tokens: a.tokens + b.tokens, attention: a.attention + b.attention };
}

export function fits(need: Quantities, available: Quantities): boolean {
  return need.vcpu <= available.vcpu && need.memoryMiB <= available.memoryMiB && need.tokens <= available.tokens && need.attention <= available.attention;
}
