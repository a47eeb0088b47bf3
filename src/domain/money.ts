/**
 * Money is kept as integer minor units plus a currency. V1 sends amounts as JSON numbers
 * (KRW has no decimals; other currencies allow two), so conversion happens once at the edge
 * and all arithmetic stays in integers.
 */
export type Currency = 'KRW' | 'USD' | 'EUR' | 'JPY' | 'CNY';

const DECIMALS: Record<Currency, number> = { KRW: 0, JPY: 0, USD: 2, EUR: 2, CNY: 2 };

export const CURRENCIES = Object.keys(DECIMALS) as Currency[];

export function isCurrency(value: unknown): value is Currency {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DECIMALS, value);
}

export function currencyDecimals(currency: Currency): number {
  return DECIMALS[currency];
}

/** The largest amount gyeol accepts in minor units: 12 digits, what PG amount fields hold. */
export const MAX_MINOR_UNITS = 999_999_999_999;

/**
 * Converts a V1 wire amount (a JSON number such as 1004 or 12.5) to integer minor units.
 * Goes through the decimal string so that float error never enters the integer.
 * Returns null when the number has more decimals than the currency allows, is negative,
 * not finite, or too large.
 */
export function toMinorUnits(amount: number, currency: Currency): number | null {
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) return null;
  const decimals = DECIMALS[currency];
  // String() gives the shortest text that reads back as the same double, so 0.1 + 0.2 shows as
  // 0.30000000000000004 and is refused instead of being silently rounded. Exponent forms are
  // either beyond the maximum or finer than a minor unit.
  const text = String(amount);
  if (/e/i.test(text)) return null;
  const [whole, fraction = ''] = text.split('.');
  if (fraction.length > decimals) return null;
  const kept = fraction.padEnd(decimals, '0');
  const minor = Number(whole + kept);
  if (!Number.isSafeInteger(minor) || minor > MAX_MINOR_UNITS) return null;
  return minor;
}

/** Converts integer minor units back to the V1 wire number. */
export function fromMinorUnits(minor: number, currency: Currency): number {
  const decimals = DECIMALS[currency];
  if (decimals === 0) return minor;
  const sign = minor < 0 ? '-' : '';
  const digits = Math.abs(minor).toString().padStart(decimals + 1, '0');
  return Number(`${sign}${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`);
}
