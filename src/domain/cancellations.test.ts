import { describe, expect, it } from 'vitest';
import { planCancel, type CancelRequest } from './cancellations';

const noRefund = { holder: null, bank: null, account: null, tel: null };
const request = (overrides: Partial<CancelRequest> = {}): CancelRequest => ({
  amount: null,
  taxFree: null,
  vatAmount: null,
  checksum: null,
  reason: null,
  refund: noRefund,
  enableWebhook: false,
  ...overrides,
});
const card = { payMethod: 'card' as const, taxFree: null };

describe('planCancel', () => {
  it('takes everything that is left when no amount (or 0) is given, with a default reason', () => {
    expect(planCancel(card, 7_000, request())).toEqual({ ok: true, plan: { amount: 7_000, taxFree: 0, vatAmount: null, reason: '가맹점 요청에 의한 취소', refund: null } });
    expect(planCancel(card, 7_000, request({ amount: 0, reason: '  고객 변심 ' }))).toEqual({
      ok: true,
      plan: { amount: 7_000, taxFree: 0, vatAmount: null, reason: '고객 변심', refund: null },
    });
  });

  it('keeps a partial amount with its tax split', () => {
    const payment = { payMethod: 'card' as const, taxFree: 2_000 };
    expect(planCancel(payment, 10_000, request({ amount: 3_000, taxFree: 1_000, vatAmount: 181 }))).toEqual({
      ok: true,
      plan: { amount: 3_000, taxFree: 1_000, vatAmount: 181, reason: '가맹점 요청에 의한 취소', refund: null },
    });
  });

  it('names every broken tax and reason rule', () => {
    const result = planCancel({ payMethod: 'card', taxFree: 500 }, 10_000, request({ amount: 1_000, taxFree: 1_001, vatAmount: 1_000, reason: 'x'.repeat(257) }));
    expect(result).toEqual({
      ok: false,
      violations: [
        { field: 'tax_free', rule: '취소 금액보다 클 수 없습니다' },
        { field: 'tax_free', rule: '결제의 면세금액(500)보다 클 수 없습니다' },
        { field: 'vat_amount', rule: '취소 금액에서 면세금액을 뺀 금액보다 클 수 없습니다' },
        { field: 'reason', rule: '최대 256자까지 입력할 수 있습니다' },
      ],
    });
  });

  it('requires the refund account for a virtual account or a bank transfer, and reads it without hyphens', () => {
    for (const payMethod of ['vbank', 'trans'] as const) {
      const missing = planCancel({ payMethod, taxFree: null }, 5_000, request());
      expect(missing.ok ? [] : missing.violations.map((v) => v.field)).toEqual(['refund_holder', 'refund_bank', 'refund_account', 'refund_tel']);
    }
    expect(planCancel({ payMethod: 'vbank', taxFree: null }, 5_000, request({ refund: { holder: '홍길동', bank: '088', account: '110-123-456789', tel: '010-1234-5678' } }))).toEqual({
      ok: true,
      plan: { amount: 5_000, taxFree: 0, vatAmount: null, reason: '가맹점 요청에 의한 취소', refund: { holder: '홍길동', bankCode: '088', account: '110123456789', tel: '01012345678' } },
    });
    const bad = planCancel({ payMethod: 'trans', taxFree: null }, 5_000, request({ refund: { holder: '홍길동', bank: '999', account: '12', tel: 'abc' } }));
    expect(bad).toEqual({
      ok: false,
      violations: [
        { field: 'refund_bank', rule: '은행 코드표(GET /banks)에 없는 코드입니다' },
        { field: 'refund_account', rule: '숫자 6~20자리여야 합니다 (하이픈은 빼고 읽습니다)' },
        { field: 'refund_tel', rule: '숫자 9~12자리 전화번호여야 합니다' },
      ],
    });
    // A card payment's money goes back to the card: refund fields are not needed (and not used).
    expect(planCancel(card, 5_000, request({ refund: { holder: '홍길동', bank: '088', account: '110123456789', tel: '01012345678' } }))).toMatchObject({ ok: true, plan: { refund: null } });
  });
});
