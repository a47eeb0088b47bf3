import { describe, expect, it } from 'vitest';
import { ConnectorFault } from '../contract';
import {
  cardApprovalOutcome,
  cardDetailsFrom,
  readApprovalResponse,
  SMARTRO_RESULT_CODES,
  toApprovalResult,
  toV1Card,
  type KnownSmartroResultCode,
} from './transformers';
import type { SmartroApprovalResponse } from './wire';

const TID = 'gyeoltest101012601152100001234';
const NOW = new Date('2026-01-15T12:00:05Z');
const question = { pgTid: TID, mid: 'gyeoltest1', expected: { merchantUid: 'order1', amount: 1004 } };

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

function faultOf(fn: () => unknown): ConnectorFault {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConnectorFault) return err;
    throw err;
  }
  throw new Error('expected a ConnectorFault');
}

describe('result code table', () => {
  it('decides every known code on purpose', () => {
    const outcomes = Object.fromEntries(
      (Object.keys(SMARTRO_RESULT_CODES) as KnownSmartroResultCode[]).map((code) => [code, cardApprovalOutcome(code)]),
    );
    expect(outcomes).toEqual({
      '3001': 'approved',
      '4000': 'unexpected',
      '4100': 'unexpected',
      '4110': 'unexpected',
      A000: 'unexpected',
      B000: 'unexpected',
      '7001': 'unexpected',
      '0000': 'unexpected',
      '2001': 'unexpected',
      '2211': 'unexpected',
      '2013': 'unexpected',
      W034: 'declined',
      U999: 'declined',
      '9999': 'declined',
    });
  });

  it('treats unknown codes (the card companies’ refusals) as declines', () => {
    for (const code of ['3051', 'X123', '', 'toString', '__proto__']) expect(cardApprovalOutcome(code)).toBe('declined');
  });
});

describe('card code mapping', () => {
  it('maps Smartro codes to KFTC codes and keeps Smartro’s name', () => {
    expect(toV1Card('12', 'NH농협')).toEqual({ code: '371', name: 'NH농협' });
    expect(toV1Card('01', '')).toEqual({ code: '361', name: 'BC' });
  });
  it('leaves the code null for unknown Smartro codes', () => {
    expect(toV1Card('77', '어느카드')).toEqual({ code: null, name: '어느카드' });
    expect(toV1Card(undefined, undefined)).toEqual({ code: null, name: null });
  });
});

describe('readApprovalResponse', () => {
  it('requires ResultCode, Tid and SignValue as strings', () => {
    expect(readApprovalResponse({ ResultCode: '3001', Tid: TID, SignValue: 'x' }).Tid).toBe(TID);
    for (const body of [null, [], 'text', { ResultCode: '3001', Tid: TID }, { ResultCode: 3001, Tid: TID, SignValue: 'x' }, { ResultCode: '9999', ResultMsg: '시스템에러 잠시후 재 거래' }]) {
      expect(faultOf(() => readApprovalResponse(body)).kind).toBe('malformed');
    }
  });
});

describe('toApprovalResult', () => {
  it('turns 3001 into an approval with the card fields', () => {
    const result = toApprovalResult(approved({ CardQuota: '03', AcquCardCode: '01', AcquCardName: 'BC' }), question, NOW);
    expect(result).toEqual({
      outcome: 'approved',
      pgTid: TID,
      approvedAt: new Date('2026-01-15T12:00:04Z'),
      code: '3001',
      message: '카드 결제 성공',
      receiptUrl: null,
      card: {
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
      },
    });
  });

  it('accepts a zero-padded or numeric Amt', () => {
    expect(toApprovalResult(approved({ Amt: '000000001004' }), question, NOW).outcome).toBe('approved');
    expect(toApprovalResult(approved({ Amt: 1004 }), question, NOW).outcome).toBe('approved');
  });

  it('falls back to now when AuthDate cannot be read', () => {
    const result = toApprovalResult(approved({ AuthDate: 'garbage' }), question, NOW);
    expect(result.outcome === 'approved' && result.approvedAt).toEqual(NOW);
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

  it('turns any other code into a decline with Smartro’s code and message', () => {
    for (const code of ['3051', '9999', 'U999', 'ZZ01']) {
      expect(toApprovalResult({ ResultCode: code, ResultMsg: '거절', Tid: TID, SignValue: 's' }, question, NOW)).toEqual({
        outcome: 'declined',
        pgTid: TID,
        code,
        message: '거절',
      });
    }
  });

  it('uses the table’s description when a known code comes without a message', () => {
    const result = toApprovalResult({ ResultCode: '9999', Tid: TID, SignValue: 's' }, question, NOW);
    expect(result).toMatchObject({ outcome: 'declined', message: '시스템에러 잠시후 재 거래' });
  });

  it('refuses answers about another Tid, merchant, order or amount', () => {
    expect(faultOf(() => toApprovalResult(approved({ Tid: `${TID.slice(0, -1)}9` }), question, NOW)).kind).toBe('mismatch');
    expect(faultOf(() => toApprovalResult(approved({ Mid: 'othermid01' }), question, NOW)).kind).toBe('mismatch');
    expect(faultOf(() => toApprovalResult(approved({ Moid: 'order2' }), question, NOW)).kind).toBe('mismatch');
    expect(faultOf(() => toApprovalResult(approved({ Amt: '1005' }), question, NOW)).kind).toBe('mismatch');
    const decline = { ResultCode: '3051', ResultMsg: '거절', Tid: TID, SignValue: 's', Mid: 'othermid01' };
    expect(faultOf(() => toApprovalResult(decline, question, NOW)).kind).toBe('mismatch');
  });

  it('does not check order and amount of a decline', () => {
    const decline = { ResultCode: '3051', ResultMsg: '거절', Tid: TID, SignValue: 's', Mid: 'gyeoltest1', Moid: 'x', Amt: '1' };
    expect(toApprovalResult(decline, question, NOW).outcome).toBe('declined');
  });

  it('refuses a success of another kind as a mismatch', () => {
    expect(faultOf(() => toApprovalResult(approved({ ResultCode: '4100' }), question, NOW)).kind).toBe('mismatch');
    expect(faultOf(() => toApprovalResult(approved({ ResultCode: '2001' }), question, NOW)).kind).toBe('mismatch');
  });

  it('refuses an approval without its order fields', () => {
    expect(faultOf(() => toApprovalResult(approved({ Moid: undefined }), question, NOW)).kind).toBe('malformed');
    expect(faultOf(() => toApprovalResult(approved({ Amt: 'abc' }), question, NOW)).kind).toBe('malformed');
    expect(faultOf(() => toApprovalResult(approved({ Mid: undefined }), question, NOW)).kind).toBe('malformed');
  });
});
