import { describe, expect, it } from 'vitest';
import { smartroOrderId, validatePaymentRequest } from './rules';
import { paymentRequest, type FlatPaymentFacts } from './test-fixtures';

const pc = { mobile: false };

function violations(overrides: Partial<FlatPaymentFacts>) {
  return validatePaymentRequest(paymentRequest(overrides), pc);
}

function fields(overrides: Partial<FlatPaymentFacts>) {
  return violations(overrides).map((v) => v.field);
}

describe('Smartro request rules', () => {
  it('accepts a plain card request, on PC and on mobile', () => {
    expect(validatePaymentRequest(paymentRequest(), pc)).toEqual([]);
    expect(validatePaymentRequest(paymentRequest(), { mobile: true })).toEqual([]);
  });

  describe('merchant_uid', () => {
    it('allows letters and digits up to 40 characters', () => {
      expect(violations({ merchantUid: 'A'.repeat(40) })).toEqual([]);
      expect(violations({ merchantUid: 'abcXYZ0123456789' })).toEqual([]);
    });
    it('refuses special characters and spaces', () => {
      for (const uid of ['order-1', 'order_1', 'order 1', '주문1', 'a.b']) {
        expect(violations({ merchantUid: uid })).toEqual([{ field: 'merchant_uid', rule: '영문자와 숫자만 사용할 수 있습니다' }]);
      }
    });
    it('accepts more than 40 characters: Smartro gets the first 40 as Moid', () => {
      expect(violations({ merchantUid: 'A'.repeat(41) })).toEqual([]);
      expect(smartroOrderId(`${'A'.repeat(40)}tail`)).toBe('A'.repeat(40));
      expect(smartroOrderId('short1')).toBe('short1');
    });
  });

  describe('currency', () => {
    it('allows KRW only; USD is temporarily unavailable, the rest unsupported', () => {
      for (const currency of ['EUR', 'JPY', 'CNY'] as const) {
        expect(violations({ currency })).toEqual([{ field: 'currency', rule: '스마트로가 지원하지 않는 화폐입니다 (KRW만 가능)' }]);
      }
      expect(violations({ currency: 'USD' })).toEqual([{ field: 'currency', rule: '스마트로의 USD 결제는 일시적으로 사용할 수 없습니다 (KRW만 가능)' }]);
    });
  });

  describe('amount', () => {
    it('allows 1 to 999,999,999,999', () => {
      expect(violations({ amount: 1 })).toEqual([]);
      expect(violations({ amount: 999_999_999_999 })).toEqual([]);
    });
    it('refuses 0', () => {
      expect(fields({ amount: 0 })).toEqual(['amount']);
    });
    it('refuses more than 12 digits', () => {
      const [v] = violations({ amount: 1_000_000_000_000 });
      expect(v.field).toBe('amount');
      expect(v.rule).toContain('12자리');
    });
  });

  describe('buyer fields', () => {
    it('requires buyer_tel for the window', () => {
      expect(fields({ buyerTel: null })).toEqual(['buyer_tel']);
      expect(fields({ buyerTel: '  ' })).toEqual(['buyer_tel']);
      expect(validatePaymentRequest(paymentRequest({ buyerTel: null }), { mobile: true }).map((v) => v.field)).toEqual(['buyer_tel']);
    });
    it('limits buyer_name to 30 and buyer_email to 60 characters', () => {
      expect(violations({ buyerName: '가'.repeat(30), buyerEmail: `${'a'.repeat(48)}@example.com` })).toEqual([]);
      expect(fields({ buyerName: '가'.repeat(31) })).toEqual(['buyer_name']);
      expect(fields({ buyerEmail: `${'a'.repeat(49)}@example.com` })).toEqual(['buyer_email']);
    });
  });

  describe('pay_method', () => {
    it('implements card, trans, vbank and phone', () => {
      expect(violations({ payMethod: 'trans' })).toEqual([]);
      expect(violations({ payMethod: 'phone', digital: false })).toEqual([]);
      expect(violations({ payMethod: 'vbank', vbankDue: '20991231235959' })).toEqual([]);
    });
    it('requires vbank_due for a virtual account, naming the field', () => {
      expect(violations({ payMethod: 'vbank' })).toEqual([{ field: 'vbank_due', rule: '가상계좌 결제에는 입금기한(vbank_due)이 필수입니다 (스마트로 규칙)' }]);
    });
    it('requires digital for a phone payment, naming the field', () => {
      expect(violations({ payMethod: 'phone' })).toEqual([
        { field: 'digital', rule: '휴대폰 소액결제에는 디지털 상품 여부(digital: true/false)가 필수입니다 (스마트로 규칙)' },
      ]);
      expect(violations({ payMethod: 'card' })).toEqual([]);
    });
  });

  describe('card.direct', () => {
    it('allows a code with a quota (0 = lump sum, 2–12 months)', () => {
      expect(violations({ cardDirect: { code: '361', quota: 0 } })).toEqual([]);
      expect(violations({ amount: 50_000, cardDirect: { code: '371', quota: 12 } })).toEqual([]);
    });
    it('requires code and quota together', () => {
      expect(fields({ cardDirect: { code: '361', quota: null } })).toEqual(['card.direct.quota']);
      expect(fields({ cardDirect: { code: null, quota: 3 }, amount: 60_000 })).toEqual(['card.direct.code']);
    });
    it('ignores an empty card.direct', () => {
      expect(violations({ cardDirect: { code: null, quota: null } })).toEqual([]);
    });
    it('refuses card companies Smartro cannot open directly', () => {
      expect(fields({ cardDirect: { code: '999', quota: 0 } })).toEqual(['card.direct.code']);
    });
    it('refuses 1 month and more than 12 months', () => {
      expect(fields({ amount: 60_000, cardDirect: { code: '361', quota: 1 } })).toEqual(['card.direct.quota']);
      expect(fields({ amount: 60_000, cardDirect: { code: '361', quota: 24 } })).toEqual(['card.direct.quota']);
    });
    it('offers installments only from 50,000 won', () => {
      const [v] = violations({ amount: 49_999, cardDirect: { code: '361', quota: 3 } });
      expect(v).toEqual({ field: 'card.direct.quota', rule: '할부는 50,000원 이상 결제에서만 가능합니다' });
    });
    it('cannot be combined with escrow', () => {
      expect(violations({ escrow: true })).toEqual([]);
      const [v] = violations({ escrow: true, cardDirect: { code: '361', quota: 0 } });
      expect(v.field).toBe('card.direct');
      expect(v.rule).toContain('에스크로');
    });
  });

  describe('customer_id', () => {
    it('allows up to 20 characters', () => {
      expect(violations({ customerId: 'c'.repeat(20) })).toEqual([]);
      expect(fields({ customerId: 'c'.repeat(21) })).toEqual(['customer_id']);
    });
  });

  describe('bypass.smartro_v2', () => {
    it('accepts the documented SkinColor, OpenType and GoodsCnt values', () => {
      for (const SkinColor of ['RED', 'GREEN', 'BLUE', 'PURPLE']) {
        expect(violations({ bypass: { smartro_v2: { SkinColor } } })).toEqual([]);
      }
      for (const OpenType of ['KR', 'EN']) {
        expect(violations({ bypass: { smartro_v2: { OpenType } } })).toEqual([]);
      }
      expect(violations({ bypass: { smartro_v2: { GoodsCnt: 3 } } })).toEqual([]);
      expect(violations({ bypass: { smartro_v2: { GoodsCnt: '2' } } })).toEqual([]);
      expect(violations({ bypass: { other_pg: { SkinColor: 'PINK' } } })).toEqual([]);
    });
    it('refuses other values', () => {
      expect(fields({ bypass: { smartro_v2: { SkinColor: 'PINK' } } })).toEqual(['bypass.smartro_v2.SkinColor']);
      expect(fields({ bypass: { smartro_v2: { SkinColor: 'red' } } })).toEqual(['bypass.smartro_v2.SkinColor']);
      expect(fields({ bypass: { smartro_v2: { OpenType: 'JP' } } })).toEqual(['bypass.smartro_v2.OpenType']);
      expect(fields({ bypass: { smartro_v2: { GoodsCnt: 0 } } })).toEqual(['bypass.smartro_v2.GoodsCnt']);
      expect(fields({ bypass: { smartro_v2: 'RED' } })).toEqual(['bypass.smartro_v2']);
    });
  });

  it('reports every violation at once, each naming its rule in Korean', () => {
    const all = violations({ merchantUid: 'bad-uid', currency: 'USD', buyerTel: null, customerId: 'c'.repeat(21) });
    expect(all.map((v) => v.field)).toEqual(['merchant_uid', 'currency', 'buyer_tel', 'customer_id']);
    expect(all.every((v) => /[가-힣]/.test(v.rule))).toBe(true);
  });
});
