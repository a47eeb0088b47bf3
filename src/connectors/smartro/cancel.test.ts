import { describe, expect, it } from 'vitest';
import type { CancelInput, PgAnswer } from '../contract';
import { decryptEnvelope, signValue } from './crypto';
import { cancelFlow } from './flows';
import { credentials, TEST_MERCHANT_KEY, TEST_MID, faultOf } from './test-fixtures';
import { cancelOutcome, SMARTRO_RESULT_CODES, type KnownSmartroResultCode } from './transformers';
import { CANCEL_PATH, parseCancelStamp, partialCancelCode } from './wire';

// The cancel flow as a pure pair: the request it builds (the envelope opened and compared whole)
// and every outcome of reading an answer. The flow against the simulator over real HTTP is in
// src/simulators/smartro/cancel.test.ts.

const NOW = new Date('2026-01-15T12:00:05Z');
const TID = `${TEST_MID}01012601152100001234`;
const CANCEL_TID = `${TEST_MID}01012601152100059876`;

function cancel(overrides: Partial<CancelInput> = {}): CancelInput {
  return {
    pgTid: TID,
    payMethod: 'card',
    paymentAmount: 1004,
    cancelledBefore: 0,
    amount: 1004,
    seq: 1,
    taxFree: 0,
    vatAmount: null,
    reason: '고객 요청',
    refund: null,
    revokeAccount: false,
    ...overrides,
  };
}

function answer(body: unknown, status = 200): PgAnswer {
  return { status, body: typeof body === 'string' ? body : JSON.stringify(body), url: `http://127.0.0.1:4001${CANCEL_PATH}` };
}

/** A cancel answer as Smartro signs it: SignValue over its Tid and ResultCode. */
function signed(overrides: Record<string, string> = {}, key = TEST_MERCHANT_KEY): Record<string, string> {
  const body = {
    PayMethod: 'CARD',
    Tid: CANCEL_TID,
    Mid: TEST_MID,
    ResultCode: '2001',
    ResultMsg: '취소 성공',
    CancelDate: '20260115',
    CancelTime: '210005',
    CancelAmt: '1004',
    PTid: TID,
    ...overrides,
  };
  return { ...body, SignValue: signValue(body.Tid, body.ResultCode, key) };
}


const read = (body: unknown, input = cancel()) => cancelFlow.readAnswer(credentials(), input, answer(body), NOW);

describe('cancelFlow.buildRequest', () => {
  it('posts JSON {EncData, Mid} to cancel.do; the envelope holds every field, HashData over Tid+key+CancelAmt+0', () => {
    const request = cancelFlow.buildRequest(credentials(), cancel(), NOW);
    expect(request).toMatchObject({
      method: 'POST',
      url: `http://127.0.0.1:4001${CANCEL_PATH}`,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    });
    const body = JSON.parse(request.body ?? '') as { EncData: string; Mid: string };
    expect(Object.keys(body).sort()).toEqual(['EncData', 'Mid']);
    expect(body.Mid).toBe(TEST_MID);
    expect(decryptEnvelope(body.EncData, TEST_MERCHANT_KEY)).toEqual({
      SERVICE_MODE: 'CL1',
      Tid: TID,
      Mid: TEST_MID,
      CancelAmt: '1004',
      CancelPwd: '123456',
      CancelMsg: '고객 요청',
      CancelSeq: '1',
      PartialCancelCode: '0',
      // 1004 taxable: VAT = round(1004 / 11) = 91, supply value 913 (the window's split).
      CancelTaxAmt: '913',
      CancelTaxFreeAmt: '0',
      CancelVatAmt: '91',
      // printf %s "${TID}${TEST_MERCHANT_KEY}10040" | openssl dgst -sha256 -binary | base64
      HashData: '7iwVYIoPqeBNaIWzbTTN2KOefSVX23ET67uhEfNXGaA=',
    });
  });

  it('sends a part as PartialCancelCode 1 with its own tax split, seq and HashData', () => {
    const request = cancelFlow.buildRequest(credentials(), cancel({ amount: 300, seq: 2, cancelledBefore: 4, taxFree: 100, vatAmount: 20 }), NOW);
    const inner = decryptEnvelope((JSON.parse(request.body ?? '') as { EncData: string }).EncData, TEST_MERCHANT_KEY);
    expect(inner).toMatchObject({ CancelAmt: '300', CancelSeq: '2', PartialCancelCode: '1', CancelTaxAmt: '180', CancelVatAmt: '20', CancelTaxFreeAmt: '100' });
    // printf %s "${TID}${TEST_MERCHANT_KEY}3001" | openssl dgst -sha256 -binary | base64
    expect(inner.HashData).toBe('kQp7fwh2u/5rhc3ToGkjZgSJikGLVd6PMSlAjw76OT0=');
    expect(inner).not.toHaveProperty('RefundAcctNo');
  });

  it('adds the refund account of a bank transfer or a paid virtual account', () => {
    const refund = { holder: '홍길동', bankCode: '088', account: '110123456789', tel: '01012345678' };
    const request = cancelFlow.buildRequest(credentials(), cancel({ payMethod: 'vbank', refund }), NOW);
    const inner = decryptEnvelope((JSON.parse(request.body ?? '') as { EncData: string }).EncData, TEST_MERCHANT_KEY);
    expect(inner).toMatchObject({ RefundAcctNm: '홍길동', RefundBankCd: '088', RefundAcctNo: '110123456789', RefundTel: '01012345678' });
  });

  it('PartialCancelCode is 0 only for the whole payment at once', () => {
    expect(partialCancelCode({ paymentAmount: 1004, cancelledBefore: 0, amount: 1004 })).toBe('0');
    expect(partialCancelCode({ paymentAmount: 1004, cancelledBefore: 0, amount: 1000 })).toBe('1');
    expect(partialCancelCode({ paymentAmount: 1004, cancelledBefore: 4, amount: 1000 })).toBe('1');
  });
});

describe('cancelFlow.readAnswer', () => {
  it('reads 2001 as cancelled with the cancel’s own Tid and CancelDate+CancelTime in Korea time', () => {
    expect(read(signed())).toEqual({
      outcome: 'cancelled',
      pgTid: CANCEL_TID,
      cancelledAt: new Date('2026-01-15T12:00:05Z'),
      code: '2001',
      message: '취소 성공',
      // The card receipt page of the cancel's own Tid (credentials' receiptBaseUrl).
      receiptUrl: `http://127.0.0.1:4001/issue/IssueLoader.jsp?TID=${CANCEL_TID}&type=0`,
    });
  });

  it('takes now as the cancel time when CancelDate/CancelTime cannot be read', () => {
    expect(read(signed({ CancelTime: '99' }))).toMatchObject({ outcome: 'cancelled', cancelledAt: NOW });
    expect(parseCancelStamp('20260230', '120000')).toBeNull();
  });

  it('reads 2001 to a paid virtual account’s refund as refund-pending (final on the 2211 notification)', () => {
    const refund = { holder: '홍길동', bankCode: '088', account: '110123456789', tel: '01012345678' };
    expect(read(signed({ PayMethod: 'VBANK' }), cancel({ payMethod: 'vbank', refund }))).toEqual({
      outcome: 'refund-pending',
      pgTid: CANCEL_TID,
      code: '2001',
      message: '취소 성공',
    });
  });

  it('reads 2001 to an unpaid virtual account’s revocation, and to a bank transfer’s refund, as cancelled', () => {
    expect(read(signed({ PayMethod: 'VBANK' }), cancel({ payMethod: 'vbank', revokeAccount: true }))).toMatchObject({ outcome: 'cancelled', pgTid: CANCEL_TID });
    const refund = { holder: '홍길동', bankCode: '088', account: '110123456789', tel: '01012345678' };
    expect(read(signed({ PayMethod: 'BANK' }), cancel({ payMethod: 'trans', refund }))).toMatchObject({ outcome: 'cancelled', pgTid: CANCEL_TID, receiptUrl: null });
  });

  it('reads 2013 (already cancelled) and any other signed code as a verified refusal', () => {
    const already = signed({ Tid: TID, ResultCode: '2013', ResultMsg: '이미 취소된 거래입니다' });
    expect(read(already)).toEqual({ outcome: 'refused', code: '2013', message: '이미 취소된 거래입니다', verified: true });
    const refused = signed({ Tid: TID, ResultCode: 'C005', ResultMsg: '체크카드는 부분취소할 수 없습니다', CancelAmt: '500' });
    expect(read(refused, cancel({ amount: 500 }))).toEqual({ outcome: 'refused', code: 'C005', message: '체크카드는 부분취소할 수 없습니다', verified: true });
  });

  it('reads Smartro’s unsigned error body as an unverified refusal', () => {
    expect(read({ ResultCode: '9999', ResultMsg: '시스템에러 잠시후 재 거래' })).toEqual({ outcome: 'refused', code: '9999', message: '시스템에러 잠시후 재 거래', verified: false });
  });

  it('faults on a SignValue that does not verify (another key, another code)', () => {
    expect(faultOf(() => read(signed({}, 'x'.repeat(64)))).kind).toBe('signature');
    expect(faultOf(() => read({ ...signed(), ResultCode: '2013' })).kind).toBe('signature');
  });

  it('faults on an answer about another payment, another amount or another MID', () => {
    expect(faultOf(() => read(signed({ PTid: `${TEST_MID}01012601152100000000` }))).kind).toBe('mismatch');
    expect(faultOf(() => read(signed({ CancelAmt: '1000' }))).kind).toBe('mismatch');
    expect(faultOf(() => read(signed({ Mid: 'othermid01' }))).kind).toBe('mismatch');
    // A refusal about another payment is not this cancel's refusal either.
    expect(faultOf(() => read(signed({ Tid: CANCEL_TID, PTid: '', ResultCode: '2013' }))).kind).toBe('mismatch');
  });

  it('faults on a signed success of another kind, and on an accepted cancel without PTid or CancelAmt', () => {
    expect(faultOf(() => read(signed({ ResultCode: '3001' }))).kind).toBe('mismatch');
    const { PTid: _p, ...noPTid } = signed({ Tid: TID });
    expect(faultOf(() => read({ ...noPTid, SignValue: signValue(TID, '2001', TEST_MERCHANT_KEY) })).kind).toBe('malformed');
    const { CancelAmt: _c, ...noAmount } = signed();
    expect(faultOf(() => read(noAmount)).kind).toBe('malformed');
  });

  it('faults on an unsigned success and on a body that is not JSON', () => {
    expect(faultOf(() => read({ ResultCode: '2001', ResultMsg: '취소 성공' })).kind).toBe('malformed');
    expect(faultOf(() => read('<html>')).kind).toBe('malformed');
  });
});

describe('cancel result codes', () => {
  it('decides every known code on purpose', () => {
    const outcomes = Object.fromEntries((Object.keys(SMARTRO_RESULT_CODES) as KnownSmartroResultCode[]).map((code) => [code, cancelOutcome(code)]));
    expect(outcomes).toEqual({
      '2001': 'accepted',
      '2211': 'accepted',
      '2013': 'refused',
      W034: 'refused',
      U999: 'refused',
      '9999': 'refused',
      '3001': 'unexpected',
      '4000': 'unexpected',
      '4100': 'unexpected',
      '4110': 'unexpected',
      A000: 'unexpected',
      B000: 'unexpected',
      '7001': 'unexpected',
      '0000': 'unexpected',
      B101: 'unexpected',
    });
    for (const code of ['C001', 'X123', '', '__proto__']) expect(cancelOutcome(code)).toBe('refused');
  });
});
