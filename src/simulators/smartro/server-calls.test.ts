import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../domain/clock';
import { encryptEnvelope, verifySignValue } from '../../connectors/smartro/crypto';
import { credentials, paymentRequest, TEST_MERCHANT_KEY, TEST_MID, windowInput } from '../../connectors/smartro/test-fixtures';
import { buildTranMgrFields } from '../../connectors/smartro/window';
import { buildSmartroSimulator, type SmartroSimulator } from './server';
import { HOLDER_NOT_FOUND_ACCOUNT, HOLDER_TEST_ACCOUNTS } from './server-calls';
import { hiddenFields } from './test-helpers';

// 2026-01-15 12:00 UTC = 21:00 KST.
const NOW = new Date('2026-01-15T12:00:00Z');
const assetDir = mkdtempSync(path.join(tmpdir(), 'gyeol-sim-assets-'));
writeFileSync(path.join(assetDir, 'SmartroPAY-1.0.min.js'), '/* test bundle */');
const API_KEY = 'escrow-key-1';

let app: SmartroSimulator | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

function simulator(): SmartroSimulator {
  app = buildSmartroSimulator({ assetDir, clock: new ManualClock(NOW) });
  app.registerMerchant(TEST_MID, { merchantKey: TEST_MERCHANT_KEY, companyName: '결상점', escrowApiKey: API_KEY });
  return app;
}

const envelope = (inner: Record<string, unknown>, mid = TEST_MID) => ({ EncData: encryptEnvelope({ Mid: mid, ...inner }, TEST_MERCHANT_KEY), Mid: mid });
const post = async (sim: SmartroSimulator, url: string, body: unknown, headers: Record<string, string> = {}) =>
  (await sim.inject({ method: 'POST', url, payload: body as object, headers })).json() as Record<string, string>;

const vacct = (overrides: Record<string, unknown> = {}) => ({
  PayMethod: 'VBANK',
  GoodsCnt: '1',
  GoodsName: '결 머그컵',
  Amt: '25000',
  Moid: 'order1',
  EdiDate: '20260115210000',
  TransType: '00',
  BuyerName: '홍길동',
  BuyerTel: '01012345678',
  BuyerEmail: 'buyer@example.com',
  VbankExpDate: '20260120',
  VbankBankCode: '088',
  VBankAccountName: '결상점',
  CashReceiptType: '0',
  ...overrides,
});

describe('vacct.do', () => {
  it('issues a signed 4100 with the account, lists it on /sim/vbank, and answers the same account to the same order again', async () => {
    const sim = simulator();
    const first = await post(sim, '/payment/approval/vacct.do', envelope(vacct()));
    expect(first).toMatchObject({ ResultCode: '4100', Moid: 'order1', Mid: TEST_MID, Amt: '25000', VbankBankCode: '088', VbankName: '신한은행', VbankExpDate: '20260120', VBankAccountName: '결상점' });
    expect(first.VbankNum).toMatch(/^7\d{13}$/);
    expect(first.Tid).toMatch(new RegExp(`^${TEST_MID}0103\\d{16}$`));
    expect(verifySignValue(first.Tid, '4100', TEST_MERCHANT_KEY, first.SignValue)).toBe(true);
    expect((await sim.inject({ method: 'GET', url: '/sim/vbank' })).body).toContain(first.VbankNum);

    expect(await post(sim, '/payment/approval/vacct.do', envelope(vacct()))).toEqual(first);
    // Another amount is another account.
    const other = await post(sim, '/payment/approval/vacct.do', envelope(vacct({ Amt: '26000' })));
    expect(other.VbankNum).not.toBe(first.VbankNum);
    // Once deposited, the order gets a new account.
    expect((await sim.inject({ method: 'POST', url: `/sim/vbank/${first.Tid}/deposit` })).statusCode).toBe(201);
    expect((await post(sim, '/payment/approval/vacct.do', envelope(vacct()))).Tid).not.toBe(first.Tid);
  });

  it('issues a fixed account (TransType 04) under its SubId', async () => {
    const answer = await post(simulator(), '/payment/approval/vacct.do', envelope(vacct({ TransType: '04', SubId: '56211234567890' })));
    expect(answer).toMatchObject({ ResultCode: '4100', VbankNum: '56211234567890' });
  });

  it("refuses the banks Smartro's test environment cannot issue for, and bad fields, unsigned", async () => {
    const sim = simulator();
    for (const bank of ['004', '089', '037', '034', '031']) {
      expect(await post(sim, '/payment/approval/vacct.do', envelope(vacct({ VbankBankCode: bank })))).toEqual({ ResultCode: 'V301', ResultMsg: '테스트 환경에서 가상계좌를 발급할 수 없는 은행입니다' });
    }
    const bad: [Record<string, unknown>, string][] = [
      [{ Moid: 'order-1' }, 'Moid'],
      [{ Amt: '0' }, 'Amt'],
      [{ VbankBankCode: '999' }, 'VbankBankCode'],
      [{ VbankExpDate: '20260114' }, 'VbankExpDate'],
      [{ VBankAccountName: '' }, 'VBankAccountName'],
      [{ BuyerEmail: '' }, 'BuyerEmail'],
      [{ TransType: '04' }, 'SubId'],
    ];
    for (const [fields, name] of bad) {
      const answer = await post(sim, '/payment/approval/vacct.do', envelope(vacct(fields)));
      expect([answer.ResultCode, answer.ResultMsg.includes(name), answer.SignValue], name).toEqual(['V001', true, undefined]);
    }
    expect(await post(sim, '/payment/approval/vacct.do', { EncData: 'garbage', Mid: TEST_MID })).toEqual({ ResultCode: '9999', ResultMsg: 'EncData를 복호화할 수 없습니다 (가맹점 키 확인)' });
    expect((await post(sim, '/payment/approval/vacct.do', { EncData: 'x', Mid: 'unknown001' })).ResultCode).toBe('9999');
    expect((await post(sim, '/payment/approval/vacct.do', { EncData: encryptEnvelope({ Mid: 'othermid01' }, TEST_MERCHANT_KEY), Mid: TEST_MID })).ResultCode).toBe('9999');
  });
});

describe('accountHolder.do', () => {
  it('answers the test accounts signed (H000), and H404 for any other', async () => {
    const sim = simulator();
    for (const account of HOLDER_TEST_ACCOUNTS) {
      const answer = await post(sim, '/payment/approval/accountHolder.do', envelope({ EdiDate: '20260115210000', BankCode: account.bankCode, AccountNum: account.account }));
      expect(answer).toMatchObject({ ResultCode: 'H000', AccountHolder: account.holder });
      expect(verifySignValue(account.account, 'H000', TEST_MERCHANT_KEY, answer.SignValue)).toBe(true);
    }
    const missing = await post(sim, '/payment/approval/accountHolder.do', envelope({ BankCode: HOLDER_NOT_FOUND_ACCOUNT.bankCode, AccountNum: HOLDER_NOT_FOUND_ACCOUNT.account }));
    expect(missing).toMatchObject({ ResultCode: 'H404' });
    expect(verifySignValue(HOLDER_NOT_FOUND_ACCOUNT.account, 'H404', TEST_MERCHANT_KEY, missing.SignValue)).toBe(true);
    expect((await post(sim, '/payment/approval/accountHolder.do', envelope({ BankCode: '088', AccountNum: '11-0' }))).ResultCode).toBe('9999');
  });
});

describe('escrowDelivery.do', () => {
  /** An approved card payment, escrow or not, through the window and urlCallApproval.do. */
  async function approvedCard(sim: SmartroSimulator, escrow: boolean): Promise<string> {
    const fields = buildTranMgrFields(credentials(), windowInput({ payment: paymentRequest({ escrow }) }), NOW) as unknown as Record<string, string>;
    const opened = await sim.inject({ method: 'POST', url: '/payment/auth', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ ...fields, SimChannel: 'mobile' }).toString() });
    const { AuthId } = hiddenFields(opened.body);
    const paid = await sim.inject({
      method: 'POST',
      url: '/payment/auth/card',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ AuthId, Action: 'pay', CardCompany: '12', CardNo: '4242 4242 4242 4242', Expiry: '12/30', Quota: '00' }).toString(),
    });
    const { Tid, TrAuthKey } = hiddenFields(paid.body);
    const approval = await post(sim, '/payment/approval/urlCallApproval.do', { Tid, TrAuthKey });
    expect(approval.EscrowCd).toBe(escrow ? '1' : '0');
    return Tid;
  }
  const delivery = (tid: string, overrides: Record<string, unknown> = {}) =>
    envelope({
      ServiceType: 'REG',
      Tid: tid,
      EdiDate: '20260115210000',
      DlvCompany: 'CJGLS',
      InvoiceNum: '123',
      SendDate: '20260115100000',
      SenderName: '결상점',
      SenderTel: '010',
      SenderPost: '04524',
      SenderAddr1: '서울',
      SenderAddr2: '1층',
      RecvName: '홍길동',
      RecvTel: '010',
      RecvPost: '04524',
      RecvAddr1: '서울',
      RecvAddr2: '2층',
      ...overrides,
    });
  const URL = '/payment/approval/escrowDelivery.do';

  it('registers once with the API Key (E000, signed), refuses a second REG (E409), modifies (E001) and shows it on /sim/escrow-deliveries', async () => {
    const sim = simulator();
    const tid = await approvedCard(sim, true);
    const registered = await post(sim, URL, delivery(tid), { apikey: API_KEY });
    expect(registered).toMatchObject({ ResultCode: 'E000', Tid: tid, RegDate: '260115210000' });
    expect(verifySignValue(tid, 'E000', TEST_MERCHANT_KEY, registered.SignValue)).toBe(true);
    expect((await post(sim, URL, delivery(tid), { apikey: API_KEY })).ResultCode).toBe('E409');
    expect((await post(sim, URL, delivery(tid, { ServiceType: 'MOD', InvoiceNum: '456' }), { apikey: API_KEY })).ResultCode).toBe('E001');
    const shown = (await sim.inject({ method: 'GET', url: `/sim/escrow-deliveries/${tid}` })).json();
    expect(shown).toMatchObject({ tid, fields: { InvoiceNum: '456', RecvAddr2: '2층' }, registeredAt: NOW.toISOString(), modifiedAt: NOW.toISOString() });
  });

  it('refuses a wrong API Key (E401), a payment that is not escrow (E400), a missing field (E422), MOD before REG (E404)', async () => {
    const sim = simulator();
    const escrow = await approvedCard(sim, true);
    const plain = await approvedCard(sim, false);
    expect((await post(sim, URL, delivery(escrow), { apikey: 'wrong' })).ResultCode).toBe('E401');
    expect((await post(sim, URL, delivery(escrow))).ResultCode).toBe('E401');
    expect((await post(sim, URL, delivery(plain), { apikey: API_KEY })).ResultCode).toBe('E400');
    const missing = await post(sim, URL, delivery(escrow, { RecvPost: '' }), { apikey: API_KEY });
    expect([missing.ResultCode, missing.ResultMsg.includes('RecvPost')]).toEqual(['E422', true]);
    expect((await post(sim, URL, delivery(escrow, { ServiceType: 'MOD' }), { apikey: API_KEY })).ResultCode).toBe('E404');
    expect((await sim.inject({ method: 'GET', url: `/sim/escrow-deliveries/${escrow}` })).statusCode).toBe(404);
  });
});
