// The simulator's billing, driven end to end: keys issued through the billing window (plain form
// posts, as a browser without JavaScript would) and the control endpoint, read by the connector
// (readBillingWindowReturn, readBillingIssueCallback), charged and cancelled by the real connector
// flows (executeFlow) over real HTTP.
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BillingChargeInput, ConnectorContext } from '../../connectors/contract';
import { executeFlow } from '../../connectors/executor';
import { billingPayFields, buildBillingWindowFields, chargeBillingFlow, readBillingIssueCallback, readBillingWindowReturn } from '../../connectors/smartro/billing';
import { billIssueVerifyValue, encryptEnvelope } from '../../connectors/smartro/crypto';
import { cancelFlow } from '../../connectors/smartro/flows';
import { billingChargeInput, credentials, paymentRequest, TEST_MERCHANT_KEY, TEST_MID, windowInput } from '../../connectors/smartro/test-fixtures';
import { BILLING_ISSUE_CODES, BILLING_PAY_CODES, SMARTRO_BILLING_WINDOW_PATH, SSBBILL_PATH } from '../../connectors/smartro/wire';
import { systemClock } from '../../domain/clock';
import { buildSmartroSimulator, type SmartroSimulator } from './server';
import { SimulatorStore, type TransactionSummary } from './store';
import { hiddenFields } from './test-helpers';

let sim: SmartroSimulator;
let simUrl: string;
let dataDir: string;
const NO_BILLING_MID = 'nobilling1';
const OTHER_BILLING_MID = 'otherbill1';
const ctx: ConnectorContext = { fetch: globalThis.fetch, clock: systemClock, timeoutMs: 5000 };
const creds = (overrides: Parameters<typeof credentials>[0] = {}) =>
  credentials({ jsBaseUrl: simUrl, mobileJsBaseUrl: simUrl, apiBaseUrl: simUrl, receiptBaseUrl: simUrl, sspMallId: 'gyeolssp01', ...overrides });

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'gyeol-sim-'));
  sim = buildSmartroSimulator({ assetDir: dataDir, dataFile: path.join(dataDir, 'sim.sqlite'), hangMs: 200 });
  sim.registerMerchant(TEST_MID, { merchantKey: TEST_MERCHANT_KEY, cancelPassword: '123456', sspMallId: 'gyeolssp01' });
  // A merchant Smartro never set up for billing (no ssp Mall ID).
  sim.registerMerchant(NO_BILLING_MID, { merchantKey: TEST_MERCHANT_KEY });
  sim.registerMerchant(OTHER_BILLING_MID, { merchantKey: TEST_MERCHANT_KEY, sspMallId: 'otherssp01' });
  await sim.listen({ port: 0, host: '127.0.0.1' });
  simUrl = `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await sim?.close();
});

const uniqueUid = () => `sub${Date.now()}${Math.floor(Math.random() * 100000)}`;

async function issueKey(body: Record<string, string> = {}, base = simUrl): Promise<{ status: number; fields: Record<string, string> }> {
  const res = await fetch(`${base}/sim/billing-keys`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ mid: TEST_MID, cardNumber: '4242 4242 4242 4242', mallUserId: 'buyer01', cardCompany: '06', ...body }),
  });
  return { status: res.status, fields: (await res.json()) as Record<string, string> };
}

/** Issues a key for a test card and reads it as the gateway would; returns the plain key. */
async function billingKey(cardNumber = '4242 4242 4242 4242', base = simUrl): Promise<string> {
  const { status, fields } = await issueKey({ cardNumber }, base);
  if (status !== 201) throw new Error(`no key: ${JSON.stringify(fields)}`);
  const read = readBillingIssueCallback(creds(), fields);
  if (!read.ok) throw new Error(`callback not read: ${JSON.stringify(read)}`);
  return read.billingKey;
}

function chargeInput(billingKeyPlain: string, overrides: Partial<BillingChargeInput> = {}): BillingChargeInput {
  return billingChargeInput({ billingKey: billingKeyPlain, merchantUid: uniqueUid(), amount: 9900, ...overrides });
}

const charge = (input: BillingChargeInput, c = creds()) => executeFlow(ctx, chargeBillingFlow, c, input);

async function transactions(moid: string): Promise<TransactionSummary[]> {
  const res = await fetch(`${simUrl}/sim/transactions?moid=${moid}`);
  return ((await res.json()) as { transactions: TransactionSummary[] }).transactions;
}

/** Posts an ssbbill.do envelope of hand-made inner fields. */
async function postInner(inner: Record<string, unknown>): Promise<Record<string, string>> {
  const res = await fetch(`${simUrl}${SSBBILL_PATH}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ EncData: encryptEnvelope(inner, TEST_MERCHANT_KEY), Mid: TEST_MID }),
  });
  return (await res.json()) as Record<string, string>;
}

describe('POST /sim/billing-keys', () => {
  it('answers the billing window’s callback fields: the key AES-encrypted, a masked card, a VerifyValue that verifies', async () => {
    const { status, fields } = await issueKey({ moid: 'issue0001', buyerName: '홍길동' });
    expect(status).toBe(201);
    expect(Object.keys(fields).sort()).toEqual(
      ['BillTokenKey', 'BuyerName', 'CardExpire', 'DisplayCardNo', 'EncodingType', 'IssuerCardCd', 'IssuerCardNm', 'MallReserved', 'MallUserId', 'Mid', 'Moid', 'PayMethod', 'ResultCode', 'ResultMsg', 'RtnUrlEncUse', 'Tid', 'VerifyValue'].sort(),
    );
    expect(fields).toMatchObject({
      PayMethod: 'CARD',
      Mid: TEST_MID,
      Moid: 'issue0001',
      BuyerName: '홍길동',
      MallUserId: 'buyer01',
      ResultCode: '3001',
      IssuerCardCd: '06',
      IssuerCardNm: '신한',
      DisplayCardNo: '4242-****-****-4242',
      CardExpire: '203912312359',
    });
    const read = readBillingIssueCallback(creds(), fields);
    if (!read.ok) throw new Error(JSON.stringify(read));
    expect(read.billingKey).toMatch(/^SBK[0-9A-F]{30}$/);
    expect(fields.BillTokenKey).not.toContain(read.billingKey);
    expect(fields.VerifyValue).toBe(billIssueVerifyValue(TEST_MID, read.billingKey, '4242-****-****-4242', '3001'));
    expect(read).toEqual({
      ok: true,
      billingKey: read.billingKey,
      cardCode: '366',
      cardName: '신한',
      displayCardNo: '4242-****-****-4242',
      cardExpire: '203912312359',
      customerId: 'buyer01',
      tid: fields.Tid,
      moid: 'issue0001',
    });
  });

  it('refuses an unknown MID, a bad card number, a missing customer id and an overseas card company', async () => {
    expect(await issueKey({ mid: 'nobody0001' })).toMatchObject({ status: 400, fields: { field: 'mid' } });
    expect(await issueKey({ cardNumber: '4242424242424241' })).toMatchObject({ status: 400, fields: { field: 'cardNumber' } });
    expect(await issueKey({ mallUserId: '' })).toMatchObject({ status: 400, fields: { field: 'mallUserId' } });
    expect(await issueKey({ mallUserId: 'x'.repeat(21) })).toMatchObject({ status: 400, fields: { field: 'mallUserId' } });
    expect(await issueKey({ cardCompany: '25' })).toMatchObject({ status: 400, fields: { field: 'cardCompany' } });
    expect(await issueKey({ expiry: '01/20' })).toMatchObject({ status: 400, fields: { field: 'expiry', message: '유효기간이 지난 카드입니다' } });
  });
});

describe('ssbbill.do through chargeBillingFlow', () => {
  it('approves a charge, signed, and lists it as an approved transaction', async () => {
    const key = await billingKey();
    const input = chargeInput(key);
    const result = await charge(input);
    if (result.outcome !== 'approved') throw new Error(JSON.stringify(result));
    expect(result).toEqual({
      outcome: 'approved',
      pgTid: result.pgTid,
      approvedAt: result.approvedAt,
      code: '3001',
      message: '빌링 결제 성공',
      order: { merchantUid: input.merchantUid, amount: 9900, pgId: TEST_MID },
      details: {
        method: 'card',
        card: {
          cardCode: '366',
          cardName: '신한',
          cardIssuerCode: '366',
          cardIssuerName: '신한',
          cardPublisherCode: '366',
          cardPublisherName: '신한',
          cardNumber: '42424242****424*',
          cardQuota: 0,
          cardType: 0,
          applyNum: expect.stringMatching(/^\d{8}$/) as unknown as string,
        },
      },
      receiptUrl: `${simUrl}/issue/IssueLoader.jsp?TID=${result.pgTid}&type=0`,
      escrow: false,
    });
    expect(result.pgTid).toMatch(new RegExp(`^${TEST_MID}0101\\d{16}$`));
    expect(await transactions(input.merchantUid)).toEqual([
      {
        tid: result.pgTid,
        mid: TEST_MID,
        moid: input.merchantUid,
        amount: 9900,
        taxAmt: 9000,
        taxFreeAmt: 0,
        vatAmt: 900,
        approval: 'approved',
        resultCode: '3001',
        resultMsg: '빌링 결제 성공',
        // The simulator keeps milliseconds; AuthDate (the connector's approvedAt) has whole seconds.
        authenticatedAt: expect.stringMatching(`^${result.approvedAt.toISOString().slice(0, 19)}\\.\\d{3}Z$`) as unknown as string,
        approvedAt: expect.stringMatching(`^${result.approvedAt.toISOString().slice(0, 19)}\\.\\d{3}Z$`) as unknown as string,
        cancelledAmount: 0,
        cancels: [],
      },
    ]);
  });

  it('never charges one order twice on a key: B101, signed over the first charge’s Tid with its approval, read as that approval', async () => {
    const key = await billingKey();
    const input = chargeInput(key);
    const first = await charge(input);
    if (first.outcome !== 'approved') throw new Error(JSON.stringify(first));
    // Later: the answer names the first charge's Tid, date, approval number and card all the same.
    expect(await charge(input)).toEqual({ ...first, code: 'B101', message: BILLING_PAY_CODES.duplicateMoid.resultMsg });
    expect((await transactions(input.merchantUid)).map((t) => [t.tid, t.approval])).toEqual([[first.pgTid, 'approved']]);
    // The same order for another amount: B101 with the first charge's amount, a decline of this one.
    expect(await charge({ ...input, amount: 12000 })).toEqual({
      outcome: 'declined',
      pgTid: null,
      code: 'B101',
      message: `${BILLING_PAY_CODES.duplicateMoid.resultMsg} (이전 결제 9900원, 이번 요청 12000원)`,
      verified: true,
    });
    expect(await transactions(input.merchantUid)).toHaveLength(1);
    // Another key may charge the same order id (another buyer's subscription).
    const other = await billingKey();
    expect(await charge({ ...input, billingKey: other })).toMatchObject({ outcome: 'approved' });
  });

  it('declines for the test card behind the key, signed, and keeps the decline', async () => {
    const key = await billingKey('4000 0000 0000 9995');
    const input = chargeInput(key);
    const result = await charge(input);
    expect(result).toEqual({ outcome: 'declined', pgTid: expect.any(String) as unknown as string, code: '3052', message: '잔액부족 (한도초과)', verified: true });
    expect((await transactions(input.merchantUid)).map((t) => [t.approval, t.resultCode])).toEqual([['declined', '3052']]);
    // A declined order may be tried again (nothing was taken); it declines again here.
    expect(await charge(input)).toMatchObject({ outcome: 'declined', code: '3052' });
  });

  it('answers the unsigned 9999 for the system-error card, storing nothing', async () => {
    const key = await billingKey('4000 0000 0000 0119');
    const input = chargeInput(key);
    expect(await charge(input)).toEqual({ outcome: 'declined', pgTid: null, code: '9999', message: '시스템에러 잠시후 재 거래', verified: false });
    expect(await transactions(input.merchantUid)).toEqual([]);
  });

  it('refuses an unknown or deleted key (B001), unsigned', async () => {
    const unknown = await charge(chargeInput('SBK000000000000000000000000000000'));
    expect(unknown).toEqual({ outcome: 'declined', pgTid: null, code: 'B001', message: BILLING_PAY_CODES.unknownKey.resultMsg, verified: false });
    const key = await billingKey();
    expect((await fetch(`${simUrl}/sim/billing-keys/${key}`, { method: 'DELETE' })).status).toBe(200);
    expect((await fetch(`${simUrl}/sim/billing-keys/${key}`, { method: 'DELETE' })).status).toBe(404);
    expect(await charge(chargeInput(key))).toMatchObject({ outcome: 'declined', code: 'B001', verified: false });
  });

  it('refuses a key of another MID', async () => {
    sim.registerMerchant('gyeoltest2', { merchantKey: TEST_MERCHANT_KEY });
    const { fields } = await issueKey({ mid: 'gyeoltest2' });
    const read = readBillingIssueCallback(creds({ mid: 'gyeoltest2' }), fields);
    if (!read.ok) throw new Error(JSON.stringify(read));
    expect(await charge(chargeInput(read.billingKey))).toMatchObject({ outcome: 'declined', code: 'B001', verified: false });
  });

  it('refuses a bad VerifyValue (B002), missing buyer fields (B003), a Moid with symbols (B004), a bad Amt (B005)', async () => {
    const key = await billingKey();
    const inner = { ...billingPayFields(creds(), chargeInput(key), new Date()) };
    expect(await postInner({ ...inner, VerifyValue: 'AAAA' })).toEqual({ ResultCode: 'B002', ResultMsg: BILLING_PAY_CODES.badVerifyValue.resultMsg });
    expect(await postInner({ ...inner, Amt: '9901' })).toEqual({ ResultCode: 'B002', ResultMsg: BILLING_PAY_CODES.badVerifyValue.resultMsg });
    expect(await postInner({ ...inner, BuyerEmail: '' })).toEqual({ ResultCode: 'B003', ResultMsg: BILLING_PAY_CODES.buyerRequired.resultMsg });
    expect(await postInner({ ...inner, Moid: 'sub-001' })).toEqual({ ResultCode: 'B004', ResultMsg: BILLING_PAY_CODES.badMoid.resultMsg });
    expect(await postInner({ ...inner, Amt: '9,900' })).toEqual({ ResultCode: 'B005', ResultMsg: BILLING_PAY_CODES.badAmount.resultMsg });
    // Through the flow (its own validate skipped), a charge without buyer_tel is refused the same way.
    expect(await charge(chargeInput(key, { buyerTel: null }))).toMatchObject({ outcome: 'declined', code: 'B003', verified: false });
  });

  it('answers 9999 to an envelope under another key, a form body, a wrong inner Mid', async () => {
    const res = await fetch(`${simUrl}${SSBBILL_PATH}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ EncData: encryptEnvelope({ Mid: TEST_MID }, 'Z'.repeat(64)), Mid: TEST_MID }),
    });
    expect(await res.json()).toMatchObject({ ResultCode: '9999', ResultMsg: expect.stringContaining('EncData') as unknown as string });
    const form = await fetch(`${simUrl}${SSBBILL_PATH}`, { method: 'POST', body: new URLSearchParams({ EncData: 'x', Mid: TEST_MID }) });
    expect(await form.json()).toMatchObject({ ResultCode: '9999' });
    const key = await billingKey();
    expect(await postInner({ ...billingPayFields(creds(), chargeInput(key), new Date()), Mid: 'gyeoltest2' })).toMatchObject({ ResultCode: '9999' });
  });

  it('holds the late-approval card’s answer past the timeout: the charge is stored, the connector gets a timeout', async () => {
    const key = await billingKey('4000 0000 0000 0101');
    const input = chargeInput(key);
    await expect(executeFlow({ ...ctx, timeoutMs: 50 }, chargeBillingFlow, creds(), input)).rejects.toMatchObject({ kind: 'timeout' });
    const [stored] = await transactions(input.merchantUid);
    expect(stored.approval).toBe('approved');
    // Sent again (as a gateway reconciles a lost answer): the stored charge, not a second one.
    expect(await charge(input)).toMatchObject({ outcome: 'approved', code: 'B101', pgTid: stored.tid, order: { amount: 9900 } });
    expect(await transactions(input.merchantUid)).toHaveLength(1);
  });

  it('a billing charge is cancelled with cancel.do and the billing MID', async () => {
    const key = await billingKey();
    const input = chargeInput(key);
    const paid = await charge(input);
    if (paid.outcome !== 'approved') throw new Error(JSON.stringify(paid));
    const cancelled = await executeFlow(ctx, cancelFlow, creds(), {
      pgTid: paid.pgTid,
      payMethod: 'card',
      paymentAmount: 9900,
      cancelledBefore: 0,
      amount: 9900,
      seq: 1,
      taxFree: 0,
      vatAmount: null,
      reason: '구독 해지',
      refund: null,
      revokeAccount: false,
    });
    expect(cancelled).toMatchObject({ outcome: 'cancelled', code: '2001' });
    expect((await transactions(input.merchantUid))[0]).toMatchObject({ cancelledAmount: 9900 });
  });
});

describe('billing state survives a restart', () => {
  it('keeps keys and charged orders in the SQLite file', async () => {
    const dataFile = path.join(mkdtempSync(path.join(tmpdir(), 'gyeol-sim-bill-')), 'sim.sqlite');
    const start = async () => {
      const s = buildSmartroSimulator({ assetDir: mkdtempSync(path.join(tmpdir(), 'gyeol-sim-')), dataFile });
      s.registerMerchant(TEST_MID, { merchantKey: TEST_MERCHANT_KEY });
      await s.listen({ port: 0, host: '127.0.0.1' });
      return { s, base: `http://127.0.0.1:${(s.server.address() as AddressInfo).port}` };
    };
    const first = await start();
    let key: string;
    const input = chargeInput('');
    try {
      key = await billingKey('4242 4242 4242 4242', first.base);
      expect(await charge({ ...input, billingKey: key }, creds({ apiBaseUrl: first.base }))).toMatchObject({ outcome: 'approved' });
    } finally {
      await first.s.close();
    }
    const second = await start();
    try {
      const c = creds({ apiBaseUrl: second.base });
      expect(await charge({ ...input, billingKey: key }, c)).toMatchObject({ outcome: 'approved', code: 'B101' });
      expect(await charge({ ...input, billingKey: key, merchantUid: uniqueUid() }, c)).toMatchObject({ outcome: 'approved' });
    } finally {
      await second.s.close();
    }
  });

  it('opens a schema 5 file and adds the billing tables', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'gyeol-sim-v5-')), 'sim.db');
    const old = new Database(file);
    old.exec('CREATE TABLE merchants (mid TEXT PRIMARY KEY, merchant_key TEXT NOT NULL, company_name TEXT, notify_url TEXT)');
    old.pragma('user_version = 5');
    old.close();
    const store = new SimulatorStore(file);
    try {
      store.insertBillingKey({
        billTokenKey: 'SBK1',
        mid: TEST_MID,
        issueTid: 't1',
        displayCardNo: '4242-****-****-4242',
        maskedCardNumber: '42424242****424*',
        cardCompanyCode: '06',
        cardExpire: '203912312359',
        mallUserId: 'buyer01',
        scenario: 'approve',
        createdAt: 1,
      });
      expect(store.billingKey('SBK1')).toEqual({
        billTokenKey: 'SBK1',
        mid: TEST_MID,
        issueTid: 't1',
        displayCardNo: '4242-****-****-4242',
        maskedCardNumber: '42424242****424*',
        cardCompanyCode: '06',
        cardExpire: '203912312359',
        mallUserId: 'buyer01',
        scenario: 'approve',
        createdAt: 1,
        deleted: false,
      });
    } finally {
      store.close();
    }
    const reopened = new Database(file);
    expect(reopened.pragma('user_version', { simple: true })).toBe(7);
    reopened.close();
  });
});


// ---- the billing window ----

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

/** A page of the billing window, with its step's hidden id when it has one. */
async function post(url: string, fields: Record<string, string>): Promise<{ status: number; html: string; billAuthId: string | undefined }> {
  const res = await fetch(url, form(fields));
  const html = await res.text();
  return { status: res.status, html, billAuthId: /name="BillAuthId" value="([^"]+)"/.exec(html)?.[1] };
}

/** The billing form the connector builds for a buyer, as the launcher posts it. */
function billingForm(customerId: string, overrides: Partial<Parameters<typeof paymentRequest>[0]> = {}, c = creds()): Record<string, string> {
  const payment = paymentRequest({ merchantUid: uniqueUid(), customerId, ...overrides });
  return { ...buildBillingWindowFields(c, windowInput({ payment, returnUrl: 'http://127.0.0.1:4000/checkout/s1/return' }), new Date()) } as Record<string, string>;
}

const openBilling = (fields: Record<string, string>) => post(`${simUrl}${SMARTRO_BILLING_WINDOW_PATH}`, fields);
const identityCodeOf = (html: string) => /인증번호: <strong>(\d{6})<\/strong>/.exec(html)?.[1] ?? '';

const CARD_FORM = { CardCompany: '06', CardNo: '4242 4242 4242 4242', Expiry: '12/39', BuyerAuthNum: '900101', CardPwd: '12' };

/** The page that ends the window: a form posted to ReturnURL with these fields. */
function ending(html: string): { action: string; fields: Record<string, string> } {
  const action = /<form id="result" method="post" action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error(`not the window's last page:\n${html.slice(0, 800)}`);
  return { action: action.replace(/&amp;/g, '&'), fields: hiddenFields(html) };
}

/** Goes through the identity step of a new buyer; returns the card step. */
async function passIdentity(opened: { html: string; billAuthId: string | undefined }) {
  return post(`${simUrl}${SMARTRO_BILLING_WINDOW_PATH}/identity`, {
    BillAuthId: opened.billAuthId ?? '',
    Name: '홍길동',
    PhoneNo: '010-1234-5678',
    AuthCode: identityCodeOf(opened.html),
    Action: 'submit',
  });
}

describe('the billing window', () => {
  it('takes a new MallUserID through the phone identity step, then issues a key the connector reads and ssbbill.do charges', async () => {
    const customerId = `new${Date.now() % 1e9}`;
    const opened = await openBilling(billingForm(customerId));
    expect(opened.status).toBe(200);
    for (const label of ['<label for="Name">이름</label>', '<label for="PhoneNo">휴대폰 번호</label>', '<label for="AuthCode">인증번호</label>']) expect(opened.html).toContain(label);
    expect(opened.html).not.toContain('name="CardNo"');
    expect(identityCodeOf(opened.html)).toMatch(/^\d{6}$/);

    const wrong = await post(`${simUrl}${SMARTRO_BILLING_WINDOW_PATH}/identity`, { BillAuthId: opened.billAuthId ?? '', Name: '홍길동', PhoneNo: '010-1234-5678', AuthCode: '000000', Action: 'submit' });
    expect(wrong.status).toBe(400);
    expect(wrong.html).toContain('인증번호가 일치하지 않습니다');
    // Jumping to the card step before the identity step shows the identity step again.
    const skipped = await post(`${simUrl}${SMARTRO_BILLING_WINDOW_PATH}/card`, { BillAuthId: opened.billAuthId ?? '', ...CARD_FORM, Action: 'submit' });
    expect(skipped.status).toBe(400);
    expect(skipped.html).toContain('휴대폰 본인확인');

    const cardStep = await passIdentity(opened);
    expect(cardStep.status).toBe(200);
    for (const label of ['카드번호', '유효기간', '생년월일 또는 사업자번호', '비밀번호 앞 2자리']) expect(cardStep.html).toContain(`">${label}</label>`);
    expect(cardStep.html).toContain('>발급</button>');

    const issued = await post(`${simUrl}${SMARTRO_BILLING_WINDOW_PATH}/card`, { BillAuthId: cardStep.billAuthId ?? '', ...CARD_FORM, Action: 'submit' });
    const { action, fields } = ending(issued.html);
    expect(action).toBe('http://127.0.0.1:4000/checkout/s1/return');
    expect(fields).toMatchObject({ Mid: TEST_MID, MallUserId: customerId, ResultCode: '3001', BuyerName: '홍길동', DisplayCardNo: '4242-****-****-4242' });
    const back = readBillingWindowReturn(creds(), fields);
    if (back.kind !== 'issued') throw new Error(JSON.stringify(back));
    expect(back).toMatchObject({ customerId, card: { cardCode: '366', cardNumber: '4242********4242' } });

    const charged = await charge(chargeInput(back.billingKey, { customerId }));
    expect(charged).toMatchObject({ outcome: 'approved', code: '3001' });

    // Submitting the same window again is refused: one window issues one key.
    const again = await post(`${simUrl}${SMARTRO_BILLING_WINDOW_PATH}/card`, { BillAuthId: cardStep.billAuthId ?? '', ...CARD_FORM, Action: 'submit' });
    expect(again.status).toBe(409);
  });

  it('skips the identity step for a MallUserID it has met (identity checked, or a key issued before)', async () => {
    const customerId = `known${Date.now() % 1e9}`;
    await passIdentity(await openBilling(billingForm(customerId)));
    const second = await openBilling(billingForm(customerId));
    expect(second.html).toContain('name="CardNo"');
    expect(second.html).not.toContain('name="AuthCode"');

    const viaControl = `ctl${Date.now() % 1e9}`;
    expect((await issueKey({ mallUserId: viaControl })).status).toBe(201);
    expect((await openBilling(billingForm(viaControl))).html).toContain('name="CardNo"');
    // Once per merchant: the same id at another MID is a new buyer there.
    const elsewhere = await openBilling(billingForm(viaControl, {}, creds({ mid: OTHER_BILLING_MID, sspMallId: 'otherssp01' })));
    expect(elsewhere.html).toContain('name="AuthCode"');
    expect(elsewhere.html).not.toContain('name="CardNo"');
  });

  it.each<[string, (fields: Record<string, string>) => Record<string, string>, string]>([
    ['an unknown MID', (f) => ({ ...f, MID: 'nobody0001' }), 'P002'],
    ['a forged VerifyValue', (f) => ({ ...f, VerifyValue: 'AAAA' }), 'P003'],
    ['a Moid changed after signing', (f) => ({ ...f, Moid: 'other0001' }), 'P003'],
    ['another SspMallID', (f) => ({ ...f, SspMallID: 'someoneelse' }), 'P006'],
    ['no MallUserID', (f) => ({ ...f, MallUserID: '' }), 'P001'],
    ['a MallUserID over 20 characters', (f) => ({ ...f, MallUserID: 'u'.repeat(21) }), 'P001'],
    ['PayMethod other than CARD', (f) => ({ ...f, PayMethod: 'BANK' }), 'P001'],
    ['IsPwdPass other than Y/N', (f) => ({ ...f, IsPwdPass: 'X' }), 'P001'],
  ])('refuses %s with an error page that leads back to ReturnURL', async (_what, change, code) => {
    const refused = await openBilling(change(billingForm('buyer01')));
    expect(refused.status).toBe(400);
    expect(refused.html).toContain(`오류 코드: ${code}`);
    expect(refused.html).toContain('action="http://127.0.0.1:4000/checkout/s1/return"');
    expect(refused.billAuthId).toBeUndefined();
  });

  it('wears the SkinColor the merchant asked for (bypass.smartro_v2), RED without one', async () => {
    const accent = (html: string) => /--accent: (#[0-9a-f]{6})/.exec(html)?.[1];
    const blue = await openBilling(billingForm(`skin${Date.now() % 1e9}`, { bypass: { smartro_v2: { SkinColor: 'BLUE' } } }));
    expect(accent(blue.html)).toBe('#2563eb');
    const plain = await openBilling(billingForm(`skin${Date.now() % 1e9}x`));
    expect(accent(plain.html)).toBe('#d62d3e');
  });

  it('refuses a merchant with no ssp Mall ID (Smartro set up no billing for it)', async () => {
    const refused = await openBilling(billingForm('buyer01', {}, creds({ mid: NO_BILLING_MID })));
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('오류 코드: P005');
  });

  it('checks the card form in the window, echoing no card number or password', async () => {
    const card = await passIdentity(await openBilling(billingForm(`chk${Date.now() % 1e9}`, { bypass: { smartro_v2: { IsPwdPass: 'N' } } })));
    expect(card.html).toContain('결제 비밀번호 (6자리)');
    const bad = await post(`${simUrl}${SMARTRO_BILLING_WINDOW_PATH}/card`, {
      BillAuthId: card.billAuthId ?? '',
      CardCompany: '06',
      CardNo: '4242 4242 4242 4241',
      Expiry: '01/20',
      BuyerAuthNum: '901301',
      CardPwd: '1',
      PayPwd: '123456',
      PayPwdConfirm: '654321',
      Action: 'submit',
    });
    expect(bad.status).toBe(400);
    for (const message of ['올바르지 않은 카드번호', '유효기간이 지난 카드', '생년월일 6자리(YYMMDD) 또는 사업자번호 10자리', '비밀번호 앞 2자리를', '결제 비밀번호 확인이 일치하지 않습니다']) {
      expect(bad.html).toContain(message);
    }
    expect(bad.html).not.toContain('4242424242424241');
    expect(bad.html).not.toContain('4242 4242 4242 4241');
    // A business number works as well as a birth date; the window is still open.
    const ok = await post(`${simUrl}${SMARTRO_BILLING_WINDOW_PATH}/card`, { BillAuthId: card.billAuthId ?? '', ...CARD_FORM, BuyerAuthNum: '123-45-67890', PayPwd: '123456', PayPwdConfirm: '123456', Action: 'submit' });
    expect(ending(ok.html).fields.ResultCode).toBe('3001');
  });

  it.each<[string, Record<string, string>, { resultCode: string; resultMsg: string }]>([
    ['an overseas card company', { CardCompany: '25' }, BILLING_ISSUE_CODES.overseasCard],
    ['the lost test card', { CardNo: '4000 0000 0000 9987' }, BILLING_ISSUE_CODES.lostCard],
  ])('posts a refusal of %s to ReturnURL: no key, no VerifyValue', async (_what, change, refusal) => {
    const customerId = `ref${Date.now() % 1e9}`;
    const card = await passIdentity(await openBilling(billingForm(customerId)));
    const page = await post(`${simUrl}${SMARTRO_BILLING_WINDOW_PATH}/card`, { BillAuthId: card.billAuthId ?? '', ...CARD_FORM, ...change, Action: 'submit' });
    const { fields } = ending(page.html);
    expect(fields).toEqual({ PayMethod: 'CARD', Mid: TEST_MID, Moid: expect.any(String), MallUserId: customerId, ResultCode: refusal.resultCode, ResultMsg: refusal.resultMsg, EncodingType: 'utf8', RtnUrlEncUse: 'N' });
    expect(readBillingWindowReturn(creds(), fields)).toEqual({ kind: 'declined', code: refusal.resultCode, message: refusal.resultMsg });
  });

  it('closes on 닫기 at either step, posting the buyer abort (U999) to ReturnURL', async () => {
    const atIdentity = await openBilling(billingForm(`abt${Date.now() % 1e9}`));
    const closed = await post(`${simUrl}${SMARTRO_BILLING_WINDOW_PATH}/identity`, { BillAuthId: atIdentity.billAuthId ?? '', Action: 'cancel' });
    expect(readBillingWindowReturn(creds(), ending(closed.html).fields)).toMatchObject({ kind: 'aborted', code: 'U999' });

    const card = await passIdentity(await openBilling(billingForm(`abt2${Date.now() % 1e9}`)));
    const closedAtCard = await post(`${simUrl}${SMARTRO_BILLING_WINDOW_PATH}/card`, { BillAuthId: card.billAuthId ?? '', Action: 'cancel' });
    expect(readBillingWindowReturn(creds(), ending(closedAtCard.html).fields)).toMatchObject({ kind: 'aborted', code: 'U999' });
  });

  it('keeps no full card number, password or birth date in its own database', async () => {
    const card = await passIdentity(await openBilling(billingForm(`db${Date.now() % 1e9}`)));
    await post(`${simUrl}${SMARTRO_BILLING_WINDOW_PATH}/card`, { BillAuthId: card.billAuthId ?? '', ...CARD_FORM, CardNo: '5555 5555 5555 4444', BuyerAuthNum: '770707', CardPwd: '42', Action: 'submit' });
    const db = new Database(path.join(dataDir, 'sim.sqlite'), { readonly: true });
    try {
      const rows = JSON.stringify(
        ['billing_keys', 'billing_windows', 'billing_identities'].map((table) => db.prepare(`SELECT * FROM ${table}`).all()),
      );
      expect(rows).toContain('5555-****-****-4444');
      expect(rows).not.toContain('5555555555554444');
      expect(rows).not.toContain('770707');
      expect(rows).not.toContain('010-1234-5678');
    } finally {
      db.close();
    }
  });
});
