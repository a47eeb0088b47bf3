import { describe, expect, it } from 'vitest';
import type { BillingChargeInput, PgAnswer } from '../contract';
import {
  billingPayOutcome,
  buildBillingWindowFields,
  chargeBillingFlow,
  openBillingWindow,
  readBillingIssueCallback,
  readBillingWindowReturn,
  smartroBillingWindow,
  validateBillingCharge,
  validateBillingIssue,
} from './billing';
import { smartroConnector } from './connector';
import { aesEncrypt, billIssueRequestVerifyValue, billIssueVerifyValue, decryptEnvelope, signValue } from './crypto';
import { billingChargeInput, credentials, paymentRequest, TEST_MERCHANT_KEY, TEST_MID, faultOf, windowInput, type FlatPaymentFacts } from './test-fixtures';
import { SMARTRO_RESULT_CODES, type KnownSmartroResultCode } from './transformers';
import { BILLING_ISSUE_CODES, BILLING_KEY_ISSUED, BILLING_PAY_CODES, SMARTRO_BILLING_WINDOW_PATH, SSBBILL_PATH } from './wire';

// The billing pieces as pure functions: the ssbbill.do request (its envelope opened and compared
// whole), every outcome of reading its answer, and the issue callback. The flow against the
// simulator over real HTTP is in src/simulators/smartro/billing.test.ts.

const NOW = new Date('2026-01-15T12:00:05Z');
const BTK = 'BTK20260115ABCDEFGH123456';
const TID = `${TEST_MID}01012601152100051234`;
const creds = (overrides: Parameters<typeof credentials>[0] = {}) => credentials({ sspMallId: 'gyeolssp01', ...overrides });

const charge = (overrides: Partial<BillingChargeInput> = {}): BillingChargeInput => billingChargeInput({ billingKey: BTK, ...overrides });

function answer(body: unknown, status = 200): PgAnswer {
  return { status, body: typeof body === 'string' ? body : JSON.stringify(body), url: `http://127.0.0.1:4001${SSBBILL_PATH}` };
}

/** An ssbbill.do answer as the simulator signs it. */
function signed(overrides: Record<string, string> = {}, key = TEST_MERCHANT_KEY): Record<string, string> {
  const body = {
    ResultCode: '3001',
    ResultMsg: '빌링 결제 성공',
    Tid: TID,
    Mid: TEST_MID,
    Moid: 'sub20260115001',
    Amt: '1004',
    PayMethod: 'CARD',
    AuthDate: '260115210005',
    AuthCode: '12345678',
    AppCardCode: '06',
    AppCardName: '신한',
    AcquCardCode: '06',
    AcquCardName: '신한',
    CardNum: '52391234****900*',
    CardQuota: '00',
    CardType: '0',
    ...overrides,
  };
  return { ...body, SignValue: signValue(body.Tid, body.ResultCode, key) };
}


const read = (body: unknown, input = charge()) => chargeBillingFlow.readAnswer(creds(), input, answer(body), NOW);

describe('chargeBillingFlow.buildRequest', () => {
  it('posts JSON {EncData, Mid} to ssbbill.do; the envelope holds every field and VerifyValue over key+Mid+Amt', () => {
    const request = chargeBillingFlow.buildRequest(creds(), charge(), NOW);
    expect(request).toMatchObject({
      method: 'POST',
      url: `http://127.0.0.1:4001${SSBBILL_PATH}`,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    });
    const body = JSON.parse(request.body ?? '') as { EncData: string; Mid: string };
    expect(Object.keys(body).sort()).toEqual(['EncData', 'Mid']);
    expect(body.Mid).toBe(TEST_MID);
    expect(decryptEnvelope(body.EncData, TEST_MERCHANT_KEY)).toEqual({
      PayMethod: 'CARD',
      Mid: TEST_MID,
      BillTokenKey: BTK,
      Moid: 'sub20260115001',
      EdiDate: '20260115210005',
      BuyerName: '홍길동',
      BuyerTel: '010-1234-5678',
      BuyerEmail: 'buyer@example.com',
      CardQuota: '00',
      CardPoint: '0',
      GoodsCnt: '1',
      GoodsName: '월간 구독',
      Amt: '1004',
      SvcAmt: '0',
      // 1004 taxable: VAT = round(1004 / 11) = 91, supply value 913 (the window's split).
      TaxAmt: '913',
      VatAmt: '91',
      TaxFreeAmt: '0',
      MallUserId: 'buyer01',
      MallIp: '',
      UserIp: '203.0.113.7',
      // printf %s "${BTK}gyeoltest11004" | openssl dgst -sha256 -binary | base64
      VerifyValue: 'wITxQwEGCqtKOiXHlWFnMyJz3v7nBrqVu1i551ObZVs=',
    });
  });

  it('asks for card points with CardPoint 1 when use_card_point is set', () => {
    const request = chargeBillingFlow.buildRequest(creds(), charge({ useCardPoint: true }), NOW);
    expect(decryptEnvelope((JSON.parse(request.body ?? '') as { EncData: string }).EncData, TEST_MERCHANT_KEY)).toMatchObject({ CardPoint: '1' });
  });

  it('cuts the Moid to 40 characters, pads the quota and keeps a given tax split', () => {
    const uid = 'a'.repeat(45);
    const request = chargeBillingFlow.buildRequest(creds(), charge({ merchantUid: uid, amount: 60000, cardQuota: 3, taxFree: 10000, vatAmount: 4000, name: null }), NOW);
    const inner = decryptEnvelope((JSON.parse(request.body ?? '') as { EncData: string }).EncData, TEST_MERCHANT_KEY);
    expect(inner).toMatchObject({ Moid: 'a'.repeat(40), CardQuota: '03', Amt: '60000', TaxAmt: '46000', VatAmt: '4000', TaxFreeAmt: '10000', GoodsName: '정기결제' });
  });
});

describe('chargeBillingFlow.validate', () => {
  it('passes a good charge', () => {
    expect(chargeBillingFlow.validate(creds(), charge())).toEqual([]);
  });

  it('names every broken rule, the ssp Mall ID first', () => {
    const input = charge({ merchantUid: 'sub-2026_01', buyerName: ' ', buyerEmail: null, buyerTel: '', cardQuota: 3, amount: 1004, customerId: 'c'.repeat(21) });
    expect(validateBillingCharge(credentials(), input)).toEqual([
      { field: 'settings.sspMallId', rule: '스마트로 정기결제(빌링키)에는 채널 설정의 ssp Mall ID(sspMallId)가 필요합니다' },
      { field: 'merchant_uid', rule: '영문자와 숫자만 사용할 수 있습니다 (스마트로 규칙)' },
      { field: 'buyer_name', rule: '스마트로 API 결제에는 구매자 이름(buyer_name)이 필수입니다' },
      { field: 'buyer_email', rule: '스마트로 API 결제에는 구매자 이메일(buyer_email)이 필수입니다' },
      { field: 'buyer_tel', rule: '스마트로 API 결제에는 구매자 전화번호(buyer_tel)가 필수입니다' },
      { field: 'card_quota', rule: '할부는 결제금액 50,000원 이상부터 가능합니다' },
      { field: 'customer_id', rule: '최대 20자까지 입력할 수 있습니다 (스마트로 규칙)' },
    ]);
    expect(validateBillingCharge(creds(), charge({ amount: 0, cardQuota: 1, currency: 'USD' }))).toEqual([
      { field: 'currency', rule: '스마트로 빌링 결제는 KRW만 가능합니다' },
      { field: 'amount', rule: '1원 이상이어야 합니다 (스마트로 규칙)' },
      { field: 'card_quota', rule: '0(일시불) 또는 2~12개월이어야 합니다' },
    ]);
  });

  it('refuses merchant-paid interest on an installment (Smartro sets it per MID), not on a lump sum', () => {
    expect(validateBillingCharge(creds(), charge({ amount: 60000, cardQuota: 3, interestFreeByMerchant: true }))).toEqual([
      { field: 'interest_free_by_merchant', rule: '스마트로는 빌링 결제마다 가맹점 부담 무이자 할부를 지정할 수 없습니다 (MID 계약으로 정해집니다)' },
    ]);
    expect(validateBillingCharge(creds(), charge({ amount: 60000, cardQuota: 3 }))).toEqual([]);
    expect(validateBillingCharge(creds(), charge({ interestFreeByMerchant: true }))).toEqual([]);
  });
});

describe('chargeBillingFlow.readAnswer', () => {
  it('reads a signed 3001 as approved with the card, the order and the card slip', () => {
    expect(read(signed())).toEqual({
      outcome: 'approved',
      pgTid: TID,
      approvedAt: new Date('2026-01-15T12:00:05Z'),
      code: '3001',
      message: '빌링 결제 성공',
      order: { merchantUid: 'sub20260115001', amount: 1004, pgId: TEST_MID },
      details: {
        method: 'card',
        card: {
          cardCode: '366',
          cardName: '신한',
          cardIssuerCode: '366',
          cardIssuerName: '신한',
          cardPublisherCode: '366',
          cardPublisherName: '신한',
          cardNumber: '52391234****900*',
          cardQuota: 0,
          cardType: 0,
          applyNum: '12345678',
        },
      },
      receiptUrl: `http://127.0.0.1:4001/issue/IssueLoader.jsp?TID=${TID}&type=0`,
      escrow: false,
    });
  });

  it('takes 0000 (the other published billing success code) as approved too', () => {
    expect(read(signed({ ResultCode: '0000' }))).toMatchObject({ outcome: 'approved', code: '0000', pgTid: TID });
  });

  it('reads a signed card decline as a verified decline', () => {
    expect(read(signed({ ResultCode: '3052', ResultMsg: '잔액부족 (한도초과)' }))).toEqual({ outcome: 'declined', pgTid: TID, code: '3052', message: '잔액부족 (한도초과)', verified: true });
  });

  describe('B101 (the order was charged with this key before: a re-sent charge)', () => {
    const dup = BILLING_PAY_CODES.duplicateMoid;

    it('reads it, for the same order and amount, as the earlier approval it names: its Tid, date and card', () => {
      const first = read(signed());
      expect(read(signed({ ResultCode: dup.resultCode, ResultMsg: dup.resultMsg }))).toEqual({ ...first, code: 'B101', message: dup.resultMsg });
    });

    it('takes a B101 that names only the earlier Tid, order and amount: approved with what it says, at the time read', () => {
      const thin = { ResultCode: dup.resultCode, ResultMsg: dup.resultMsg, Tid: TID, Mid: TEST_MID, Moid: 'sub20260115001', Amt: '1004' };
      const result = read({ ...thin, SignValue: signValue(TID, dup.resultCode, TEST_MERCHANT_KEY) });
      expect(result).toMatchObject({ outcome: 'approved', pgTid: TID, approvedAt: NOW, order: { merchantUid: 'sub20260115001', amount: 1004, pgId: TEST_MID } });
      expect(result.outcome === 'approved' && result.details).toEqual({
        method: 'card',
        card: {
          cardCode: null,
          cardName: null,
          cardIssuerCode: null,
          cardIssuerName: null,
          cardPublisherCode: null,
          cardPublisherName: null,
          cardNumber: null,
          cardQuota: 0,
          cardType: null,
          applyNum: null,
        },
      });
    });

    it('reads a B101 about another amount as a verified decline of this charge, without the other charge\'s Tid', () => {
      expect(read(signed({ ResultCode: dup.resultCode, ResultMsg: dup.resultMsg, Amt: '5000' }))).toEqual({
        outcome: 'declined',
        pgTid: null,
        code: 'B101',
        message: `${dup.resultMsg} (이전 결제 5000원, 이번 요청 1004원)`,
        verified: true,
      });
    });

    it('faults on a B101 of another order or MID, without Moid or Amt, badly signed, or unsigned', () => {
      expect(faultOf(() => read(signed({ ResultCode: dup.resultCode, Moid: 'sub20260115002' }))).kind).toBe('mismatch');
      expect(faultOf(() => read(signed({ ResultCode: dup.resultCode, Mid: 'othermid01' }))).kind).toBe('mismatch');
      for (const field of ['Amt', 'Moid']) {
        const without = signed({ ResultCode: dup.resultCode });
        delete without[field];
        expect(faultOf(() => read(without)).kind, field).toBe('malformed');
      }
      expect(faultOf(() => read(signed({ ResultCode: dup.resultCode }, 'X'.repeat(64)))).kind).toBe('signature');
      expect(faultOf(() => read({ ResultCode: dup.resultCode, ResultMsg: dup.resultMsg })).kind).toBe('malformed');
    });
  });

  it('reads the unsigned 9999 body (and our unsigned refusals) as unverified declines', () => {
    expect(read({ ResultCode: '9999', ResultMsg: '시스템에러 잠시후 재 거래' })).toEqual({ outcome: 'declined', pgTid: null, code: '9999', message: '시스템에러 잠시후 재 거래', verified: false });
    expect(read({ ResultCode: 'B001', ResultMsg: '등록되지 않았거나 삭제된 빌키입니다' })).toEqual({ outcome: 'declined', pgTid: null, code: 'B001', message: '등록되지 않았거나 삭제된 빌키입니다', verified: false });
  });

  it('faults on a bad signature, another order, amount or MID, another kind of success, or an unsigned success', () => {
    expect(faultOf(() => read(signed({}, 'X'.repeat(64)))).kind).toBe('signature');
    expect(faultOf(() => read(signed({ Moid: 'sub20260115002' }))).kind).toBe('mismatch');
    expect(faultOf(() => read(signed({ Amt: '1005' }))).kind).toBe('mismatch');
    expect(faultOf(() => read(signed({ Mid: 'othermid01' }))).kind).toBe('mismatch');
    expect(faultOf(() => read(signed({ ResultCode: '3052', Moid: 'other' }))).kind).toBe('mismatch');
    expect(faultOf(() => read(signed({ ResultCode: '2001' }))).kind).toBe('mismatch');
    expect(faultOf(() => read({ ResultCode: '3001', ResultMsg: '성공' })).kind).toBe('malformed');
    expect(faultOf(() => read(signed({ CardNum: '5239123456789001' }))).kind).toBe('malformed');
    expect(faultOf(() => read('<html>')).kind).toBe('malformed');
  });

  it('decides every known result code on purpose', () => {
    const decided = Object.fromEntries(Object.keys(SMARTRO_RESULT_CODES).map((code) => [code, billingPayOutcome(code as KnownSmartroResultCode)]));
    expect(decided).toEqual({
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
      B101: 'already-approved',
    });
    expect(billingPayOutcome('3051')).toBe('declined');
  });
});

const DISPLAY = '5239-****-****-9001';
/** The billing window's POST to ReturnURL as Smartro (and the simulator) sends it on success. */
function callback(overrides: Record<string, string> = {}, key = BTK): Record<string, string> {
  const fields = {
    PayMethod: 'CARD',
    Mid: TEST_MID,
    BuyerName: '홍길동',
    Moid: 'issue20260115001',
    Tid: `${TEST_MID}01012601152100009999`,
    BillTokenKey: aesEncrypt(key, TEST_MERCHANT_KEY),
    MallUserId: 'buyer01',
    ResultCode: BILLING_KEY_ISSUED.resultCode,
    ResultMsg: BILLING_KEY_ISSUED.resultMsg,
    MallReserved: '',
    IssuerCardCd: '06',
    IssuerCardNm: '신한카드',
    DisplayCardNo: DISPLAY,
    CardExpire: '203912312359',
    EncodingType: 'utf8',
    RtnUrlEncUse: 'N',
    ...overrides,
  };
  return { VerifyValue: billIssueVerifyValue(fields.Mid, key, fields.DisplayCardNo, fields.ResultCode), ...fields };
}

describe('readBillingIssueCallback', () => {
  it('decrypts the key and verifies VerifyValue', () => {
    expect(readBillingIssueCallback(creds(), callback())).toEqual({
      ok: true,
      billingKey: BTK,
      cardCode: '366',
      cardName: '신한카드',
      displayCardNo: DISPLAY,
      cardExpire: '203912312359',
      customerId: 'buyer01',
      tid: `${TEST_MID}01012601152100009999`,
      moid: 'issue20260115001',
    });
  });

  it('matches the openssl vector for VerifyValue', () => {
    // printf %s "gyeoltest1${BTK}5239-****-****-90013001SMARTRO!@#" | openssl dgst -sha256 -binary | base64
    expect(callback().VerifyValue).toBe('aItmA5zCBNlorXMYKxIHKV3zYbb77l2zq0t49T6NtOE=');
  });

  it('reads another result code as a decline (nothing issued)', () => {
    expect(readBillingIssueCallback(creds(), { Mid: TEST_MID, ResultCode: 'U999', ResultMsg: '사용자가 결제를 취소하셨습니다' })).toEqual({
      ok: false,
      kind: 'declined',
      code: 'U999',
      message: '사용자가 결제를 취소하셨습니다',
    });
  });

  it('rejects a bad VerifyValue, another MID, a key under another merchant key, missing fields or an unmasked number', () => {
    const rejected = (fields: Record<string, string>) => {
      const r = readBillingIssueCallback(creds(), fields);
      if (r.ok || r.kind !== 'rejected') throw new Error(`expected a rejection, got ${JSON.stringify(r)}`);
      // The key is never part of a reason.
      expect(r.reason).not.toContain(BTK);
      return r.reason;
    };
    expect(rejected({ ...callback(), VerifyValue: billIssueVerifyValue(TEST_MID, BTK, DISPLAY, '3002') })).toMatch(/VerifyValue/);
    expect(rejected({ ...callback(), DisplayCardNo: '5239-****-****-9002' })).toMatch(/VerifyValue/);
    expect(rejected(callback({ Mid: 'othermid01' }))).toMatch(/MID othermid01/);
    expect(rejected({ ...callback(), BillTokenKey: aesEncrypt(BTK, 'Y'.repeat(64)) })).toMatch(/decrypt|VerifyValue/);
    expect(rejected({ ...callback(), BillTokenKey: 'not base64 at all' })).toMatch(/decrypt/);
    expect(rejected({ ...callback(), Tid: '' })).toMatch(/lacks/);
    expect(rejected(callback({ DisplayCardNo: '5239123456789001' }))).toMatch(/masked/);
  });
});


// ---- the billing window (request_pay with customer_uid) ----

/** A billing-key request as the checkout hands it over: card, customer_id, an amount only shown. */
const issueRequest = (overrides: Partial<FlatPaymentFacts> = {}) =>
  paymentRequest({ merchantUid: 'issue20260115001', customerId: 'buyer01', buyerTel: null, ...overrides });

describe('validateBillingIssue (Smartro rules on a billing-key window)', () => {
  it('takes a card request with a customer_id, whatever the amount (nothing is approved)', () => {
    expect(validateBillingIssue(issueRequest(), { mobile: false })).toEqual([]);
    expect(validateBillingIssue(issueRequest({ amount: 0 }), { mobile: true })).toEqual([]);
    expect(validateBillingIssue(issueRequest({ language: 'ko', bypass: { smartro_v2: { SkinColor: 'BLUE', IsPwdPass: 'N', OpenType: 'KR' } } }), { mobile: false })).toEqual([]);
  });

  it.each<[string, Partial<FlatPaymentFacts>, string, RegExp]>([
    ['another pay method', { payMethod: 'trans' }, 'pay_method', /카드\(card\)로만/],
    ['no customer_id', { customerId: null }, 'customer_id', /필수/],
    ['a blank customer_id', { customerId: '  ' }, 'customer_id', /필수/],
    ['a customer_id over 20 characters', { customerId: 'c'.repeat(21) }, 'customer_id', /최대 20자/],
    ['English', { language: 'en' }, 'language', /한국어\(ko\)만/],
    ['escrow', { escrow: true }, 'escrow', /에스크로/],
    ['a direct card-company call', { cardDirect: { code: '366', quota: 0 } }, 'card.direct', /직접 호출/],
    ['special characters in merchant_uid', { merchantUid: 'issue-1' }, 'merchant_uid', /영문자와 숫자/],
    ['USD', { currency: 'USD' }, 'currency', /KRW/],
    ['an unknown SkinColor', { bypass: { smartro_v2: { SkinColor: 'PINK' } } }, 'bypass.smartro_v2.SkinColor', /RED, GREEN, BLUE, PURPLE/],
    ['IsPwdPass other than Y/N', { bypass: { smartro_v2: { IsPwdPass: 'yes' } } }, 'bypass.smartro_v2.IsPwdPass', /Y 또는 N/],
    ['the English window', { bypass: { smartro_v2: { OpenType: 'EN' } } }, 'bypass.smartro_v2.OpenType', /한국어/],
    ['a bypass that is not an object', { bypass: { smartro_v2: 'RED' } }, 'bypass.smartro_v2', /객체/],
  ])('refuses %s, naming the field', (_what, overrides, field, rule) => {
    const violations = validateBillingIssue(issueRequest(overrides), { mobile: false });
    expect(violations).toHaveLength(1);
    expect(violations[0].field).toBe(field);
    expect(violations[0].rule).toMatch(rule);
  });

  it('needs the channel ssp Mall ID (refused with the setting named) and is what the connector declares', () => {
    expect(smartroBillingWindow.channelProblem(credentials())).toEqual({ field: 'settings.sspMallId', rule: expect.stringContaining('ssp Mall ID') });
    expect(smartroBillingWindow.channelProblem(creds())).toBeNull();
    expect(smartroConnector.capabilities.billing).toBe(true);
    expect(smartroConnector.flows.issueBillingKey).toBe(smartroBillingWindow);
  });
});

describe('the billing window form', () => {
  it('carries the reference fields, VerifyValue over EdiDate+MID+Moid, the ssp Mall ID and no amount or key', () => {
    const input = windowInput({ payment: issueRequest() });
    const fields = buildBillingWindowFields(creds(), input, NOW);
    expect(fields).toEqual({
      PayMethod: 'CARD',
      MID: TEST_MID,
      Moid: 'issue20260115001',
      MallUserID: 'buyer01',
      MallIP: '',
      ReturnURL: input.returnUrl,
      VerifyValue: billIssueRequestVerifyValue('20260115210005', TEST_MID, 'issue20260115001'),
      SecureType: 'S2',
      EncodingType: 'utf8',
      SspMallID: 'gyeolssp01',
      EdiDate: '20260115210005',
      RtnUrlEncUse: 'N',
      IsPwdPass: 'Y',
    });
    expect(JSON.stringify(fields)).not.toContain(TEST_MERCHANT_KEY.slice(0, 32));
  });

  it('passes bypass.smartro_v2 SkinColor and IsPwdPass, and cuts a long merchant_uid to Smartro\'s Moid', () => {
    const payment = issueRequest({ merchantUid: `issue${'9'.repeat(50)}`, bypass: { smartro_v2: { SkinColor: 'GREEN', IsPwdPass: 'N' } } });
    const fields = buildBillingWindowFields(creds(), windowInput({ payment }), NOW);
    expect(fields).toMatchObject({ SkinColor: 'GREEN', IsPwdPass: 'N', Moid: payment.merchantUid.slice(0, 40) });
  });

  it('opens on the channel JS host (the mobile one on a phone) with no Smartro script', () => {
    const c = creds({ jsBaseUrl: 'https://tpay.example', mobileJsBaseUrl: 'https://tmpay.example' });
    const pc = openBillingWindow(c, windowInput({ payment: issueRequest() }), NOW);
    expect(pc).toMatchObject({ launcher: 'smartro_v2', scripts: [], origins: ['https://tpay.example'] });
    expect(pc.data).toMatchObject({ kind: 'billing', action: `https://tpay.example${SMARTRO_BILLING_WINDOW_PATH}` });
    const mobile = openBillingWindow(c, windowInput({ payment: issueRequest(), mobile: true }), NOW);
    expect(mobile).toMatchObject({ origins: ['https://tmpay.example'], data: { action: `https://tmpay.example${SMARTRO_BILLING_WINDOW_PATH}` } });
  });
});

describe('readBillingWindowReturn', () => {
  it('reads an issued key: the order, the buyer, and the card masked as V1 shows one', () => {
    expect(readBillingWindowReturn(creds(), callback())).toEqual({
      kind: 'issued',
      billingKey: BTK,
      pgTid: `${TEST_MID}01012601152100009999`,
      order: { merchantUid: 'issue20260115001', pgId: TEST_MID },
      customerId: 'buyer01',
      card: { cardCode: '366', cardName: '신한카드', cardNumber: '5239********9001', cardType: null },
    });
  });

  it('reads the buyer closing the window (U999, W034, or nothing at all) as an abort', () => {
    const closed = { PayMethod: 'CARD', Mid: TEST_MID, Moid: 'issue20260115001', ResultCode: 'U999', ResultMsg: '사용자가 결제를 취소하셨습니다' };
    expect(readBillingWindowReturn(creds(), closed)).toEqual({ kind: 'aborted', code: 'U999', message: '사용자가 결제를 취소하셨습니다' });
    expect(readBillingWindowReturn(creds(), { ResultCode: 'W034' })).toMatchObject({ kind: 'aborted', code: 'W034' });
    expect(readBillingWindowReturn(creds(), {})).toMatchObject({ kind: 'aborted', code: 'U999' });
  });

  it('reads a refusal (no key, no VerifyValue) as a decline with Smartro\'s code and message', () => {
    const refused = { PayMethod: 'CARD', Mid: TEST_MID, Moid: 'issue20260115001', ...{ ResultCode: BILLING_ISSUE_CODES.overseasCard.resultCode, ResultMsg: BILLING_ISSUE_CODES.overseasCard.resultMsg } };
    expect(readBillingWindowReturn(creds(), refused)).toEqual({ kind: 'declined', code: 'B201', message: BILLING_ISSUE_CODES.overseasCard.resultMsg });
    // The error page's way back carries only the result.
    expect(readBillingWindowReturn(creds(), { ResultCode: 'P003', ResultMsg: '위변조 검증(VerifyValue)에 실패했습니다' })).toMatchObject({ kind: 'declined', code: 'P003' });
  });

  it.each<[string, Record<string, string>]>([
    ['a forged VerifyValue', { ...callback(), VerifyValue: billIssueVerifyValue(TEST_MID, 'SBKFORGED', DISPLAY, '3001') }],
    ['another MID', callback({ Mid: 'othermid01' })],
    ['a key that does not decrypt under the merchant key', { ...callback(), BillTokenKey: aesEncrypt(BTK, 'Z'.repeat(64)) }],
    ['an unmasked card number', callback({ DisplayCardNo: '5239123456789001' })],
  ])('rejects %s: nothing to store, and the reason never holds the key', (_what, fields) => {
    const back = readBillingWindowReturn(creds(), fields);
    expect(back).toMatchObject({ kind: 'rejected', code: 'BILLING_ISSUE_UNVERIFIED', message: expect.stringContaining('검증하지 못해') });
    expect(JSON.stringify(back)).not.toContain(BTK);
    expect(JSON.stringify(back)).not.toContain('5239123456789001');
  });
});
