import { EMPTY_PASS_THROUGH, type PaymentPassThrough } from './payment';

/**
 * The codec of a payment's PG pass-through fields (stored as JSON text). Decoding checks every
 * field's type, so a row written by another version or by hand never reaches a PG window as
 * something it is not.
 */
export function encodePassThrough(value: PaymentPassThrough): string {
  return JSON.stringify(value);
}

const isNullableString = (v: unknown): v is string | null => v === null || typeof v === 'string';
const isNullableInt = (v: unknown): v is number | null => v === null || (typeof v === 'number' && Number.isInteger(v));

/** @throws SyntaxError when the text is not JSON, TypeError when it is not a pass-through object of the expected shape */
export function decodePassThrough(text: string): PaymentPassThrough {
  const raw: unknown = JSON.parse(text);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new TypeError('pass-through is not an object');
  const r = { ...EMPTY_PASS_THROUGH, ...(raw as Record<string, unknown>) } as Record<string, unknown>;
  const problems: string[] = [];
  if (r.digital !== null && typeof r.digital !== 'boolean') problems.push('digital');
  for (const key of ['vbankDue', 'customerId', 'language'] as const) if (!isNullableString(r[key])) problems.push(key);
  const direct = r.cardDirect as Record<string, unknown> | null;
  if (direct !== null && (typeof direct !== 'object' || Array.isArray(direct) || !isNullableString(direct.code) || !isNullableInt(direct.quota))) {
    problems.push('cardDirect');
  }
  if (r.bypass !== null && (typeof r.bypass !== 'object' || Array.isArray(r.bypass))) problems.push('bypass');
  const period = r.period as Record<string, unknown> | null;
  if (period !== null && (typeof period !== 'object' || Array.isArray(period) || typeof period.from !== 'string' || typeof period.to !== 'string')) {
    problems.push('period');
  }
  if (problems.length > 0) throw new TypeError(`pass-through fields of the wrong type: ${problems.join(', ')}`);
  return {
    digital: r.digital as boolean | null,
    vbankDue: r.vbankDue as string | null,
    customerId: r.customerId as string | null,
    cardDirect: direct === null ? null : { code: direct.code as string | null, quota: direct.quota as number | null },
    bypass: r.bypass as Record<string, unknown> | null,
    language: r.language as string | null,
    period: period === null ? null : { from: period.from as string, to: period.to as string },
  };
}
