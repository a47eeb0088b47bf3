import { describe, expect, it } from 'vitest';
import { parseRequestPayParams } from './request-pay';

/** 2026-01-15 12:00 in Korea. */
const NOW = new Date(Date.UTC(2026, 0, 15, 3, 0, 0));

const base = { pay_method: 'card', merchant_uid: 'order1', name: '결 머그컵', amount: 1004, buyer_tel: '010-1234-5678' };

function violationsOf(params: unknown): string[] {
  const parsed = parseRequestPayParams(params, { now: NOW });
  return parsed.ok ? [] : parsed.violations.map((v) => v.field);
}

describe('parseRequestPayParams (common V1 rules)', () => {
  it('accepts a usual card request and types it', () => {
    const parsed = parseRequestPayParams({ ...base, custom_data: { cart: [1, 2] }, notice_url: 'https://shop.example/hook' }, { now: NOW });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.request).toMatchObject({ payMethod: 'card', merchantUid: 'order1', amount: 1004, currency: 'KRW', buyerTel: '010-1234-5678' });
    expect(parsed.request.customData).toBe('{"cart":[1,2]}');
    expect(parsed.request.noticeUrl).toBe('["https://shop.example/hook"]');
  });

  it('requires merchant_uid and amount, and amount must be a number (not a string)', () => {
    expect(violationsOf({ ...base, merchant_uid: undefined })).toEqual(['merchant_uid']);
    expect(violationsOf({ ...base, amount: undefined })).toEqual(['amount']);
    expect(violationsOf({ ...base, amount: '1004' })).toEqual(['amount']);
    expect(violationsOf({ ...base, merchant_uid: 1234 })).toEqual(['merchant_uid']);
    expect(violationsOf({ ...base, amount: -5 })).toEqual(['amount']);
  });

  it('names every broken field at once, with Korean rules', () => {
    const parsed = parseRequestPayParams({ ...base, amount: 'x', currency: 'XYZ', m_redirect_url: 'not a url', escrow: 'yes' }, { now: NOW });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.violations.map((v) => v.field).sort()).toEqual(['amount', 'currency', 'escrow', 'm_redirect_url']);
    expect(parsed.violations.find((v) => v.field === 'amount')?.rule).toContain('숫자');
  });

  it('refuses unknown pay methods, non-object params and bad card.direct', () => {
    expect(violationsOf({ ...base, pay_method: 'bitcoin' })).toEqual(['pay_method']);
    expect(violationsOf('order1')).toEqual(['params']);
    expect(violationsOf({ ...base, card: { direct: { code: 361, quota: 'x' } } }).sort()).toEqual(['card.direct.code', 'card.direct.quota']);
  });
});
