// The simulator's cancel.do, driven end to end: windows paid with plain form posts, approved and
// cancelled by the real connector flows (executeFlow) over real HTTP, notifications received by a
// real HTTP server and read by the connector.
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalResult, CancelInput, CancelResult, ConnectorContext } from '../../connectors/contract';
import { executeFlow } from '../../connectors/executor';
import { encryptEnvelope } from '../../connectors/smartro/crypto';
import { approveFlow, cancelFields, cancelFlow } from '../../connectors/smartro/flows';
import { readSmartroNotification } from '../../connectors/smartro/notifications';
import { credentials, paymentRequest, TEST_MERCHANT_KEY, TEST_MID, windowInput } from '../../connectors/smartro/test-fixtures';
import { openSmartroWindow, readSmartroWindowReturn, type SmartroLaunchData } from '../../connectors/smartro/window';
import { CANCEL_PATH } from '../../connectors/smartro/wire';
import type { PayMethod } from '../../domain/payment';
import { systemClock } from '../../domain/clock';
import { startReceiver } from '../../../test/support/receiver';
import { CHECK_CARD } from './cards';
import { buildSmartroSimulator, type SmartroSimulator } from './server';
import { SimulatorStore, type TransactionSummary } from './store';
import { hiddenFields } from './test-helpers';

const CANCEL_PASSWORD = '123456';
const REFUND = { holder: '홍길동', bankCode: '088', account: '110123456789', tel: '01012345678' };

let sim: SmartroSimulator;
let simUrl: string;
let hook: Awaited<ReturnType<typeof startReceiver>>;
const ctx: ConnectorContext = { fetch: globalThis.fetch, clock: systemClock, timeoutMs: 5000 };
const creds = (overrides: Parameters<typeof credentials>[0] = {}) => credentials({ jsBaseUrl: simUrl, mobileJsBaseUrl: simUrl, apiBaseUrl: simUrl, receiptBaseUrl: simUrl, ...overrides });

beforeAll(async () => {
  hook = await startReceiver();
  // Refunds are done by the control API in these tests; the automatic one has its own simulator below.
  sim = buildSmartroSimulator({ assetDir: mkdtempSync(path.join(tmpdir(), 'gyeol-sim-')), notifyRetryMs: 100, notifyRetries: 2, refundDelayMs: 10 * 60_000 });
  sim.registerMerchant(TEST_MID, { merchantKey: TEST_MERCHANT_KEY, cancelPassword: CANCEL_PASSWORD, notifyUrl: `${hook.url}/notify` });
  await sim.listen({ port: 0, host: '127.0.0.1' });
  simUrl = `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await sim?.close();
  await hook?.close();
});

const post = (url: string, fields: Record<string, string>) => fetch(url, { method: 'POST', body: new URLSearchParams(fields) });
/** What the approval of each paid Tid said (the connector's reading). */
const approvals = new Map<string, ApprovalResult>();
const uniqueUid = () => `order${Date.now()}${Math.floor(Math.random() * 100000)}`;

/** Pays through a window of `payMethod` as a buyer would, then approves with the connector; returns the Tid. */
async function pay(payMethod: PayMethod, form: Record<string, string>, amount = 1004, base = simUrl): Promise<string> {
  const c = creds({ apiBaseUrl: base, jsBaseUrl: base, mobileJsBaseUrl: base, receiptBaseUrl: base });
  const payment = paymentRequest({
    payMethod,
    merchantUid: uniqueUid(),
    amount,
    vbankDue: payMethod === 'vbank' ? '20991231235959' : null,
    digital: payMethod === 'phone' ? true : null,
    customerId: payMethod === 'kakaopay' ? 'buyer01' : null,
  });
  const launch = openSmartroWindow(c, windowInput({ payment }), new Date());
  const opened = await post(`${base}/payment/auth`, { ...(launch.data as SmartroLaunchData).fields, SimChannel: 'mobile' });
  const { AuthId } = hiddenFields(await opened.text());
  const route = { card: 'card', trans: 'bank', vbank: 'vbank', phone: 'phone', kakaopay: 'easypay' }[payMethod as 'card' | 'trans' | 'vbank' | 'phone' | 'kakaopay'];
  const result = hiddenFields(await (await post(`${base}/payment/auth/${route}`, { AuthId, Action: 'pay', ...form })).text());
  const back = readSmartroWindowReturn(c, result);
  if (back.kind !== 'authenticated') throw new Error(`not authenticated: ${JSON.stringify(result)}`);
  const approval = await executeFlow(ctx, approveFlow, c, { pgTid: back.pgTid, auth: back.auth, payMethod });
  if (approval.outcome !== 'approved') throw new Error(`not approved: ${JSON.stringify(approval)}`);
  approvals.set(back.pgTid, approval);
  return back.pgTid;
}

const payCard = (number = '4242 4242 4242 4242', amount = 1004) => pay('card', { CardCompany: '12', CardNo: number, Expiry: '12/39', Quota: '00' }, amount);
const payBank = () => pay('trans', { BankCode: '088', AccountNo: '110-123-456789' });
const issueVbank = (base = simUrl) => pay('vbank', { BankCode: '088' }, 1004, base);

function cancelInput(pgTid: string, overrides: Partial<CancelInput> = {}): CancelInput {
  return { pgTid, payMethod: 'card', paymentAmount: 1004, cancelledBefore: 0, amount: 1004, seq: 1, taxFree: 0, vatAmount: null, reason: '고객 요청', refund: null, revokeAccount: false, ...overrides };
}

const cancel = (input: CancelInput, c = creds()): Promise<CancelResult> => executeFlow(ctx, cancelFlow, c, input);

/** Posts a cancel body as given (to send what the connector never would). */
async function rawCancel(body: unknown): Promise<Record<string, string>> {
  const res = await fetch(`${simUrl}${CANCEL_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, string>;
}

async function listed(tid: string): Promise<TransactionSummary> {
  const res = await fetch(`${simUrl}/sim/transactions?tid=${tid}`);
  return ((await res.json()) as { transactions: TransactionSummary[] }).transactions[0];
}

describe('cancel.do: cards', () => {
  it('cancels a whole card payment: 2001, a new Tid of its own, recorded on the transaction', async () => {
    const tid = await payCard();
    const result = await cancel(cancelInput(tid));
    expect(result).toMatchObject({ outcome: 'cancelled', code: '2001', message: '취소 성공' });
    if (result.outcome !== 'cancelled') throw new Error('not cancelled');
    // The receipt URL is the simulator's slip of that cancel.
    expect(result.receiptUrl).toBe(`${simUrl}/issue/IssueLoader.jsp?TID=${result.pgTid}&type=0`);
    const slip = await fetch(result.receiptUrl ?? '');
    expect(slip.status).toBe(200);
    const html = await slip.text();
    expect(html).toContain('<h1>신용카드 취소전표</h1>');
    expect(html).toContain(`<dt>원거래번호</dt><dd>${tid}</dd>`);
    expect(result.pgTid).toMatch(new RegExp(`^${TEST_MID}0101\\d{16}$`));
    expect(result.pgTid).not.toBe(tid);
    const summary = await listed(tid);
    expect(summary.cancelledAmount).toBe(1004);
    // The answer's CancelDate/CancelTime have whole seconds; the record keeps milliseconds.
    const second = result.cancelledAt.toISOString().slice(0, 19);
    expect(summary.cancels).toEqual([{ tid: result.pgTid, seq: 1, amount: 1004, kind: 'cancel', cancelledAt: expect.stringMatching(new RegExp(`^${second}\\.\\d{3}Z$`)), refundedAt: null }]);
  });

  it('cancels a part, then the rest (PartialCancelCode 1 both times); a third cancel is 2013', async () => {
    const tid = await payCard();
    const first = await cancel(cancelInput(tid, { amount: 300 }));
    const rest = await cancel(cancelInput(tid, { amount: 704, seq: 2, cancelledBefore: 300 }));
    expect([first.outcome, rest.outcome]).toEqual(['cancelled', 'cancelled']);
    expect((await listed(tid)).cancelledAmount).toBe(1004);
    expect(await cancel(cancelInput(tid, { amount: 1, seq: 3, cancelledBefore: 1004 }))).toEqual({ outcome: 'refused', code: '2013', message: '이미 취소된 거래입니다', verified: true });
  });

  it('refuses more than remains (C003), and a PartialCancelCode that does not fit the amount (C004)', async () => {
    const tid = await payCard();
    await cancel(cancelInput(tid, { amount: 300 }));
    const over = await cancel(cancelInput(tid, { amount: 800, seq: 2, cancelledBefore: 300 }));
    expect(over).toEqual({ outcome: 'refused', code: 'C003', message: '취소 금액이 취소 가능 금액을 초과합니다 (취소 가능 금액 704원)', verified: true });
    // The connector's view of earlier cancels is wrong: it says "whole payment" (0) for the rest.
    const wrongCode = await cancel(cancelInput(tid, { amount: 704, seq: 2, cancelledBefore: 0, paymentAmount: 704 }));
    expect(wrongCode).toMatchObject({ outcome: 'refused', code: 'C004', verified: true });
    expect((await listed(tid)).cancelledAmount).toBe(300);
  });

  it('answers a re-sent cancel (same Tid, CancelSeq, CancelAmt) with its first answer, never cancelling twice', async () => {
    const tid = await payCard();
    const first = await cancel(cancelInput(tid, { amount: 500 }));
    const again = await cancel(cancelInput(tid, { amount: 500 }));
    expect(again).toEqual(first);
    expect((await listed(tid)).cancels).toHaveLength(1);
    // The same seq with another amount is another cancel under a taken key.
    expect(await cancel(cancelInput(tid, { amount: 400 }))).toMatchObject({ outcome: 'refused', code: 'C007', verified: true });
    // A re-send of the cancel that took the rest still gets its answer, not 2013.
    const rest = await cancel(cancelInput(tid, { amount: 504, seq: 2, cancelledBefore: 500 }));
    expect(await cancel(cancelInput(tid, { amount: 504, seq: 2, cancelledBefore: 500 }))).toEqual(rest);
    expect((await listed(tid)).cancelledAmount).toBe(1004);
  });

  it('takes only a full cancel of a check card (CardType 1): a part is refused with C005', async () => {
    const tid = await payCard(CHECK_CARD);
    // Approved with CardType 1, which the connector reports as V1 card_type 1 (check card).
    expect(approvals.get(tid)).toMatchObject({ details: { method: 'card', card: { cardType: 1 } } });
    expect(await cancel(cancelInput(tid, { amount: 500 }))).toEqual({ outcome: 'refused', code: 'C005', message: '체크카드는 부분취소할 수 없습니다', verified: true });
    expect(await cancel(cancelInput(tid))).toMatchObject({ outcome: 'cancelled', code: '2001' });
  });

  it('refuses a wrong cancel password, signed (C001); nothing is cancelled', async () => {
    const tid = await payCard();
    expect(await cancel(cancelInput(tid), creds({ cancelPassword: '654321' }))).toEqual({ outcome: 'refused', code: 'C001', message: '취소 비밀번호가 일치하지 않습니다', verified: true });
    expect((await listed(tid)).cancelledAmount).toBe(0);
  });

  it('answers the unsigned 9999 to a forged HashData, an envelope under another key, an unknown Tid or a form body', async () => {
    const tid = await payCard();
    const fields = cancelFields(creds(), cancelInput(tid));
    const forged = await rawCancel({ EncData: encryptEnvelope({ ...fields, CancelAmt: '1' }, TEST_MERCHANT_KEY), Mid: TEST_MID });
    expect(forged).toEqual({ ResultCode: '9999', ResultMsg: '위변조 검증(HashData)에 실패했습니다' });
    const otherKey = await rawCancel({ EncData: encryptEnvelope({ ...fields }, 'x'.repeat(64)), Mid: TEST_MID });
    expect(otherKey).toEqual({ ResultCode: '9999', ResultMsg: '암호화 데이터(EncData)를 가맹점 키로 복호화할 수 없습니다' });
    expect(await rawCancel({ Mid: TEST_MID })).toEqual({ ResultCode: '9999', ResultMsg: '요청 형식이 올바르지 않습니다 (EncData, Mid 필요)' });
    const unknown = await cancel(cancelInput(`${TEST_MID}01012601010000000000`));
    expect(unknown).toEqual({ outcome: 'refused', code: '9999', message: '존재하지 않는 거래입니다', verified: false });
    const broken = await fetch(`${simUrl}${CANCEL_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"EncData":' });
    expect(await broken.json()).toEqual({ ResultCode: '9999', ResultMsg: '요청 형식이 올바르지 않습니다 (EncData, Mid 필요)' });
    const form = await fetch(`${simUrl}${CANCEL_PATH}`, { method: 'POST', body: new URLSearchParams({ EncData: 'x', Mid: TEST_MID }) });
    expect(await form.json()).toEqual({ ResultCode: '9999', ResultMsg: '요청 본문은 JSON이어야 합니다 (Content-Type: application/json)' });
    expect((await listed(tid)).cancelledAmount).toBe(0);
  });
});

describe('cancel.do: phone payments and easy pays', () => {
  it('cancels a phone payment and an easy pay paid with the brand’s money, in parts, with no refund account', async () => {
    const phone = await pay('phone', { Carrier: 'SKT', PhoneNo: '010-1234-5678' });
    expect(await cancel(cancelInput(phone, { payMethod: 'phone', amount: 4 }))).toMatchObject({ outcome: 'cancelled', code: '2001' });
    const easy = await pay('kakaopay', { Login: '010-1234-5678', Funding: 'MONEY' });
    expect(await cancel(cancelInput(easy, { payMethod: 'kakaopay' }))).toMatchObject({ outcome: 'cancelled', code: '2001' });
    expect([(await listed(phone)).cancelledAmount, (await listed(easy)).cancelledAmount]).toEqual([4, 1004]);
  });
});

describe('cancel.do: bank transfers and virtual accounts', () => {
  it('refunds a bank transfer only to a refund account (C006 without one)', async () => {
    const tid = await payBank();
    expect(await cancel(cancelInput(tid, { payMethod: 'trans' }))).toMatchObject({ outcome: 'refused', code: 'C006', verified: true });
    expect(await cancel(cancelInput(tid, { payMethod: 'trans', refund: REFUND }))).toMatchObject({ outcome: 'cancelled', code: '2001' });
  });

  it('revokes an unpaid virtual account (whole amount only); the bank then takes no deposit', async () => {
    const tid = await issueVbank();
    expect(await cancel(cancelInput(tid, { payMethod: 'vbank', revokeAccount: true, amount: 4 }))).toMatchObject({ outcome: 'refused', code: 'C010' });
    expect(await cancel(cancelInput(tid, { payMethod: 'vbank', revokeAccount: true }))).toMatchObject({ outcome: 'cancelled', code: '2001' });
    const deposit = await fetch(`${simUrl}/sim/vbank/${tid}/deposit`, { method: 'POST' });
    expect(deposit.status).toBe(409);
    expect(await deposit.json()).toEqual({ message: '취소(채번 취소)된 가상계좌입니다. 입금할 수 없습니다' });
    expect((await listed(tid)).cancels.map((c) => c.kind)).toEqual(['revoke']);
    // The list page shows it revoked, with no 입금하기 button.
    const page = await (await fetch(`${simUrl}/sim/vbank`)).text();
    expect(page).toContain('채번 취소됨 (입금 불가)');
    expect(page).not.toContain(`action="/sim/vbank/${tid}/deposit"`);
  });

  it('accepts a paid virtual account’s refund as pending, then posts the signed 2211 the connector reads as refund-completed', async () => {
    const tid = await issueVbank();
    expect((await fetch(`${simUrl}/sim/vbank/${tid}/deposit`, { method: 'POST' })).status).toBe(201);
    await hook.until((all) => all.some((r) => new URLSearchParams(r.body).get('Tid') === tid));
    expect(await cancel(cancelInput(tid, { payMethod: 'vbank', amount: 400 }))).toMatchObject({ outcome: 'refused', code: 'C006' });
    const pending = await cancel(cancelInput(tid, { payMethod: 'vbank', amount: 400, refund: REFUND }));
    expect(pending).toMatchObject({ outcome: 'refund-pending', code: '2001' });
    if (pending.outcome !== 'refund-pending') throw new Error('not pending');
    expect((await listed(tid)).cancels).toMatchObject([{ tid: pending.pgTid, kind: 'refund', amount: 400, refundedAt: null }]);

    const done = await fetch(`${simUrl}/sim/refunds/${pending.pgTid}/complete`, { method: 'POST' });
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ tid: pending.pgTid, originalTid: tid, acknowledged: true });
    const note = hook.received.find((r) => new URLSearchParams(r.body).get('Tid') === pending.pgTid);
    const fields = Object.fromEntries(new URLSearchParams(note?.body ?? ''));
    expect(fields).toMatchObject({ Mid: TEST_MID, Tid: pending.pgTid, OTID: tid, Amt: '400', ResultCode: '2211', PayMethod: 'VBANK' });
    expect(readSmartroNotification(creds(), fields, new Date())).toMatchObject({ kind: 'refund-completed', pgTid: pending.pgTid, originalPgTid: tid, pgId: TEST_MID, amount: 400 });
    expect((await listed(tid)).cancels[0].refundedAt).not.toBeNull();
    // Done once: a second completion is refused, a cancel's Tid that is no refund is unknown.
    expect((await fetch(`${simUrl}/sim/refunds/${pending.pgTid}/complete`, { method: 'POST' })).status).toBe(409);
    expect((await fetch(`${simUrl}/sim/refunds/${tid}/complete`, { method: 'POST' })).status).toBe(404);
  });

  it('completes a refund by itself after refundDelayMs and notifies', async () => {
    const own = await startReceiver();
    const quick = buildSmartroSimulator({ assetDir: mkdtempSync(path.join(tmpdir(), 'gyeol-sim-')), refundDelayMs: 20 });
    try {
      quick.registerMerchant(TEST_MID, { merchantKey: TEST_MERCHANT_KEY, notifyUrl: own.url });
      await quick.listen({ port: 0, host: '127.0.0.1' });
      const base = `http://127.0.0.1:${(quick.server.address() as AddressInfo).port}`;
      const tid = await issueVbank(base);
      await fetch(`${base}/sim/vbank/${tid}/deposit`, { method: 'POST' });
      // No cancel password registered: any CancelPwd is taken.
      const pending = await cancel(cancelInput(tid, { payMethod: 'vbank', refund: REFUND }), creds({ apiBaseUrl: base, cancelPassword: 'any' }));
      expect(pending.outcome).toBe('refund-pending');
      const got = await own.until((all) => all.some((r) => new URLSearchParams(r.body).get('ResultCode') === '2211'));
      const fields = Object.fromEntries(new URLSearchParams(got.find((r) => r.body.includes('ResultCode=2211'))?.body ?? ''));
      expect(readSmartroNotification(creds(), fields, new Date())).toMatchObject({ kind: 'refund-completed', originalPgTid: tid, amount: 1004 });
    } finally {
      await quick.close();
      await own.close();
    }
  });
});

describe('simulator store schema 3 → 5', () => {
  it('opens a file written before cancels: merchants keep working without a cancel password, cancels can be recorded', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'gyeol-sim-v3-')), 'sim.db');
    const old = new Database(file);
    old.exec('CREATE TABLE merchants (mid TEXT PRIMARY KEY, merchant_key TEXT NOT NULL, company_name TEXT, notify_url TEXT)');
    old.prepare('INSERT INTO merchants VALUES (?, ?, NULL, NULL)').run(TEST_MID, TEST_MERCHANT_KEY);
    old.pragma('user_version = 3');
    old.close();
    const store = new SimulatorStore(file);
    try {
      expect(store.merchant(TEST_MID)).toEqual({ mid: TEST_MID, merchantKey: TEST_MERCHANT_KEY, companyName: null, notifyUrl: null, escrowContract: true, cancelPassword: null, escrowApiKey: null, sspMallId: null });
      const c = { tid: 'c1', originalTid: 't1', mid: TEST_MID, seq: 1, amount: 4, kind: 'cancel' as const, cancelledAt: 1, answer: { ResultCode: '2001' } };
      expect(store.recordCancel(c, 10)).toBe(true);
      expect(store.recordCancel({ ...c, tid: 'c2' }, 10)).toBe(false);
      expect(store.recordCancel({ ...c, tid: 'c3', seq: 2, amount: 7 }, 10)).toBe(false);
      expect(store.cancelsOf('t1')).toEqual([{ ...c, refundedAt: null, notifyAttempts: 0, notifyAcknowledged: false, notifyLastStatus: null }]);
    } finally {
      store.close();
    }
  });
});

describe('cancel.do state survives a restart', () => {
  it('answers a re-sent cancel after the simulator restarted with the first answer', async () => {
    const dataFile = path.join(mkdtempSync(path.join(tmpdir(), 'gyeol-sim-restart-')), 'sim.sqlite');
    const start = async () => {
      const s = buildSmartroSimulator({ assetDir: mkdtempSync(path.join(tmpdir(), 'gyeol-sim-')), dataFile });
      s.registerMerchant(TEST_MID, { merchantKey: TEST_MERCHANT_KEY, cancelPassword: CANCEL_PASSWORD });
      await s.listen({ port: 0, host: '127.0.0.1' });
      return { s, base: `http://127.0.0.1:${(s.server.address() as AddressInfo).port}` };
    };
    const first = await start();
    let firstResult: CancelResult;
    let tid: string;
    try {
      tid = await pay('card', { CardCompany: '12', CardNo: '4242424242424242', Expiry: '12/39', Quota: '00' }, 1004, first.base);
      firstResult = await cancel(cancelInput(tid), creds({ apiBaseUrl: first.base }));
    } finally {
      await first.s.close();
    }
    const second = await start();
    try {
      expect(await cancel(cancelInput(tid), creds({ apiBaseUrl: second.base }))).toEqual(firstResult);
      expect(await cancel(cancelInput(tid, { seq: 2, amount: 1, cancelledBefore: 1004 }), creds({ apiBaseUrl: second.base }))).toMatchObject({ code: '2013' });
    } finally {
      await second.s.close();
    }
  });
});
