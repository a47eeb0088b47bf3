import { describe, expect, it } from 'vitest';
import { ConnectorFault, type EscrowDeliveryInput, type PgAnswer, type VirtualAccountIssueInput } from '../contract';
import { decryptEnvelope, signValue } from './crypto';
import { issueVirtualAccountFlow, lookupAccountHolderFlow, registerEscrowDeliveryFlow } from './server-calls';
import { credentials, TEST_MERCHANT_KEY, TEST_MID } from './test-fixtures';

/** Smartro's server calls as pure pairs: what is sent (decrypted back), how each answer is read. */

const NOW = new Date('2026-01-15T12:00:05Z');
const TID = `${TEST_MID}01032601152100001234`;
const creds = credentials({ apiBaseUrl: 'https://tapproval.example' });

const issueInput = (overrides: Partial<VirtualAccountIssueInput> = {}): VirtualAccountIssueInput => ({
  merchantUid: 'order123',
  amount: 25000,
  taxFree: null,
  vatAmount: null,
  name: '결 머그컵',
  buyerName: '홍길동',
  buyerEmail: 'buyer@example.com',
  buyerTel: '010-1234-5678',
  bankCode: '088',
  holder: '결상점',
  due: '20991231150000',
  fixedAccount: null,
  ...overrides,
});

const json = (body: unknown, status = 200): PgAnswer => ({ status, body: JSON.stringify(body), url: 'https://tapproval.example/x' });
const signed = (body: Record<string, string>, over = body.Tid) => ({ ...body, SignValue: signValue(over, body.ResultCode, TEST_MERCHANT_KEY) });

function sentInner(request: { body: string | null }): Record<string, unknown> {
  const outer = JSON.parse(request.body ?? '{}') as { EncData: string; Mid: string };
  expect(outer.Mid).toBe(TEST_MID);
  return decryptEnvelope(outer.EncData, TEST_MERCHANT_KEY);
}

describe('vacct.do (issueVirtualAccount)', () => {
  it('sends the EncData envelope of the inner fields to /payment/approval/vacct.do', () => {
    const request = issueVirtualAccountFlow.buildRequest(creds, issueInput({ taxFree: 5000, vatAmount: null }), NOW);
    expect(request.url).toBe('https://tapproval.example/payment/approval/vacct.do');
    expect(request.headers['Content-Type']).toBe('application/json');
    expect(sentInner(request)).toEqual({
      PayMethod: 'VBANK',
      GoodsCnt: '1',
      GoodsName: '결 머그컵',
      Amt: '25000',
      Moid: 'order123',
      EdiDate: '20260115210005',
      Mid: TEST_MID,
      TransType: '00',
      BuyerName: '홍길동',
      BuyerTel: '010-1234-5678',
      BuyerEmail: 'buyer@example.com',
      VbankExpDate: '209912311500',
      VbankBankCode: '088',
      VBankAccountName: '결상점',
      CashReceiptType: '0',
      TaxAmt: '18182',
      VatAmt: '1818',
      TaxFreeAmt: '5000',
    });
  });

  it('sends a fixed account as TransType 04 with SubId, and a deadline at the end of a day as a date', () => {
    const inner = sentInner(issueVirtualAccountFlow.buildRequest(creds, issueInput({ fixedAccount: '56211234567890', due: '20991231235959' }), NOW));
    expect(inner).toMatchObject({ TransType: '04', SubId: '56211234567890', VbankExpDate: '20991231' });
  });

  const issued = {
    ResultCode: '4100',
    ResultMsg: '가상계좌 채번 성공',
    Tid: TID,
    Moid: 'order123',
    Mid: TEST_MID,
    Amt: '25000',
    AuthDate: '260115210006',
    VbankBankCode: '088',
    VbankName: '신한',
    VbankNum: '70012345678901',
    VbankExpDate: '209912311500',
    VBankAccountName: '결상점',
  };

  it('reads a signed 4100 as the account issued, with V1 bank name and the deadline in Korea time', () => {
    expect(issueVirtualAccountFlow.readAnswer(creds, issueInput(), json(signed(issued)), NOW)).toEqual({
      outcome: 'issued',
      pgTid: TID,
      issuedAt: new Date('2026-01-15T12:00:06Z'),
      code: '4100',
      message: '가상계좌 채번 성공',
      order: { merchantUid: 'order123', amount: 25000, pgId: TEST_MID },
      vbank: {
        vbankCode: '088',
        vbankName: '신한은행',
        vbankNum: '70012345678901',
        vbankHolder: '결상점',
        vbankDate: new Date('2099-12-31T06:00:00Z'),
        vbankIssuedAt: new Date('2026-01-15T12:00:06Z'),
      },
    });
  });

  it('reads a refusal (signed or not) as declined, and refuses a forged, misdirected or incomplete 4100 as a fault', () => {
    expect(issueVirtualAccountFlow.readAnswer(creds, issueInput(), json({ ResultCode: 'V301', ResultMsg: '발급 불가 은행' }), NOW)).toEqual({ outcome: 'declined', code: 'V301', message: '발급 불가 은행' });
    expect(issueVirtualAccountFlow.readAnswer(creds, issueInput(), json({ ResultCode: '9999', ResultMsg: '시스템에러' }), NOW)).toEqual({ outcome: 'declined', code: '9999', message: '시스템에러' });
    const faults: [unknown, string][] = [
      [{ ...signed(issued), SignValue: 'forged' }, 'signature'],
      [signed({ ...issued, Moid: 'order999' }), 'mismatch'],
      [signed({ ...issued, Mid: 'othermid01' }), 'mismatch'],
      [{ ...issued }, 'malformed'],
      [signed({ ...issued, VbankNum: '' }), 'malformed'],
      [signed({ ...issued, ResultCode: '3001' }), 'mismatch'],
      [{ ResultMsg: 'no code' }, 'malformed'],
    ];
    for (const [body, kind] of faults) {
      const err = (() => {
        try {
          issueVirtualAccountFlow.readAnswer(creds, issueInput(), json(body), NOW);
          return null;
        } catch (e) {
          return e;
        }
      })();
      expect(err, JSON.stringify(body)).toBeInstanceOf(ConnectorFault);
      expect((err as ConnectorFault).kind, JSON.stringify(body)).toBe(kind);
    }
  });

  it("validates Smartro's API rules, naming each field", () => {
    expect(issueVirtualAccountFlow.validate(issueInput())).toEqual([]);
    const fields = issueVirtualAccountFlow
      .validate(issueInput({ bankCode: '999', holder: null, buyerName: ' ', buyerEmail: null, buyerTel: null, fixedAccount: '12-34' }))
      .map((v) => v.field);
    expect(fields).toEqual(['vbank_code', 'vbank_holder', 'buyer_name', 'buyer_email', 'buyer_tel', 'vbank_num']);
    expect(issueVirtualAccountFlow.validate(issueInput({ holder: '가'.repeat(17) }))).toEqual([{ field: 'vbank_holder', rule: '최대 16자까지 입력할 수 있습니다' }]);
  });
});

describe('accountHolder.do (lookupAccountHolder)', () => {
  const input = { bankCode: '088', accountNumber: '110123456789' };
  it('sends bank and account in the envelope; reads a signed H000 as the holder and H404 as not found', () => {
    const request = lookupAccountHolderFlow.buildRequest(creds, input, NOW);
    expect(request.url).toBe('https://tapproval.example/payment/approval/accountHolder.do');
    expect(sentInner(request)).toEqual({ Mid: TEST_MID, EdiDate: '20260115210005', BankCode: '088', AccountNum: '110123456789' });
    expect(lookupAccountHolderFlow.readAnswer(creds, input, json(signed({ ResultCode: 'H000', AccountHolder: '홍길동' }, '110123456789')), NOW)).toEqual({ outcome: 'found', holder: '홍길동' });
    expect(lookupAccountHolderFlow.readAnswer(creds, input, json(signed({ ResultCode: 'H404', ResultMsg: '없음' }, '110123456789')), NOW)).toEqual({ outcome: 'not-found', code: 'H404', message: '없음' });
  });
  it('refuses an unsigned or other answer as a fault', () => {
    expect(() => lookupAccountHolderFlow.readAnswer(creds, input, json({ ResultCode: 'H000', AccountHolder: '홍길동' }), NOW)).toThrow(ConnectorFault);
    expect(() => lookupAccountHolderFlow.readAnswer(creds, input, json({ ResultCode: '9999' }), NOW)).toThrow(ConnectorFault);
  });
});

describe('escrowDelivery.do (registerEscrowDelivery)', () => {
  const party = { name: '결', tel: '010', postcode: '04524', addressLine1: '서울', addressLine2: '1층', addr: null, relationship: null };
  const input = (overrides: Partial<EscrowDeliveryInput> = {}): EscrowDeliveryInput => ({
    pgTid: TID,
    mode: 'register',
    sender: party,
    receiver: { ...party, name: '홍길동' },
    company: 'CJGLS',
    invoice: '123',
    sentAt: new Date('2026-01-15T01:00:00Z'),
    ...overrides,
  });
  const keyed = credentials({ apiBaseUrl: 'https://tapproval.example', escrowApiKey: 'the-api-key' });

  it('sends the API Key header and REG/MOD in the envelope', () => {
    const request = registerEscrowDeliveryFlow.buildRequest(keyed, input(), NOW);
    expect(request.url).toBe('https://tapproval.example/payment/approval/escrowDelivery.do');
    expect(request.headers.apikey).toBe('the-api-key');
    expect(sentInner(request)).toMatchObject({ ServiceType: 'REG', Tid: TID, DlvCompany: 'CJGLS', InvoiceNum: '123', SendDate: '20260115100000', RecvName: '홍길동', SenderAddr2: '1층' });
    expect(sentInner(registerEscrowDeliveryFlow.buildRequest(keyed, input({ mode: 'modify' }), NOW)).ServiceType).toBe('MOD');
  });

  it('reads acceptance (signed, with RegDate), a conflict and a refusal', () => {
    expect(registerEscrowDeliveryFlow.readAnswer(keyed, input(), json(signed({ ResultCode: 'E000', ResultMsg: 'ok', Tid: TID, RegDate: '260115210006' })), NOW)).toEqual({
      outcome: 'accepted',
      code: 'E000',
      message: 'ok',
      appliedAt: new Date('2026-01-15T12:00:06Z'),
    });
    expect(registerEscrowDeliveryFlow.readAnswer(keyed, input(), json(signed({ ResultCode: 'E409', ResultMsg: 'dup', Tid: TID })), NOW)).toEqual({ outcome: 'conflict', code: 'E409', message: 'dup' });
    expect(registerEscrowDeliveryFlow.readAnswer(keyed, input({ mode: 'modify' }), json(signed({ ResultCode: 'E404', ResultMsg: 'none', Tid: TID })), NOW)).toEqual({ outcome: 'conflict', code: 'E404', message: 'none' });
    expect(registerEscrowDeliveryFlow.readAnswer(keyed, input(), json({ ResultCode: 'E401', ResultMsg: 'bad key' }), NOW)).toEqual({ outcome: 'refused', code: 'E401', message: 'bad key' });
    expect(() => registerEscrowDeliveryFlow.readAnswer(keyed, input(), json({ ResultCode: 'E000', Tid: TID, SignValue: 'forged' }), NOW)).toThrow(ConnectorFault);
  });

  it('names every missing Smartro field and a channel without the API Key', () => {
    expect(registerEscrowDeliveryFlow.validate(keyed, input())).toEqual([]);
    const empty = { name: null, tel: null, postcode: null, addressLine1: null, addressLine2: null, addr: '서울', relationship: null };
    expect(registerEscrowDeliveryFlow.validate(creds, input({ sender: empty, receiver: { ...party, addressLine2: '' } })).map((v) => v.field)).toEqual([
      'channel',
      'sender.name',
      'sender.tel',
      'sender.postcode',
      'sender.formed_address.address_line_1',
      'sender.formed_address.address_line_2',
      'receiver.formed_address.address_line_2',
    ]);
  });
});
