import { describe, expect, it } from 'vitest';
import { ConnectorFault, type ConnectorContext } from '../contract';
import { ManualClock } from '../../domain/clock';
import { SmartroConnector } from './client';
import { encryptData, signValue } from './crypto';
import { credentials, paymentRequest, TEST_MERCHANT_KEY, TEST_MID, windowInput } from './test-fixtures';

const connector = new SmartroConnector();
const NOW = new Date('2026-01-15T12:00:00Z');

describe('buildPaymentWindow', () => {
  it('builds the signed tranMgr form for the PC script in STG mode', () => {
    const launch = connector.buildPaymentWindow(credentials(), windowInput(), NOW);
    expect(launch).toEqual({
      kind: 'smartro-js',
      scriptUrl: 'http://127.0.0.1:4001/asset/js/SmartroPAY-1.0.min.js',
      mode: 'STG',
      fields: {
        PayMethod: 'CARD',
        GoodsCnt: '1',
        GoodsName: '결 머그컵',
        Amt: '1004',
        Moid: 'order20260115001',
        Mid: TEST_MID,
        ReturnUrl: 'http://127.0.0.1:4000/checkout/s1/return',
        StopUrl: 'http://127.0.0.1:4000/checkout/s1/stop',
        BuyerName: '홍길동',
        BuyerTel: '010-1234-5678',
        BuyerEmail: 'buyer@example.com',
        EdiDate: '20260115210000',
        EncryptData: encryptData('20260115210000', TEST_MID, '1004', TEST_MERCHANT_KEY),
        UserIp: '203.0.113.7',
        TransType: '0',
        GoodsCl: '1',
        EncodingType: 'utf8',
      },
    });
  });

  it('never puts the merchant key (or its AES half) in the fields', () => {
    const { fields } = connector.buildPaymentWindow(credentials(), windowInput(), NOW);
    const all = JSON.stringify(fields);
    expect(all).not.toContain(TEST_MERCHANT_KEY);
    expect(all).not.toContain(TEST_MERCHANT_KEY.slice(0, 32));
  });

  it('uses the mobile host on phones and REAL mode on live channels', () => {
    const mobile = connector.buildPaymentWindow(
      credentials({ mobileJsBaseUrl: 'https://m.example/', testMode: false }),
      windowInput({ mobile: true }),
      NOW,
    );
    expect(mobile.scriptUrl).toBe('https://m.example/asset/js/SmartroPAY-1.0.min.js');
    expect(mobile.mode).toBe('REAL');
    const fallback = connector.buildPaymentWindow(credentials(), windowInput({ mobile: true }), NOW);
    expect(fallback.scriptUrl).toBe('http://127.0.0.1:4001/asset/js/SmartroPAY-1.0.min.js');
  });

  it('carries escrow, digital goods, direct card, customer id and bypass options', () => {
    const { fields } = connector.buildPaymentWindow(
      credentials(),
      windowInput({
        request: paymentRequest({
          amount: 120_000,
          name: null,
          buyerName: null,
          buyerEmail: null,
          escrow: true,
          digital: true,
          customerId: 'member42',
          cardDirect: { code: '371', quota: 6 },
          bypass: { smartro_v2: { GoodsCnt: 2, SkinColor: 'BLUE', OpenType: 'EN' } },
        }),
        buyerIp: null,
      }),
      NOW,
    );
    expect(fields).toMatchObject({
      Amt: '120000',
      GoodsName: '상품',
      GoodsCnt: '2',
      BuyerName: '',
      BuyerEmail: '',
      UserIp: '',
      TransType: '1',
      GoodsCl: '0',
      FnCd: '12',
      CardQuota: '06',
      MallUserId: 'member42',
      SkinColor: 'BLUE',
      OpenType: 'EN',
    });
  });

  it('sends a lump-sum direct call as CardQuota 00', () => {
    const { fields } = connector.buildPaymentWindow(credentials(), windowInput({ request: paymentRequest({ cardDirect: { code: '361', quota: 0 } }) }), NOW);
    expect(fields).toMatchObject({ FnCd: '01', CardQuota: '00' });
  });

  it('signs EncryptData over exactly the EdiDate, Mid and Amt it sends', () => {
    const { fields } = connector.buildPaymentWindow(credentials(), windowInput({ request: paymentRequest({ amount: 987_654_321_012 }) }), NOW);
    expect(fields.EncryptData).toBe(encryptData(fields.EdiDate, fields.Mid, fields.Amt, TEST_MERCHANT_KEY));
    expect(fields.EncryptData).not.toBe(encryptData(fields.EdiDate, fields.Mid, '1', TEST_MERCHANT_KEY));
  });
});

describe('parseWindowReturn', () => {
  it('reads Tid and TrAuthKey as an authenticated payment', () => {
    expect(connector.parseWindowReturn({ Tid: 'T1', TrAuthKey: 'K1', Moid: 'x' })).toEqual({ kind: 'authenticated', pgTid: 'T1', authToken: 'K1' });
  });
  it('reads anything else as the buyer giving up', () => {
    expect(connector.parseWindowReturn({ ResultCode: 'W034', ResultMsg: '결제 중단' })).toEqual({ kind: 'aborted', code: 'W034', message: '결제 중단' });
    expect(connector.parseWindowReturn({})).toEqual({ kind: 'aborted', code: 'U999', message: '사용자가 결제를 취소하셨습니다' });
    expect(connector.parseWindowReturn({ Tid: 'T1' })).toMatchObject({ kind: 'aborted', code: 'U999' });
    expect(connector.parseWindowReturn({ Tid: 'T1', TrAuthKey: '' })).toMatchObject({ kind: 'aborted' });
  });
});

describe('approvePayment (stubbed HTTP)', () => {
  const TID = `${TEST_MID}01012601152100001234`;
  const input = { pgTid: TID, authToken: 'auth-key', expected: { merchantUid: 'order1', amount: 1004 } };

  function answering(status: number, body: string, seen?: { url?: string; init?: RequestInit }): ConnectorContext {
    const fetchStub = (async (url: string | URL | Request, init?: RequestInit) => {
      if (seen) Object.assign(seen, { url: String(url), init });
      return new Response(body, { status, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
    return { fetch: fetchStub, clock: new ManualClock(NOW), timeoutMs: 1000 };
  }

  function signed(body: Record<string, string>, key = TEST_MERCHANT_KEY): string {
    return JSON.stringify({ ...body, SignValue: signValue(body.Tid, body.ResultCode, key) });
  }

  const approvedBody = {
    Tid: TID,
    ResultCode: '3001',
    ResultMsg: '카드 결제 성공',
    Mid: TEST_MID,
    Moid: 'order1',
    Amt: '1004',
    AppCardCode: '04',
    AppCardName: '삼성',
    AcquCardCode: '04',
    AcquCardName: '삼성',
    CardNum: '53210000****123*',
    CardQuota: '00',
    AuthCode: '87654321',
    AuthDate: '260115210001',
  };

  it('POSTs JSON {Tid, TrAuthKey} to urlCallApproval.do and returns the approval', async () => {
    const seen: { url?: string; init?: RequestInit } = {};
    const result = await connector.approvePayment(answering(200, signed(approvedBody), seen), credentials({ apiBaseUrl: 'https://api.example/' }), input);
    expect(seen.url).toBe('https://api.example/payment/approval/urlCallApproval.do');
    expect(seen.init?.method).toBe('POST');
    expect(seen.init?.headers).toMatchObject({ 'Content-Type': 'application/json', Accept: 'application/json' });
    expect(JSON.parse(String(seen.init?.body))).toEqual({ Tid: TID, TrAuthKey: 'auth-key' });
    expect(seen.init?.signal).toBeInstanceOf(AbortSignal);
    expect(result).toMatchObject({ outcome: 'approved', card: { cardCode: '365', cardNumber: '53210000****123*', applyNum: '87654321' } });
  });

  it('uses approvalInquiry.do for inquireApproval', async () => {
    const seen: { url?: string } = {};
    await connector.inquireApproval(answering(200, signed(approvedBody), seen), credentials(), input);
    expect(seen.url).toBe('http://127.0.0.1:4001/payment/approval/approvalInquiry.do');
  });

  async function fault(ctx: ConnectorContext): Promise<ConnectorFault> {
    const err = await connector.approvePayment(ctx, credentials(), input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorFault);
    return err as ConnectorFault;
  }

  it('faults on an HTTP error status', async () => {
    expect((await fault(answering(500, '{}'))).kind).toBe('http');
    expect((await fault(answering(404, '<html></html>'))).kind).toBe('http');
  });

  it('faults on a body that is not a signed answer', async () => {
    expect((await fault(answering(200, '<html>hi</html>'))).kind).toBe('malformed');
    expect((await fault(answering(200, '{"ResultCode":"9999","ResultMsg":"시스템에러 잠시후 재 거래"}'))).kind).toBe('malformed');
  });

  it('faults when SignValue was made with another key or for another code', async () => {
    expect((await fault(answering(200, signed(approvedBody, 'X'.repeat(64))))).kind).toBe('signature');
    const forged = JSON.stringify({ ...approvedBody, SignValue: signValue(TID, '3051', TEST_MERCHANT_KEY) });
    expect((await fault(answering(200, forged))).kind).toBe('signature');
  });

  it('faults on a verified answer about something else', async () => {
    expect((await fault(answering(200, signed({ ...approvedBody, Amt: '1' })))).kind).toBe('mismatch');
    expect((await fault(answering(200, signed({ ...approvedBody, Tid: `${TID.slice(0, -1)}0` })))).kind).toBe('mismatch');
  });

  it('faults on an unmasked card number', async () => {
    expect((await fault(answering(200, signed({ ...approvedBody, CardNum: '5321000012341234' })))).kind).toBe('malformed');
  });

  it('turns a thrown timeout into a timeout fault with an unknown outcome', async () => {
    const ctx: ConnectorContext = {
      fetch: (async () => {
        throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
      }) as typeof fetch,
      clock: new ManualClock(NOW),
      timeoutMs: 10,
    };
    const f = await fault(ctx);
    expect(f.kind).toBe('timeout');
    expect(f.outcomeUnknown).toBe(true);
  });

  it('knows a refused or unresolvable connection never reached Smartro, and a reset might have', async () => {
    const failing = (code: string): ConnectorContext => ({
      fetch: (async () => {
        throw new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });
      }) as typeof fetch,
      clock: new ManualClock(NOW),
      timeoutMs: 1000,
    });
    expect(await fault(failing('ECONNREFUSED'))).toMatchObject({ kind: 'network', outcomeUnknown: false });
    expect(await fault(failing('ENOTFOUND'))).toMatchObject({ kind: 'network', outcomeUnknown: false });
    expect(await fault(failing('ECONNRESET'))).toMatchObject({ kind: 'network', outcomeUnknown: true });
    expect(await fault(failing('UND_ERR_SOCKET'))).toMatchObject({ kind: 'network', outcomeUnknown: true });
  });

  it('is a Smartro connector', () => {
    expect(connector.pgProvider).toBe('smartro_v2');
  });
});
