import { describe, expect, it } from 'vitest';
import { fromMinorUnits, toMinorUnits } from './money';

describe('money', () => {
  it('keeps KRW as whole won and refuses fractions', () => {
    expect(toMinorUnits(1004, 'KRW')).toBe(1004);
    expect(toMinorUnits(0, 'KRW')).toBe(0);
    expect(toMinorUnits(10.5, 'KRW')).toBeNull();
    expect(fromMinorUnits(1004, 'KRW')).toBe(1004);
  });

  it('converts two-decimal currencies without float error', () => {
    expect(toMinorUnits(0.1 + 0.2, 'USD')).toBeNull(); // 0.30000000000000004 has more than 2 decimals
    expect(toMinorUnits(12.34, 'USD')).toBe(1234);
    expect(toMinorUnits(19.99, 'USD')).toBe(1999);
    expect(toMinorUnits(1.005, 'USD')).toBeNull();
    expect(fromMinorUnits(1999, 'USD')).toBe(19.99);
    expect(fromMinorUnits(5, 'USD')).toBe(0.05);
  });

  it('refuses negative, non-finite and too-large amounts', () => {
    expect(toMinorUnits(-1, 'KRW')).toBeNull();
    expect(toMinorUnits(Number.NaN, 'KRW')).toBeNull();
    expect(toMinorUnits(Number.POSITIVE_INFINITY, 'KRW')).toBeNull();
    expect(toMinorUnits(1e12, 'KRW')).toBeNull();
    expect(toMinorUnits(999_999_999_999, 'KRW')).toBe(999_999_999_999);
  });
});
