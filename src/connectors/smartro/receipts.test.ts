import { describe, expect, it } from 'vitest';
import { ConnectorFault, type PgAnswer, type ReceiptIssueInput } from '../contract';
import { decryptEnvelope, encryptData, signValue } from './crypto';
import { cancelReceiptFlow, issueReceiptFlow, validateReceiptRequest } from './receipts';
import { credentials, TEST_MERCHANT_KEY, TEST_MID } from './test-fixtures';

// 2026-01-15 12:00 UTC = 21:00 KST.
const NOW = new Date('2026-01-15T12:00:00Z');
const TID = `${TEST_MID}0701260115210000${'1234'}`;

const input: ReceiptIssueInput = {
  orderId: 'order20260115001',
  pgTid: `${TEST_MID}0101260115205900${'0001'}`,
  payMethod: 'vbank',
  goodsName: '결 머그컵',
  amount: 16000,
  vat: 1000,
  taxFree: 5000,
  purpose: 'company',
  identifierType: 'business',
  identifier: '1234567890',
  buyerName: '홍길동',
  buyerTel: '010-1234-5678',
  buyerEmail: 'buyer@example.com',
};

const answer = (body: Record<string, string>): PgAnswer => ({ status: 200, url: 'http://127.0.0.1:4001/x', body: JSON.stringify(body) });
const signed = (body: Record<string, string>) => answer({ ...body, SignValue: signValue(body.Tid, body.ResultCode, TEST_MERCHANT_KEY) });

describe('issueReceiptFlow', () => {
  it('sends {Mid, EncData} to cashReceipt.do with the fields inside, EncryptData over EdiDate+Mid+Amt', () => {
    const request = issueReceiptFlow.buildRequest(credentials(), input, NOW);
    expect(request).toMatchObject({ method: 'POST', url: 'http://127.0.0.1:4001/payment/approval/cashReceipt.do', headers: { 'Content-Type': 'application/json' } });
    const body = JSON.parse(request.body as string) as { Mid: string; EncData: string };
    expect(body.Mid).toBe(TEST_MID);
    expect(decryptEnvelope(body.EncData, TEST_MERCHANT_KEY)).toEqual({
      Mid: TEST_MID,
      Moid: 'order20260115001',
      OrgTid: input.pgTid,
      PayMethod: 'VBANK',
      GoodsName: '결 머그컵',
      Amt: '16000',
      SupplyAmt: '10000',
      VatAmt: '1000',
      TaxFreeAmt: '5000',
      ReceiptType: '2',
      ReceiptIdentityType: '3',
      ReceiptIdentity: '1234567890',
      BuyerName: '홍길동',
      BuyerTel: '01012345678',
      BuyerEmail: 'buyer@example.com',
      EdiDate: '20260115210000',
      EncryptData: encryptData('20260115210000', TEST_MID, '16000', TEST_MERCHANT_KEY),
    });
  });

  it('reads a signed 7001 as issued, a signed refusal as a verified decline, a bare body as an unverified one', () => {
    const ok = { ResultCode: '7001', ResultMsg: '현금영수증 발급 성공', Tid: TID, Moid: input.orderId, Amt: '16000', ReceiptAppNo: '123456789', AuthDate: '260115210005' };
    expect(issueReceiptFlow.readAnswer(credentials(), input, signed(ok), NOW)).toEqual({
      outcome: 'issued',
      receiptTid: TID,
      applyNum: '123456789',
      issuedAt: new Date('2026-01-15T12:00:05Z'),
      receiptUrl: `http://127.0.0.1:4001/issue/IssueLoader.jsp?TID=${TID}&type=2`,
      code: '7001',
      message: '현금영수증 발급 성공',
    });
    expect(issueReceiptFlow.readAnswer(credentials(), input, signed({ ResultCode: 'R710', ResultMsg: '거절', Tid: TID }), NOW)).toEqual({ outcome: 'declined', code: 'R710', message: '거절', verified: true });
    expect(issueReceiptFlow.readAnswer(credentials(), input, answer({ ResultCode: '9999', ResultMsg: '시스템에러' }), NOW)).toEqual({ outcome: 'declined', code: '9999', message: '시스템에러', verified: false });
  });

  it('throws a fault for an unsigned success, a forged signature, another order or amount, and a body that is not JSON', () => {
    const ok = { ResultCode: '7001', Tid: TID, Moid: input.orderId, Amt: '16000', ReceiptAppNo: '123456789' };
    const faults: [PgAnswer, string][] = [
      [answer({ ResultCode: '7001' }), 'malformed'],
      [answer({ ...ok, SignValue: signValue(TID, '7001', 'another-merchant-key-0123456789abcdef') }), 'signature'],
      [signed({ ...ok, Moid: 'other' }), 'mismatch'],
      [signed({ ...ok, Amt: '15000' }), 'mismatch'],
      [signed({ ...ok, ReceiptAppNo: '' }), 'malformed'],
      [{ status: 200, url: 'x', body: '<html>' }, 'malformed'],
      [{ status: 502, url: 'x', body: 'Bad Gateway' }, 'http'],
    ];
    for (const [a, kind] of faults) {
      let thrown: unknown = null;
      try {
        issueReceiptFlow.readAnswer(credentials(), input, a, NOW);
      } catch (err) {
        thrown = err;
      }
      expect({ body: a.body, fault: thrown instanceof ConnectorFault ? thrown.kind : String(thrown) }).toEqual({ body: a.body, fault: kind });
    }
  });
});

describe('cancelReceiptFlow', () => {
  const cancel = { receiptTid: TID, orderId: input.orderId, amount: 16000, reason: '주문 취소' };

  it('sends the receipt Tid and the whole amount, and reads 2001 and 2013 as cancelled', () => {
    const body = JSON.parse(cancelReceiptFlow.buildRequest(credentials(), cancel, NOW).body as string) as { EncData: string };
    expect(decryptEnvelope(body.EncData, TEST_MERCHANT_KEY)).toEqual({
      Mid: TEST_MID,
      Tid: TID,
      Moid: input.orderId,
      CancelAmt: '16000',
      CancelMsg: '주문 취소',
      EdiDate: '20260115210000',
      EncryptData: encryptData('20260115210000', TEST_MID, '16000', TEST_MERCHANT_KEY),
    });
    for (const code of ['2001', '2013']) {
      expect(cancelReceiptFlow.readAnswer(credentials(), cancel, signed({ ResultCode: code, ResultMsg: 'm', Tid: TID, CancelDate: '260115210010' }), NOW)).toEqual({
        outcome: 'cancelled',
        receiptTid: TID,
        cancelledAt: new Date('2026-01-15T12:00:10Z'),
        code,
        message: 'm',
      });
    }
    expect(cancelReceiptFlow.readAnswer(credentials(), cancel, signed({ ResultCode: 'R712', ResultMsg: '금액', Tid: TID }), NOW)).toEqual({ outcome: 'refused', code: 'R712', message: '금액', verified: true });
    expect(() => cancelReceiptFlow.readAnswer(credentials(), cancel, signed({ ResultCode: '2001', Tid: `${TID.slice(0, -1)}9` }), NOW)).toThrow(ConnectorFault);
  });
});

describe('validateReceiptRequest', () => {
  it('needs buyer_name and buyer_tel, and letters and digits in an external merchant_uid', () => {
    expect(validateReceiptRequest({ kind: 'payment', merchantUid: 'order-1', buyerName: '홍길동', buyerTel: '01012345678' })).toEqual([]);
    expect(validateReceiptRequest({ kind: 'external', merchantUid: 'order-1', buyerName: null, buyerTel: null }).map((v) => v.field)).toEqual(['merchant_uid', 'buyer_name', 'buyer_tel']);
  });
});
