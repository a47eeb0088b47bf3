// The simulator's billing, driven end to end: keys issued through the control endpoint, read by
// the connector (readBillingIssueCallback), charged and cancelled by the real connector flows
// (executeFlow) over real HTTP.
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BillingChargeInput, ConnectorContext } from '../../connectors/contract';
import { executeFlow } from '../../connectors/executor';
import { billingPayFields, chargeBillingFlow, readBillingIssueCallback } from '../../connectors/smartro/billing';
import { billIssueVerifyValue, encryptEnvelope } from '../../connectors/smartro/crypto';
import { cancelFlow } from '../../connectors/smartro/flows';
import { credentials, TEST_MERCHANT_KEY, TEST_MID } from '../../connectors/smartro/test-fixtures';
import { BILLING_PAY_CODES, SSBBILL_PATH } from '../../connectors/smartro/wire';
import { systemClock } from '../../domain/clock';
import { buildSmartroSimulator, type SmartroSimulator } from './server';
import { SimulatorStore, type TransactionSummary } from './store';

let sim: SmartroSimulator;
let simUrl: string;
const ctx: ConnectorContext = { fetch: globalThis.fetch, clock: systemClock, timeoutMs: 5000 };
const creds = (overrides: Parameters<typeof credentials>[0] = {}) =>
  credentials({ jsBaseUrl: simUrl, mobileJsBaseUrl: simUrl, apiBaseUrl: simUrl, receiptBaseUrl: simUrl, sspMallId: 'gyeolssp01', ...overrides });

beforeAll(async () => {
  sim = buildSmartroSimulator({ assetDir: mkdtempSync(path.join(tmpdir(), 'gyeol-sim-')), hangMs: 200 });
  sim.registerMerchant(TEST_MID, { merchantKey: TEST_MERCHANT_KEY, cancelPassword: '123456' });
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
  return {
    billingKey: billingKeyPlain,
    merchantUid: uniqueUid(),
    amount: 9900,
    currency: 'KRW',
    taxFree: null,
    vatAmount: null,
    name: '월간 구독',
    buyerName: '홍길동',
    buyerEmail: 'buyer@example.com',
    buyerTel: '010-1234-5678',
    cardQuota: 0,
    useCardPoint: false,
    interestFreeByMerchant: false,
    customerId: 'buyer01',
    buyerIp: '203.0.113.7',
    ...overrides,
  };
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
    expect(reopened.pragma('user_version', { simple: true })).toBe(6);
    reopened.close();
  });
});
