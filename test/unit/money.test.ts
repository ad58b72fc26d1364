import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../economy/errors.js';
import {
  addMicros,
  assertMicros,
  credits,
  formatCredits,
  mulMicros,
  parseCredits,
  parseScaledDecimal,
  subMicros,
  sumMicros,
} from '../../economy/money.js';

describe('money', () => {
  it('parses credits exactly, digit by digit', () => {
    expect(parseCredits('1000')).toBe(1_000_000_000);
    expect(parseCredits('0.01')).toBe(10_000);
    expect(parseCredits('0.000001')).toBe(1);
    expect(parseCredits('-2.5')).toBe(-2_500_000);
    expect(parseCredits(' 12.340 ')).toBe(12_340_000);
    // 0.1 + 0.2 would not be 0.3 in floating point; here it is.
    expect(addMicros(parseCredits('0.1'), parseCredits('0.2'))).toBe(parseCredits('0.3'));
  });

  it.each(['', '1e3', '0.0000001', 'abc', '1.', '.5', '1,5', '9007199254.740992', 'NaN'])('refuses "%s"', (text) => {
    expect(() => parseCredits(text)).toThrow(ValidationError);
  });

  it('formats without trailing zeros', () => {
    expect(formatCredits(1_500_000)).toBe('1.5');
    expect(formatCredits(1)).toBe('0.000001');
    expect(formatCredits(-10_000)).toBe('-0.01');
    expect(formatCredits(0)).toBe('0');
    expect(formatCredits(credits(1000))).toBe('1000');
  });

  it('round-trips every safe amount through text', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (micros) => {
        expect(parseCredits(formatCredits(micros))).toBe(micros);
      }),
    );
  });

  it('checks arithmetic against the safe-integer range', () => {
    expect(() => addMicros(Number.MAX_SAFE_INTEGER, 1)).toThrow(ValidationError);
    expect(() => subMicros(Number.MIN_SAFE_INTEGER, 1)).toThrow(ValidationError);
    expect(() => mulMicros(Number.MAX_SAFE_INTEGER, 2)).toThrow(ValidationError);
    expect(() => mulMicros(10, 1.5)).toThrow(ValidationError);
    expect(mulMicros(50_000_000, 30)).toBe(1_500_000_000);
    expect(sumMicros([1, 2, 3])).toBe(6);
  });

  it('asserts integer amounts with a sign', () => {
    expect(() => assertMicros(1.5, 'amount')).toThrow(/integer/);
    expect(() => assertMicros('5', 'amount')).toThrow(ValidationError);
    expect(() => assertMicros(0, 'amount', 'positive')).toThrow(/positive/);
    expect(() => assertMicros(-1, 'amount', 'non-negative')).toThrow(/negative/);
    expect(() => assertMicros(0, 'amount', 'non-negative')).not.toThrow();
  });

  it('scales decimals to any precision', () => {
    expect(parseScaledDecimal('0.000001', 12)).toBe(1_000_000);
    expect(parseScaledDecimal('1000', 12)).toBe(1e15);
    expect(() => parseScaledDecimal('10000', 12)).toThrow(/out of range/);
  });
});
