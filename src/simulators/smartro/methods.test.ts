// Bank transfer (PayMethod BANK), virtual account (VBANK) and phone payment (CELLPHONE) windows of the simulator,
// driven with plain form posts, approved by the real connector over real HTTP.
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorFault, type ConnectorContext } from '../../connectors/contract';
import { executeFlow } from '../../connectors/executor';
import { verifySignValue } from '../../connectors/smartro/crypto';
import { approveFlow } from '../../connectors/smartro/flows';
import { credentials, paymentRequest, TEST_MERCHANT_KEY, TEST_MID, windowInput } from '../../connectors/smartro/test-fixtures';
import { openSmartroWindow, readSmartroWindowReturn, type SmartroLaunchData } from '../../connectors/smartro/window';
import type { PayMethod } from '../../domain/payment';
import { systemClock } from '../../domain/clock';
import { buildSmartroSimulator, type SmartroSimulator } from './server';
import { SimulatorStore } from './store';
import { hiddenFields } from './test-helpers';
import { startReceiver } from '../../../test/support/receiver';

let sim: SmartroSimulator;
let simUrl: string;
const ctx: ConnectorContext = { fetch: globalThis.fetch, clock: systemClock, timeoutMs: 5000 };
const creds = () => credentials({ jsBaseUrl: simUrl, mobileJsBaseUrl: simUrl, apiBaseUrl: simUrl, receiptBaseUrl: simUrl });

beforeAll(async () => {
  sim = buildSmartroSimulator({
    merchants: new Map([[TEST_MID, { merchantKey: TEST_MERCHANT_KEY }]]),
    assetDir: mkdtempSync(path.join(tmpdir(), 'gyeol-sim-')),
    notifyRetryMs: 100,
    notifyRetries: 2,
  });
  await sim.listen({ port: 0, host: '127.0.0.1' });
  simUrl = `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await sim?.close();
});

const post = (url: string, fields: Record<string, string>) => fetch(url, { method: 'POST', body: new URLSearchParams(fields) });

/** Opens the window the connector signs for a payment of `payMethod`; returns the page and its AuthId. */
async function openWindow(payMethod: PayMethod, merchantUid = `order${Date.now()}${Math.floor(Math.random() * 1000)}`) {
  const launch = openSmartroWindow(creds(), windowInput({ payment: paymentRequest({ payMethod, merchantUid, digital: payMethod === 'phone' ? true : null, vbankDue: payMethod === 'vbank' ? '20991231235959' : null }) }), new Date());
  const fields = (launch.data as SmartroLaunchData).fields;
  const res = await post(`${simUrl}/payment/auth`, { ...fields, SimChannel: 'mobile' });
  const page = await res.text();
  return { status: res.status, page, authId: hiddenFields(page).AuthId, merchantUid };
}

/** Submits a window form; returns the status, the page, and the Tid/TrAuthKey it hands on (if any). */
async function submit(route: 'bank' | 'vbank' | 'phone' | 'card', fields: Record<string, string>) {
  const res = await post(`${simUrl}/payment/auth/${route}`, fields);
  const page = await res.text();
  return { status: res.status, page, result: hiddenFields(page) };
}

async function approveAs(payMethod: PayMethod, Tid: string, TrAuthKey: string) {
  const back = readSmartroWindowReturn(creds(), { Tid, TrAuthKey });
  if (back.kind !== 'authenticated') throw new Error(`window return not authenticated: ${back.kind}`);
  return executeFlow(ctx, approveFlow, creds(), { pgTid: back.pgTid, auth: back.auth, payMethod });
}

describe('bank transfer window (PayMethod BANK)', () => {
  it('shows 은행 선택, 출금 계좌번호, 결제하기 and 취소 with the banks by KFTC code', async () => {
    const { status, page } = await openWindow('trans');
    expect(status).toBe(200);
    expect(page).toContain('스마트로 계좌이체');
    expect(page).toContain('<label for="BankCode">은행 선택</label>');
    expect(page).toContain('<label for="AccountNo">출금 계좌번호</label>');
    expect(page).toContain('<option value="088">신한은행</option>');
    expect(page).toContain('>결제하기</button>');
    expect(page).toContain('>취소</button>');
    expect(page).not.toContain('카드번호');
  });

  it('approves with 4000 and the chosen bank, signed; the connector reports it as V1 bank_code/bank_name', async () => {
    const { authId, merchantUid } = await openWindow('trans');
    const { result } = await submit('bank', { AuthId: authId, Action: 'pay', BankCode: '088', AccountNo: '110-123-456789' });
    expect(result.Tid).toMatch(new RegExp(`^${TEST_MID}0101\\d{16}$`));
    const approval = await approveAs('trans', result.Tid, result.TrAuthKey);
    expect(approval).toMatchObject({
      outcome: 'approved',
      code: '4000',
      message: '계좌이체 성공',
      order: { merchantUid, amount: 1004, pgId: TEST_MID },
      details: { method: 'trans', bank: { bankCode: '088', bankName: '신한은행' } },
      receiptUrl: null,
    });

    // The raw answer: signed, PayMethod BANK, the bank fields, nothing of the account number.
    const res = await fetch(`${simUrl}/payment/approval/approvalInquiry.do`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Tid: result.Tid, TrAuthKey: result.TrAuthKey }),
    });
    const answer = (await res.json()) as Record<string, string>;
    expect(answer).toMatchObject({ ResultCode: '4000', PayMethod: 'BANK', BankCode: '088', BankName: '신한은행' });
    expect(verifySignValue(answer.Tid, answer.ResultCode, TEST_MERCHANT_KEY, answer.SignValue)).toBe(true);
    expect(JSON.stringify(answer)).not.toContain('123456789');
    expect(answer.CardNum).toBeUndefined();
  });

  it('declines the test account 1000000009 with a signed 4052 (잔액부족)', async () => {
    const { authId } = await openWindow('trans');
    const { result } = await submit('bank', { AuthId: authId, Action: 'pay', BankCode: '004', AccountNo: '1000000009' });
    expect(await approveAs('trans', result.Tid, result.TrAuthKey)).toEqual({
      outcome: 'declined',
      pgTid: result.Tid,
      code: '4052',
      message: '잔액이 부족합니다',
      verified: true,
    });
  });

  it('asks again for a missing bank or a bad account number, issuing nothing', async () => {
    const { authId } = await openWindow('trans');
    const bad = await submit('bank', { AuthId: authId, Action: 'pay', BankCode: '', AccountNo: '12' });
    expect(bad.status).toBe(400);
    expect(bad.page).toContain('은행을 선택해 주세요');
    expect(bad.page).toContain('출금 계좌번호 10~14자리를 입력해 주세요');
    expect(bad.result.Tid).toBeUndefined();
    // The window is still open: a correct submit goes through.
    const good = await submit('bank', { AuthId: authId, Action: 'pay', BankCode: '004', AccountNo: '1234567890' });
    expect(good.result.TrAuthKey).toBeTruthy();
  });

  it('취소 ends the window with U999', async () => {
    const { authId } = await openWindow('trans');
    const { result } = await submit('bank', { AuthId: authId, Action: 'cancel' });
    expect(result).toEqual({ ResultCode: 'U999', ResultMsg: '사용자가 결제를 취소하셨습니다' });
  });

  it('takes no card form on a bank window', async () => {
    const { authId } = await openWindow('trans');
    const res = await submit('card', { AuthId: authId, Action: 'pay', CardCompany: '12', CardNo: '4242424242424242', Expiry: '12/39', Quota: '00' });
    expect(res.status).toBe(409);
    expect(res.result.Tid).toBeUndefined();
  });

  it('a bank transfer approval asked as a card approval is a mismatch fault, never a paid card payment', async () => {
    const { authId } = await openWindow('trans');
    const { result } = await submit('bank', { AuthId: authId, Action: 'pay', BankCode: '088', AccountNo: '1234567890' });
    const err = await approveAs('card', result.Tid, result.TrAuthKey).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorFault);
    expect((err as ConnectorFault).kind).toBe('mismatch');
  });
});

describe('phone payment window (PayMethod CELLPHONE)', () => {
  it('shows 통신사 and 휴대폰 번호', async () => {
    const { status, page } = await openWindow('phone');
    expect(status).toBe(200);
    expect(page).toContain('스마트로 휴대폰결제');
    expect(page).toContain('<label for="Carrier">통신사</label>');
    expect(page).toContain('<label for="PhoneNo">휴대폰 번호</label>');
    expect(page).toContain('<option value="KTF">KT</option>');
  });

  it('approves with A000, signed, with the carrier and a masked number only', async () => {
    const { authId, merchantUid } = await openWindow('phone');
    const { result } = await submit('phone', { AuthId: authId, Action: 'pay', Carrier: 'SKT', PhoneNo: '010-9876-5432' });
    expect(await approveAs('phone', result.Tid, result.TrAuthKey)).toMatchObject({
      outcome: 'approved',
      code: 'A000',
      order: { merchantUid, amount: 1004 },
      details: { method: 'phone' },
    });
    const tx = (await (await fetch(`${simUrl}/sim/transactions?tid=${result.Tid}`)).json()) as { transactions: { resultCode: string }[] };
    expect(tx.transactions[0].resultCode).toBe('A000');
    const answer = (await (
      await fetch(`${simUrl}/payment/approval/approvalInquiry.do`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ Tid: result.Tid, TrAuthKey: result.TrAuthKey }),
      })
    ).json()) as Record<string, string>;
    expect(answer).toMatchObject({ PayMethod: 'CELLPHONE', Carrier: 'SKT', PhoneNo: '010****5432' });
    expect(JSON.stringify(answer)).not.toContain('98765432');
  });

  it('declines the test number 010-0000-0000 with a signed A052, and refuses a bad number', async () => {
    const { authId } = await openWindow('phone');
    const bad = await submit('phone', { AuthId: authId, Action: 'pay', Carrier: 'SKT', PhoneNo: '02-123-4567' });
    expect(bad.status).toBe(400);
    expect(bad.page).toContain('휴대폰 번호를 확인해 주세요');
    const { result } = await submit('phone', { AuthId: authId, Action: 'pay', Carrier: 'LGT', PhoneNo: '010-0000-0000' });
    expect(await approveAs('phone', result.Tid, result.TrAuthKey)).toMatchObject({ outcome: 'declined', code: 'A052', verified: true });
  });

  it('A000 to a bank transfer request is a mismatch fault', async () => {
    const { authId } = await openWindow('phone');
    const { result } = await submit('phone', { AuthId: authId, Action: 'pay', Carrier: 'SKT', PhoneNo: '01012345678' });
    const err = await approveAs('trans', result.Tid, result.TrAuthKey).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorFault);
    expect((err as ConnectorFault).kind).toBe('mismatch');
  });
});

describe('virtual account window (PayMethod VBANK)', () => {
  it('shows 입금 은행 선택, the deadline, 계좌 발급 and 취소', async () => {
    const { status, page } = await openWindow('vbank');
    expect(status).toBe(200);
    expect(page).toContain('스마트로 가상계좌');
    expect(page).toContain('<label for="BankCode">입금 은행 선택</label>');
    expect(page).toContain('입금 기한: 2099-12-31 23:59까지');
    expect(page).toContain('>계좌 발급</button>');
    expect(page).toContain('>취소</button>');
  });

  it('issues an account with 4100, signed: VbankBankCode, VbankName, VbankNum, VbankExpDate; the connector reads vbank details', async () => {
    const { authId, merchantUid } = await openWindow('vbank');
    const { result } = await submit('vbank', { AuthId: authId, Action: 'pay', BankCode: '088' });
    const issued = await approveAs('vbank', result.Tid, result.TrAuthKey);
    expect(issued).toMatchObject({
      outcome: 'approved',
      code: '4100',
      order: { merchantUid, amount: 1004, pgId: TEST_MID },
      details: { method: 'vbank', vbank: { vbankCode: '088', vbankName: '신한은행', vbankHolder: '결 시뮬레이터 가맹점', vbankDate: new Date('2099-12-31T14:59:59Z') } },
      receiptUrl: null,
    });
    const res = await fetch(`${simUrl}/payment/approval/approvalInquiry.do`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Tid: result.Tid, TrAuthKey: result.TrAuthKey }),
    });
    const answer = (await res.json()) as Record<string, string>;
    expect(answer).toMatchObject({ ResultCode: '4100', PayMethod: 'VBANK', VbankBankCode: '088', VbankName: '신한은행', VbankExpDate: '20991231' });
    expect(answer.VbankNum).toMatch(/^7\d{13}$/);
    expect(verifySignValue(answer.Tid, answer.ResultCode, TEST_MERCHANT_KEY, answer.SignValue)).toBe(true);
  });

  it('asks again when no bank is chosen, issuing nothing', async () => {
    const { authId } = await openWindow('vbank');
    const bad = await submit('vbank', { AuthId: authId, Action: 'pay', BankCode: '' });
    expect(bad.status).toBe(400);
    expect(bad.page).toContain('은행을 선택해 주세요');
    expect(bad.result.Tid).toBeUndefined();
  });

  it('an issued account asked as a bank transfer approval is a mismatch fault', async () => {
    const { authId } = await openWindow('vbank');
    const { result } = await submit('vbank', { AuthId: authId, Action: 'pay', BankCode: '004' });
    const err = await approveAs('trans', result.Tid, result.TrAuthKey).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorFault);
    expect((err as ConnectorFault).kind).toBe('mismatch');
  });

  it('refuses a VBANK window without a valid, future VbankExpDate', async () => {
    const launch = openSmartroWindow(creds(), windowInput({ payment: paymentRequest({ payMethod: 'vbank', vbankDue: '20991231235959' }) }), new Date());
    const fields = (launch.data as SmartroLaunchData).fields;
    for (const [VbankExpDate, message] of [
      ['', 'VbankExpDate: yyyyMMdd 또는 yyyyMMddhhmm'],
      ['20990230', 'VbankExpDate: yyyyMMdd 또는 yyyyMMddhhmm'],
      ['20200101', 'VbankExpDate: 이미 지난 입금기한입니다'],
    ]) {
      const res = await post(`${simUrl}/payment/auth`, { ...fields, VbankExpDate, SimChannel: 'mobile' });
      expect(res.status, VbankExpDate).toBe(400);
      expect(await res.text()).toContain(message);
    }
  });
});

describe('virtual account deposit and its notification', () => {
  async function issuedAccount() {
    const { authId } = await openWindow('vbank');
    const { result } = await submit('vbank', { AuthId: authId, Action: 'pay', BankCode: '088' });
    await approveAs('vbank', result.Tid, result.TrAuthKey);
    return result.Tid;
  }

  it('posts a signed 4110 to the merchant notifyUrl, retrying every interval until 200 OK', async () => {
    const hook = await startReceiver((_r, i) => (i < 2 ? 500 : 200));
    try {
      const put = await fetch(`${simUrl}/sim/merchants/${TEST_MID}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ merchantKey: TEST_MERCHANT_KEY, notifyUrl: `${hook.url}/notify` }),
      });
      expect(await put.json()).toMatchObject({ notifyUrl: `${hook.url}/notify` });
      const tid = await issuedAccount();
      expect(await (await fetch(`${simUrl}/sim/vbank`)).text()).toContain(`action="/sim/vbank/${tid}/deposit"`);
      expect((await fetch(`${simUrl}/sim/vbank/${tid}/deposit`, { method: 'POST' })).status).toBe(201);
      const got = await hook.until((all) => all.length >= 3);
      expect(got[1].at - got[0].at).toBeGreaterThanOrEqual(90);
      const fields = Object.fromEntries(new URLSearchParams(got[2].body));
      expect(got[2].headers['content-type']).toContain('application/x-www-form-urlencoded');
      expect(fields).toMatchObject({ Mid: TEST_MID, Tid: tid, Amt: '1004', ResultCode: '4110', PayMethod: 'VBANK', VbankBankCode: '088' });
      expect(verifySignValue(tid, '4110', TEST_MERCHANT_KEY, fields.SignValue)).toBe(true);
      // Acknowledged: no fourth attempt.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(hook.received).toHaveLength(3);
      expect(await (await fetch(`${simUrl}/sim/vbank`)).text()).toContain('통보 성공');
    } finally {
      await hook.close();
    }
  });

  it('gives up after the configured retries when the merchant never acknowledges', async () => {
    const hook = await startReceiver(() => 500);
    try {
      await fetch(`${simUrl}/sim/merchants/${TEST_MID}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ merchantKey: TEST_MERCHANT_KEY, notifyUrl: hook.url }),
      });
      const tid = await issuedAccount();
      await fetch(`${simUrl}/sim/vbank/${tid}/deposit`, { method: 'POST' });
      await hook.until((all) => all.length >= 3);
      await new Promise((resolve) => setTimeout(resolve, 350));
      expect(hook.received).toHaveLength(3);
    } finally {
      await hook.close();
    }
  });

  it('takes no deposit for an account never issued, and none twice', async () => {
    expect((await fetch(`${simUrl}/sim/vbank/nosuchtid/deposit`, { method: 'POST' })).status).toBe(404);
    const { authId } = await openWindow('vbank');
    const { result } = await submit('vbank', { AuthId: authId, Action: 'pay', BankCode: '088' });
    // Authenticated but approval never asked: not issued.
    expect((await fetch(`${simUrl}/sim/vbank/${result.Tid}/deposit`, { method: 'POST' })).status).toBe(409);
  });
});

describe('PayMethod on /payment/auth', () => {
  it('refuses a PayMethod the simulator has no window for', async () => {
    const launch = openSmartroWindow(creds(), windowInput(), new Date());
    const fields = { ...(launch.data as SmartroLaunchData).fields, PayMethod: 'SAMSUNGPAY', SimChannel: 'mobile' };
    const res = await post(`${simUrl}/payment/auth`, fields);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('PayMethod: CARD, BANK, VBANK, CELLPHONE, LPAY, KAKAO, NAVER, PAYCO, PINPAY만 지원합니다');
  });
});

describe('simulator store schema 1 → 2', () => {
  it('reads a card transaction written before method_data existed', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'gyeol-sim-v1-')), 'sim.db');
    const old = new Database(file);
    old.exec(`CREATE TABLE transactions (tid TEXT PRIMARY KEY, tr_auth_key_sha256 TEXT NOT NULL, mid TEXT NOT NULL, moid TEXT NOT NULL,
      amount INTEGER NOT NULL, tax_amt INTEGER, tax_free_amt INTEGER, vat_amt INTEGER, card_company_code TEXT NOT NULL,
      masked_card_number TEXT NOT NULL, quota TEXT NOT NULL, scenario TEXT NOT NULL, issued_at INTEGER NOT NULL, approval TEXT NOT NULL,
      result_code TEXT, result_msg TEXT, approved_at INTEGER, auth_code TEXT, answer TEXT, window TEXT NOT NULL)`);
    old
      .prepare(`INSERT INTO transactions VALUES ('t1', 'h', ?, 'order1', 1004, NULL, NULL, NULL, '12', '42424242****424*', '00', 'approve', 1, 'pending', NULL, NULL, NULL, NULL, NULL, ?)`)
      .run(TEST_MID, JSON.stringify({ id: 'w1', mid: TEST_MID, moid: 'order1', amount: 1004 }));
    old.pragma('user_version = 1');
    old.close();
    const store = new SimulatorStore(file);
    try {
      const t = store.transaction('t1');
      expect(t?.method).toEqual({ payMethod: 'CARD' });
      expect(t?.window.payMethod).toBe('CARD');
      expect(t?.cardCompanyCode).toBe('12');
    } finally {
      store.close();
    }
  });
});
