import { describe, expect, it } from 'vitest';
import {
  approvalOutcome,
  bankDetailsFrom,
  cardDetailsFrom,
  readApprovalResponse,
  SMARTRO_RESULT_CODES,
  toApprovalResult,
  toV1Card,
  type KnownSmartroResultCode,
} from './transformers';
import { SMARTRO_CARD_COMPANIES, withSmartroCardCodes, type SmartroApprovalResponse } from './wire';
import type { PayMethod } from '../../domain/payment';
import { faultOf } from './test-fixtures';

const TID = 'gyeoltest101012601152100001234';
const NOW = new Date('2026-01-15T12:00:05Z');
const RECEIPT_BASE = 'https://test.smilepay.co.kr';
const question = { pgTid: TID, payMethod: 'card' as const, mid: 'gyeoltest1', receiptBaseUrl: RECEIPT_BASE };

/** Shaped like the published test answer (protocol reference §3.1), with our own values. */
function approved(overrides: Partial<SmartroApprovalResponse> = {}): SmartroApprovalResponse {
  return {
    CoNm: '결 시뮬레이터',
    Tid: TID,
    MerchantReserved: '',
    CardQuota: '00',
    AppCardCode: '12',
    AppCardName: 'NH농협',
    AcquCardCode: '12',
    AcquCardName: 'NH농협',
    CardMerchantNo: '123456789',
    CardNum: '42424242****424*',
    UsePoint: '000000000',
    BalancePoint: '000000000',
    CardInterest: '0',
    ResultCode: '3001',
    ResultMsg: '카드 결제 성공',
    AuthDate: '260115210004',
    AuthCode: '12345678',
    GoodsName: '결 머그컵',
    GoodsCnt: '1',
    Amt: '1004',
    Moid: 'order1',
    Mid: 'gyeoltest1',
    PayMethod: 'CARD',
    SignValue: 'checked-before-transform',
    CardType: '0',
    CardOwnerType: '0',
    ...overrides,
  };
}


describe('result code table', () => {
  const outcomesFor = (payMethod: 'card' | 'trans' | 'vbank' | 'phone') =>
    Object.fromEntries((Object.keys(SMARTRO_RESULT_CODES) as KnownSmartroResultCode[]).map((code) => [code, approvalOutcome(code, payMethod)]));
  const others = {
    '4110': 'unexpected',
    B000: 'unexpected',
    '7001': 'unexpected',
    '0000': 'unexpected',
    '2001': 'unexpected',
    '2211': 'unexpected',
    '2013': 'unexpected',
    W034: 'declined',
    U999: 'declined',
    '9999': 'declined',
    B101: 'unexpected',
  };

  it('decides every known code on purpose for a card payment: only 3001 approves', () => {
    expect(outcomesFor('card')).toEqual({ '3001': 'approved', '4000': 'unexpected', A000: 'unexpected', '4100': 'unexpected', ...others });
  });

  it('approves a bank transfer with 4000 only: 3001 or A000 to a bank transfer is unexpected', () => {
    expect(outcomesFor('trans')).toEqual({ '3001': 'unexpected', '4000': 'approved', A000: 'unexpected', '4100': 'unexpected', ...others });
  });

  it('approves a phone payment with A000 only', () => {
    expect(outcomesFor('phone')).toEqual({ '3001': 'unexpected', '4000': 'unexpected', A000: 'approved', '4100': 'unexpected', ...others });
  });

  it('approves a virtual account with 4100 (issued) only; 4110 (a deposit) is never an approval', () => {
    expect(outcomesFor('vbank')).toEqual({ '3001': 'unexpected', '4000': 'unexpected', A000: 'unexpected', '4100': 'approved', ...others });
  });

  it('treats unknown codes (the card companies’ and banks’ refusals) as declines', () => {
    for (const payMethod of ['card', 'trans', 'vbank', 'phone'] as const) {
      for (const code of ['3051', '4052', 'X123', '', 'toString', '__proto__']) expect(approvalOutcome(code, payMethod)).toBe('declined');
    }
  });
});

describe('bank code mapping', () => {
  it('keeps the KFTC code and reports PortOne’s bank name', () => {
    expect(bankDetailsFrom(approved({ BankCode: '088', BankName: '신한' }))).toEqual({ bankCode: '088', bankName: '신한은행' });
    expect(bankDetailsFrom(approved({ BankCode: '004' }))).toEqual({ bankCode: '004', bankName: 'KB국민은행' });
    expect(bankDetailsFrom(approved({ BankCode: '090', BankName: '' }))).toEqual({ bankCode: '090', bankName: '카카오뱅크' });
  });

  it('keeps Smartro’s own name for a code PortOne’s table does not list, and nulls when the answer is silent', () => {
    expect(bankDetailsFrom(approved({ BankCode: '064', BankName: '산림조합' }))).toEqual({ bankCode: '064', bankName: '산림조합' });
    expect(bankDetailsFrom(approved({}))).toEqual({ bankCode: null, bankName: null });
  });
});

describe('card code mapping', () => {
  it('maps Smartro codes to KFTC codes and keeps Smartro’s name', () => {
    expect(toV1Card('12', 'NH농협')).toEqual({ code: '371', name: 'NH농협' });
    expect(toV1Card('01', '')).toEqual({ code: '361', name: 'BC' });
  });
  it('maps every Smartro code of the card table to its V1 code, and a channel\'s corrected code too', () => {
    for (const company of SMARTRO_CARD_COMPANIES) expect(toV1Card(company.smartroCode, ''), company.name).toEqual({ code: company.kftcCode, name: company.name });
    expect(toV1Card('41', '', withSmartroCardCodes({ '366': '41' }))).toEqual({ code: '366', name: '신한' });
  });
  it('leaves the code null for unknown Smartro codes', () => {
    expect(toV1Card('77', '어느카드')).toEqual({ code: null, name: '어느카드' });
    expect(toV1Card(undefined, undefined)).toEqual({ code: null, name: null });
  });
});

describe('readApprovalResponse', () => {
  it('reads an answer with Tid and SignValue as a signed answer, as it is', () => {
    const body = { ResultCode: '3001', Tid: TID, SignValue: 'x', Moid: 'order1' };
    expect(readApprovalResponse(body)).toEqual({ signed: true, response: body });
    const decline = { ResultCode: '3051', ResultMsg: '한도초과', Tid: TID, SignValue: 'x' };
    expect(readApprovalResponse(decline)).toEqual({ signed: true, response: decline });
  });

  it('reads Smartro’s bare error body as an unsigned decline', () => {
    expect(readApprovalResponse({ ResultCode: '9999', ResultMsg: '시스템에러 잠시후 재 거래' })).toEqual({
      signed: false,
      code: '9999',
      message: '시스템에러 잠시후 재 거래',
    });
    // Without a message, the table's description, or nothing for a code outside the table.
    expect(readApprovalResponse({ ResultCode: 'U999' })).toEqual({ signed: false, code: 'U999', message: '사용자가 결제를 취소하셨습니다' });
    expect(readApprovalResponse({ ResultCode: '3051', ResultMsg: '  ' })).toEqual({ signed: false, code: '3051', message: '' });
    // A Tid without a SignValue (or the reverse) is not signed either.
    expect(readApprovalResponse({ ResultCode: '3051', ResultMsg: '거절', Tid: TID })).toEqual({ signed: false, code: '3051', message: '거절' });
    expect(readApprovalResponse({ ResultCode: '3051', ResultMsg: '거절', SignValue: 'x', Tid: '' })).toEqual({ signed: false, code: '3051', message: '거절' });
  });

  it('never reads an unsigned success as anything but malformed', () => {
    for (const ResultCode of ['3001', '4100', '0000', '2001']) {
      expect(faultOf(() => readApprovalResponse({ ResultCode, ResultMsg: '성공', Tid: TID })).kind).toBe('malformed');
      expect(faultOf(() => readApprovalResponse({ ResultCode })).kind).toBe('malformed');
    }
  });

  it('refuses what is not an answer object with a ResultCode', () => {
    for (const body of [null, [], 'text', 42, {}, { ResultCode: 3001, Tid: TID, SignValue: 'x' }, { ResultCode: '', Tid: TID, SignValue: 'x' }]) {
      expect(faultOf(() => readApprovalResponse(body)).kind).toBe('malformed');
    }
  });
});

describe('toApprovalResult', () => {
  const approvedCard = {
    cardCode: '371',
    cardName: 'NH농협',
    cardIssuerCode: '371',
    cardIssuerName: 'NH농협',
    cardPublisherCode: '361',
    cardPublisherName: 'BC',
    cardNumber: '42424242****424*',
    cardQuota: 3,
    cardType: 0,
    applyNum: '12345678',
  };

  it('turns 3001 into an approval with its order, card fields and receipt', () => {
    const result = toApprovalResult(approved({ CardQuota: '03', AcquCardCode: '01', AcquCardName: 'BC' }), question, NOW);
    expect(result).toEqual({
      outcome: 'approved',
      pgTid: TID,
      approvedAt: new Date('2026-01-15T12:00:04Z'),
      code: '3001',
      message: '카드 결제 성공',
      order: { merchantUid: 'order1', amount: 1004, pgId: 'gyeoltest1' },
      details: { method: 'card', card: approvedCard },
      receiptUrl: `https://test.smilepay.co.kr/issue/IssueLoader.jsp?TID=${TID}&type=0`,
      escrow: null,
    });
  });

  it('builds the receipt URL on the channel’s receipt host', () => {
    const result = toApprovalResult(approved(), { ...question, receiptBaseUrl: 'http://127.0.0.1:4001/' }, NOW);
    expect(result).toMatchObject({ receiptUrl: `http://127.0.0.1:4001/issue/IssueLoader.jsp?TID=${TID}&type=0` });
  });

  it('reports the order the PG approved as it is, even another one: the services compare it', () => {
    const result = toApprovalResult(approved({ Moid: 'order2', Amt: '1005', Mid: 'othermid01' }), question, NOW);
    expect(result).toMatchObject({ outcome: 'approved', order: { merchantUid: 'order2', amount: 1005, pgId: 'othermid01' } });
  });

  it('reads a zero-padded or numeric Amt', () => {
    expect(toApprovalResult(approved({ Amt: '000000001004' }), question, NOW)).toMatchObject({ order: { amount: 1004 } });
    expect(toApprovalResult(approved({ Amt: 1004 }), question, NOW)).toMatchObject({ order: { amount: 1004 } });
  });

  it('falls back to now when AuthDate cannot be read', () => {
    for (const AuthDate of ['garbage', '260231210004', undefined]) {
      expect(toApprovalResult(approved({ AuthDate }), question, NOW)).toMatchObject({ outcome: 'approved', approvedAt: NOW });
    }
  });

  it('reads card quota and type only from the shapes Smartro sends', () => {
    const card = (overrides: Partial<SmartroApprovalResponse>) => cardDetailsFrom(approved(overrides));
    expect(card({ CardQuota: '12', CardType: '1' })).toMatchObject({ cardQuota: 12, cardType: 1 });
    expect(card({ CardQuota: 'x', CardType: '2' })).toMatchObject({ cardQuota: 0, cardType: null });
    expect(card({ CardQuota: undefined, CardType: undefined, AuthCode: ' ' })).toMatchObject({ cardQuota: 0, cardType: null, applyNum: null });
  });

  it('keeps the masked card number exactly as Smartro sent it', () => {
    expect(cardDetailsFrom(approved({ CardNum: '40921675****082*' })).cardNumber).toBe('40921675****082*');
    expect(cardDetailsFrom(approved({ CardNum: '4092-16**-****-0823' })).cardNumber).toBe('4092-16**-****-0823');
    expect(cardDetailsFrom(approved({ CardNum: '' })).cardNumber).toBeNull();
  });

  it('refuses an unmasked card number without repeating it', () => {
    for (const CardNum of ['4242424242424242', '4242 4242 4242 4242', '4242424242424242*']) {
      const fault = faultOf(() => toApprovalResult(approved({ CardNum }), question, NOW));
      expect(fault.kind).toBe('malformed');
      expect(fault.message).not.toContain('4242424242424242');
      expect(fault.message).not.toContain('4242 4242');
    }
  });

  it('turns any other code into a verified decline with Smartro’s code and message', () => {
    for (const code of ['3051', '9999', 'U999', 'W034', 'ZZ01']) {
      expect(toApprovalResult({ ResultCode: code, ResultMsg: '거절', Tid: TID, SignValue: 's' }, question, NOW)).toEqual({
        outcome: 'declined',
        pgTid: TID,
        code,
        message: '거절',
        verified: true,
      });
    }
  });

  it('uses the table’s description when a known code comes without a message', () => {
    expect(toApprovalResult({ ResultCode: '9999', Tid: TID, SignValue: 's' }, question, NOW)).toEqual({
      outcome: 'declined',
      pgTid: TID,
      code: '9999',
      message: '시스템에러 잠시후 재 거래',
      verified: true,
    });
  });

  it('does not read order fields of a decline', () => {
    const decline = { ResultCode: '3051', ResultMsg: '거절', Tid: TID, SignValue: 's', Moid: 'x', Amt: 'not a number' };
    expect(toApprovalResult(decline, question, NOW)).toEqual({ outcome: 'declined', pgTid: TID, code: '3051', message: '거절', verified: true });
  });

  it('refuses an answer about another Tid, approval or decline', () => {
    const other = `${TID.slice(0, -1)}9`;
    expect(faultOf(() => toApprovalResult(approved({ Tid: other }), question, NOW)).kind).toBe('mismatch');
    expect(faultOf(() => toApprovalResult({ ResultCode: '3051', Tid: other, SignValue: 's' }, question, NOW)).kind).toBe('mismatch');
  });

  it('reports escrow as Smartro processed it (EscrowCd), not as it was asked; null when the answer is silent', () => {
    const escrowOf = (EscrowCd: string | undefined) => {
      const result = toApprovalResult(approved({ EscrowCd }), question, NOW);
      if (result.outcome !== 'approved') throw new Error('expected an approval');
      return result.escrow;
    };
    expect(escrowOf('1')).toBe(true);
    expect(escrowOf('0')).toBe(false);
    expect(escrowOf(undefined)).toBeNull();
    expect(escrowOf('Y')).toBeNull();
  });

  it("refuses a decline for another MID, and accepts one that leaves Mid out or names the channel's", () => {
    expect(faultOf(() => toApprovalResult({ ResultCode: '3051', Tid: TID, SignValue: 's', Mid: 'othermid01' }, question, NOW)).kind).toBe('mismatch');
    expect(toApprovalResult({ ResultCode: '3051', Tid: TID, SignValue: 's', Mid: question.mid }, question, NOW).outcome).toBe('declined');
  });

  it('refuses a success of another kind as a mismatch', () => {
    for (const ResultCode of ['4000', '4100', '0000', '2001', '2013']) {
      expect(faultOf(() => toApprovalResult(approved({ ResultCode }), question, NOW)).kind).toBe('mismatch');
    }
  });

  const bankApproval = (overrides: Partial<SmartroApprovalResponse> = {}) =>
    approved({
      ResultCode: '4000',
      ResultMsg: '계좌이체 성공',
      PayMethod: 'BANK',
      BankCode: '088',
      BankName: '신한',
      CardQuota: undefined,
      AppCardCode: undefined,
      AppCardName: undefined,
      AcquCardCode: undefined,
      AcquCardName: undefined,
      CardNum: undefined,
      ...overrides,
    });

  it('turns 4000 to a bank transfer into an approval with the bank as V1 reports it', () => {
    const result = toApprovalResult(bankApproval(), { ...question, payMethod: 'trans' }, NOW);
    expect(result).toMatchObject({
      outcome: 'approved',
      pgTid: TID,
      code: '4000',
      message: '계좌이체 성공',
      order: { merchantUid: 'order1', amount: 1004, pgId: 'gyeoltest1' },
      details: { method: 'trans', bank: { bankCode: '088', bankName: '신한은행' } },
      // The card sales slip (type=0) is not a transfer's receipt.
      receiptUrl: null,
    });
  });

  it('turns A000 to a phone payment into an approval with no card or bank', () => {
    const result = toApprovalResult(bankApproval({ ResultCode: 'A000', ResultMsg: '휴대폰 결제 성공', PayMethod: 'CELLPHONE', BankCode: undefined, BankName: undefined }), { ...question, payMethod: 'phone' }, NOW);
    expect(result).toMatchObject({ outcome: 'approved', code: 'A000', details: { method: 'phone' } });
  });

  it('refuses another method’s success as a mismatch: 3001 to a bank transfer, 4000 to a card, 4000 to a phone payment', () => {
    expect(faultOf(() => toApprovalResult(approved(), { ...question, payMethod: 'trans' }, NOW)).kind).toBe('mismatch');
    expect(faultOf(() => toApprovalResult(bankApproval(), question, NOW)).kind).toBe('mismatch');
    expect(faultOf(() => toApprovalResult(bankApproval(), { ...question, payMethod: 'phone' }, NOW)).kind).toBe('mismatch');
    expect(faultOf(() => toApprovalResult(bankApproval({ ResultCode: 'A000' }), { ...question, payMethod: 'trans' }, NOW)).kind).toBe('mismatch');
  });

  const vbankIssue = (overrides: Partial<SmartroApprovalResponse> = {}) =>
    bankApproval({
      ResultCode: '4100',
      ResultMsg: '가상계좌 채번 성공',
      PayMethod: 'VBANK',
      BankCode: undefined,
      BankName: undefined,
      VbankBankCode: '004',
      VbankName: '국민',
      VbankNum: '71234567890123',
      VbankExpDate: '20260120',
      ...overrides,
    });

  it('turns 4100 to a virtual account into an issued account: bank as V1 names it, holder CoNm, deadline 23:59:59 KST', () => {
    const result = toApprovalResult(vbankIssue(), { ...question, payMethod: 'vbank' }, NOW);
    expect(result).toMatchObject({
      outcome: 'approved',
      code: '4100',
      order: { merchantUid: 'order1', amount: 1004, pgId: 'gyeoltest1' },
      details: {
        method: 'vbank',
        vbank: {
          vbankCode: '004',
          vbankName: 'KB국민은행',
          vbankNum: '71234567890123',
          vbankHolder: '결 시뮬레이터',
          vbankDate: new Date('2026-01-20T14:59:59Z'),
          vbankIssuedAt: result.outcome === 'approved' ? result.approvedAt : null,
        },
      },
      receiptUrl: null,
    });
  });

  it('reads a deadline with a time (yyyyMMddhhmm) to the minute; no CoNm leaves the holder null', () => {
    const result = toApprovalResult(vbankIssue({ VbankExpDate: '202601201530', CoNm: undefined }), { ...question, payMethod: 'vbank' }, NOW);
    expect(result).toMatchObject({ details: { vbank: { vbankDate: new Date('2026-01-20T06:30:00Z'), vbankHolder: null } } });
  });

  it('refuses an issued account without an account number or a readable deadline', () => {
    for (const overrides of [{ VbankNum: undefined }, { VbankNum: '' }, { VbankExpDate: undefined }, { VbankExpDate: '20260230' }, { VbankExpDate: '2026012' }]) {
      expect(faultOf(() => toApprovalResult(vbankIssue(overrides), { ...question, payMethod: 'vbank' }, NOW)).kind).toBe('malformed');
    }
  });

  it('refuses a cross-method answer: 4100 to a card or a transfer, 3001 or 4000 or 4110 to a virtual account', () => {
    expect(faultOf(() => toApprovalResult(vbankIssue(), question, NOW)).kind).toBe('mismatch');
    expect(faultOf(() => toApprovalResult(vbankIssue(), { ...question, payMethod: 'trans' }, NOW)).kind).toBe('mismatch');
    for (const ResultCode of ['3001', '4000', '4110']) {
      expect(faultOf(() => toApprovalResult(vbankIssue({ ResultCode }), { ...question, payMethod: 'vbank' }, NOW)).kind).toBe('mismatch');
    }
  });

  it('reads a bank’s refusal to a bank transfer as a signed decline', () => {
    expect(toApprovalResult({ ResultCode: '4052', ResultMsg: '잔액부족', Tid: TID, SignValue: 's' }, { ...question, payMethod: 'trans' }, NOW)).toEqual({
      outcome: 'declined',
      pgTid: TID,
      code: '4052',
      message: '잔액부족',
      verified: true,
    });
  });

  it('refuses an approval without its order fields', () => {
    for (const overrides of [{ Moid: undefined }, { Amt: 'abc' }, { Amt: undefined }, { Amt: -1 }, { Amt: 10.5 }, { Mid: undefined }, { Mid: '' }]) {
      expect(faultOf(() => toApprovalResult(approved(overrides), question, NOW)).kind).toBe('malformed');
    }
  });
});

describe('easy pays (lpay, kakaopay, naverpay, payco, pinpay)', () => {
  const EASY_PAYS = ['lpay', 'kakaopay', 'naverpay', 'payco', 'pinpay'] as const;
  const outcomes = (payMethod: PayMethod) =>
    Object.fromEntries((Object.keys(SMARTRO_RESULT_CODES) as KnownSmartroResultCode[]).map((code) => [code, approvalOutcome(code, payMethod)]));

  it('approves an easy pay with 3001 (a registered card) or 0000 (the brand’s money); every other success is unexpected', () => {
    for (const payMethod of EASY_PAYS) {
      expect(outcomes(payMethod), payMethod).toEqual({
        '3001': 'approved',
        '0000': 'approved',
        '4000': 'unexpected',
        '4100': 'unexpected',
        '4110': 'unexpected',
        A000: 'unexpected',
        B000: 'unexpected',
        '7001': 'unexpected',
        '2001': 'unexpected',
        '2211': 'unexpected',
        '2013': 'unexpected',
        W034: 'declined',
        U999: 'declined',
        '9999': 'declined',
        B101: 'unexpected',
      });
      expect(approvalOutcome('3051', payMethod)).toBe('declined');
    }
  });

  it('never approves a card, a transfer, a virtual account or a phone payment with the easy-pay money code 0000', () => {
    for (const payMethod of ['card', 'trans', 'vbank', 'phone'] as const) expect(approvalOutcome('0000', payMethod), payMethod).toBe('unexpected');
  });

  /** A card-funded easy-pay answer as the simulator gives it (wire.ts, EASY_PAY_MONEY_APPROVED). */
  const cardFunded = (overrides: Partial<SmartroApprovalResponse> = {}) =>
    approved({ PayMethod: 'KAKAO', AppCardCode: '04', AppCardName: '삼성', AcquCardCode: '04', AcquCardName: '삼성', CardNum: '53621700****123*', ...overrides });
  /** A money-funded easy-pay answer: 0000 and no card fields. */
  const moneyFunded = (overrides: Partial<SmartroApprovalResponse> = {}) =>
    approved({
      ResultCode: '0000',
      ResultMsg: '간편결제 성공',
      PayMethod: 'KAKAO',
      CardQuota: undefined,
      AppCardCode: undefined,
      AppCardName: undefined,
      AcquCardCode: undefined,
      AcquCardName: undefined,
      CardNum: undefined,
      CardType: undefined,
      CardOwnerType: undefined,
      ...overrides,
    });

  it('reads a card-funded answer (3001) as the brand plus the card, with no receipt URL', () => {
    const result = toApprovalResult(cardFunded(), { ...question, payMethod: 'kakaopay' }, NOW);
    expect(result).toEqual({
      outcome: 'approved',
      pgTid: TID,
      approvedAt: new Date('2026-01-15T12:00:04Z'),
      code: '3001',
      message: '카드 결제 성공',
      order: { merchantUid: 'order1', amount: 1004, pgId: 'gyeoltest1' },
      details: {
        method: 'easypay',
        embPgProvider: 'kakaopay',
        card: {
          cardCode: '365',
          cardName: '삼성',
          cardIssuerCode: '365',
          cardIssuerName: '삼성',
          cardPublisherCode: '365',
          cardPublisherName: '삼성',
          cardNumber: '53621700****123*',
          cardQuota: 0,
          cardType: 0,
          applyNum: '12345678',
        },
      },
      receiptUrl: null,
      escrow: null,
    });
  });

  it('reads a money-funded answer (0000) as the brand with no card, for each brand', () => {
    for (const payMethod of EASY_PAYS) {
      const result = toApprovalResult(moneyFunded(), { ...question, payMethod }, NOW);
      expect(result, payMethod).toMatchObject({
        outcome: 'approved',
        code: '0000',
        message: '간편결제 성공',
        order: { merchantUid: 'order1', amount: 1004, pgId: 'gyeoltest1' },
        details: { method: 'easypay', embPgProvider: payMethod, card: null },
        receiptUrl: null,
      });
    }
  });

  it('refuses an unmasked card number in a card-funded easy pay', () => {
    const fault = faultOf(() => toApprovalResult(cardFunded({ CardNum: '5362170012341234' }), { ...question, payMethod: 'payco' }, NOW));
    expect(fault.kind).toBe('malformed');
    expect(fault.message).not.toContain('5362170012341234');
  });

  it('refuses another method’s success to an easy pay as a mismatch (4000, A000, 4100)', () => {
    for (const ResultCode of ['4000', 'A000', '4100']) {
      expect(faultOf(() => toApprovalResult(moneyFunded({ ResultCode }), { ...question, payMethod: 'naverpay' }, NOW)).kind, ResultCode).toBe('mismatch');
    }
  });

  it('reads a refusal to an easy pay as a signed decline', () => {
    expect(toApprovalResult({ ResultCode: 'E052', ResultMsg: '잔액 부족', Tid: TID, SignValue: 's' }, { ...question, payMethod: 'lpay' }, NOW)).toEqual({
      outcome: 'declined',
      pgTid: TID,
      code: 'E052',
      message: '잔액 부족',
      verified: true,
    });
  });
});
