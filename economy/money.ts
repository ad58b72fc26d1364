/**
 * Money is an integer number of micro-credits (µcr): 1 credit = 1,000,000 µcr. Every amount in
 * storage, the API and arithmetic is a JavaScript safe integer; no floating point touches money.
 * Decimal text (config, display) is converted exactly, digit by digit, never through a float.
 */
import { ValidationError } from './errors.js';

/** An amount of micro-credits: always a safe integer. */
export type Micros = number;

export const MICROS_PER_CREDIT = 1_000_000;
export const CREDIT_DECIMALS = 6;

export function isMicros(value: unknown): value is Micros {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/** Throws a ValidationError unless `value` is a safe integer (optionally > 0 or ≥ 0). */
export function assertMicros(
  value: unknown,
  field: string,
  sign: 'any' | 'positive' | 'non-negative' = 'any',
): asserts value is Micros {
  if (!isMicros(value)) {
    throw new ValidationError(`${field} must be an integer number of micro-credits within ±${Number.MAX_SAFE_INTEGER}`, {
      field,
    });
  }
  if (sign === 'positive' && value <= 0) throw new ValidationError(`${field} must be positive`, { field });
  if (sign === 'non-negative' && value < 0) throw new ValidationError(`${field} must not be negative`, { field });
}

/** Checked addition: refuses a result outside the safe-integer range. */
export function addMicros(a: Micros, b: Micros): Micros {
  const sum = a + b;
  if (!Number.isSafeInteger(sum)) throw new ValidationError('amount overflows the safe-integer range');
  return sum;
}

export function subMicros(a: Micros, b: Micros): Micros {
  return addMicros(a, -b);
}

/** Checked multiplication by an integer factor. */
export function mulMicros(a: Micros, factor: number): Micros {
  if (!Number.isSafeInteger(factor)) throw new ValidationError('factor must be an integer');
  const product = a * factor;
  if (!Number.isSafeInteger(product)) throw new ValidationError('amount overflows the safe-integer range');
  return product;
}

export function sumMicros(values: Iterable<Micros>): Micros {
  let total = 0;
  for (const v of values) total = addMicros(total, v);
  return total;
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * Parses decimal text exactly into an integer scaled by 10^decimals ("1.5" with 6 decimals is
 * 1,500,000). Refuses exponents, more fractional digits than `decimals`, and unsafe results.
 */
export function parseScaledDecimal(text: string, decimals: number, field = 'value'): number {
  const match = DECIMAL.exec(text.trim());
  if (!match) throw new ValidationError(`${field} must be a decimal number, got "${text}"`, { field });
  const [, minus, whole, fraction = ''] = match;
  if (fraction.length > decimals) {
    throw new ValidationError(`${field} has more than ${decimals} decimal places: "${text}"`, { field });
  }
  const digits = `${whole}${fraction.padEnd(decimals, '0')}`;
  const scaled = BigInt(digits) * (minus ? -1n : 1n);
  if (scaled > BigInt(Number.MAX_SAFE_INTEGER) || scaled < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new ValidationError(`${field} is out of range: "${text}"`, { field });
  }
  return Number(scaled);
}

/** "12.5" credits → 12,500,000 µcr, exactly. */
export function parseCredits(text: string, field = 'credits'): Micros {
  return parseScaledDecimal(text, CREDIT_DECIMALS, field);
}

/** Formats a scaled integer as decimal text without trailing zeros: 1,500,000 (6) → "1.5". */
export function formatScaledDecimal(value: number, decimals: number): string {
  if (!Number.isSafeInteger(value)) throw new ValidationError('value must be a safe integer');
  const negative = value < 0;
  const digits = Math.abs(value).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** 12,500,000 µcr → "12.5". */
export function formatCredits(micros: Micros): string {
  return formatScaledDecimal(micros, CREDIT_DECIMALS);
}

/** Whole credits → µcr, for defaults written in credits. */
export function credits(whole: number): Micros {
  return mulMicros(MICROS_PER_CREDIT, whole);
}
