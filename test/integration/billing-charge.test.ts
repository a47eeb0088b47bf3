import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config';
import { startSystem, type RunningSystem } from '../../src/system';
import { SecretBox } from '../../src/services/secrets';
import { enableBilling, registerCustomer, simTransactions } from '../support/billing';
import { v1EnvelopeErrors, v1SchemaErrors } from '../support/openapi';
import { startReceiver, type Received } from '../support/receiver';
import { restClient, startTestSystem, systemDatabases, TEST_INSTANCE_SECRET, type TestSystem } from '../support/system';
import { newMerchantUid } from './flow';

/**
 * Billing-key charges (`POST /subscribe/payments/again`, a schedule's run) over real HTTP between
 * the gateway and the Smartro simulator's `ssbbill.do`, on each database: webhooks, answers lost
 * and reconciled by sending the same charge again (the simulator answers a charged order with a
 * signed B101 naming the first charge), unsigned declines double-checked the same way, and one
 * merchant_uid sent twice at once — through one gateway, and through two sharing PostgreSQL.
 */

const LATE_APPROVAL_CARD = '4000 0000 0000 0101';
const NEVER_ANSWERS_CARD = '4000 0000 0000 0200';
const SYSTEM_ERROR_CARD = '4000 0000 0000 0119';
const INSUFFICIENT_CARD = '4000 0000 0000 9995';

type Rest = Awaited<ReturnType<typeof restClient>>;

/** A store's demo channel made ready to charge keys, and a way to register customers on it. */
async function billingSetup(system: RunningSystem) {
  const storeId = (await system.store.stores.findByImpCode(system.demo.impCode))!.id;
  const demo = (await system.store.channels.findByChannelKey(storeId, system.demo.channelKey))!;
  const channel = await enableBilling(system.store, demo);
  const secretBox = new SecretBox(TEST_INSTANCE_SECRET);
  let n = 0;
  const customer = async (card = '4242 4242 4242 4242') =>
    (
      await registerCustomer({ store: system.store, services: system.services, secretBox, simulatorUrl: system.simulatorUrl, now: new Date() }, channel, {
        customerUid: `cust${Date.now()}${++n}`,
        card,
      })
    ).customerUid;
  return { storeId, channel, customer };
}

const chargeBody = (customerUid: string, overrides: Record<string, unknown> = {}) => ({
  customer_uid: customerUid,
  merchant_uid: newMerchantUid(),
  amount: 9900,
  name: '월간 구독',
  buyer_name: '홍길동',
  buyer_email: 'buyer@example.com',
  buyer_tel: '010-1234-5678',
  ...overrides,
});

/** Webhooks about one payment, one per webhook-id (a redelivery is the same webhook). */
function hooksOf(received: Received[], impUid: string): Record<string, string>[] {
  const seen = new Set<string>();
  return received
    .filter((r) => {
      const id = String(r.headers['webhook-id']);
      if (seen.has(id) || JSON.parse(r.body).imp_uid !== impUid) return false;
      seen.add(id);
      return true;
    })
    .map((r) => JSON.parse(r.body) as Record<string, string>);
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  let value = await read();
  while (!done(value) && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

describe.each(systemDatabases())('billing-key charges over HTTP (%s)', (db) => {
  let system: TestSystem;
  let rest: Rest;
  let setup: Awaited<ReturnType<typeof billingSetup>>;
  const PG_TIMEOUT_MS = 1000;
  beforeAll(async () => {
    system = await startTestSystem({
      db,
      pgTimeoutMs: PG_TIMEOUT_MS,
      simulatorHangMs: 3 * PG_TIMEOUT_MS,
      env: { GYEOL_RECONCILE_INTERVAL_MS: '300', GYEOL_WEBHOOK_INTERVAL_MS: '100' },
    });
    rest = await restClient(system);
    setup = await billingSetup(system);
  });
  afterAll(async () => system?.close());

  const again = (body: Record<string, unknown>) => rest.send('POST', '/subscribe/payments/again', body);
  const stored = async (impUid: string) => (await system.store.payments.findByImpUid(setup.storeId, impUid))!;

  it('webhooks: paid to notice_url (not the store URL); a declined charge sends none (V1); a schedule run sends paid or failed', async () => {
    const store = await startReceiver();
    const notice = await startReceiver();
    try {
      await system.services.webhooks.updateSettings(setup.storeId, { testUrl: store.url });
      const good = await setup.customer();
      const declining = await setup.customer(INSUFFICIENT_CARD);

      const paid = await again(chargeBody(good, { notice_url: notice.url }));
      expect(paid.body.response.status).toBe('paid');
      const declined = await again(chargeBody(declining));
      expect(declined.body.response).toMatchObject({ status: 'failed', fail_reason: '잔액부족 (한도초과)' });
      // A later charge to the store URL: once its webhook is here, every earlier event was dispatched.
      const later = await again(chargeBody(good));
      await store.until((all) => hooksOf(all, later.body.response.imp_uid).length === 1);
      await notice.until((all) => hooksOf(all, paid.body.response.imp_uid).length === 1);
      expect(hooksOf(notice.received, paid.body.response.imp_uid)).toEqual([{ imp_uid: paid.body.response.imp_uid, merchant_uid: paid.body.response.merchant_uid, status: 'paid' }]);
      expect(hooksOf(store.received, paid.body.response.imp_uid)).toEqual([]);
      expect(hooksOf(store.received, declined.body.response.imp_uid)).toEqual([]);
      expect(await system.store.webhooks.listDeliveries(setup.storeId, { paymentId: (await stored(declined.body.response.imp_uid)).id, limit: 10 })).toEqual([]);

      // The scheduler's runs charge through the same service: V1 announces them paid or failed.
      const runs = await Promise.all(
        [good, declining].map((customerUid) =>
          system.services.billingCharges.charge(setup.storeId, chargeBody(customerUid, { notice_url: [notice.url] }), { usage: 'payment.scheduled', buyerIp: null }),
        ),
      );
      expect(runs.map((p) => [p.status, p.customerUidUsage])).toEqual([
        ['paid', 'payment.scheduled'],
        ['failed', 'payment.scheduled'],
      ]);
      await notice.until((all) => runs.every((p) => hooksOf(all, p.impUid).length === 1));
      expect(runs.map((p) => hooksOf(notice.received, p.impUid))).toEqual([
        [{ imp_uid: runs[0]!.impUid, merchant_uid: runs[0]!.merchantUid, status: 'paid' }],
        [{ imp_uid: runs[1]!.impUid, merchant_uid: runs[1]!.merchantUid, status: 'failed' }],
      ]);
    } finally {
      await system.services.webhooks.updateSettings(setup.storeId, { testUrl: null });
      await Promise.all([store.close(), notice.close()]);
    }
  });

  it('late approval (answer lost after the charge): 504 naming the imp_uid, then the reconciler sends the same charge, reads B101 and the payment is paid once', async () => {
    const hook = await startReceiver();
    try {
      const body = chargeBody(await setup.customer(LATE_APPROVAL_CARD), { notice_url: hook.url });
      const res = await again(body);
      expect(res.status).toBe(504);
      expect(v1EnvelopeErrors(res.body)).toEqual([]);
      expect(res.body).toMatchObject({ code: -1, response: null });
      const impUid = /imp_\d{12}/.exec(res.body.message ?? '')?.[0] as string;
      expect(res.body.message).toContain('웹훅(paid)');

      const paid = await until(() => rest.payment(impUid), (p) => p.status === 'paid');
      const [charge, ...more] = await simTransactions(system.simulatorUrl, body.merchant_uid);
      expect(more).toEqual([]);
      expect(charge).toMatchObject({ approval: 'approved', amount: 9900 });
      // B101 carried the first charge's approval: the card and its slip are all there.
      expect(paid).toMatchObject({ status: 'paid', pg_tid: charge!.tid, amount: 9900, customer_uid: body.customer_uid, customer_uid_usage: 'payment', card_number: '40000000****010*', fail_reason: null });
      expect(paid.apply_num).toMatch(/^\d{8}$/);
      expect(paid.receipt_url).toBe(`${system.simulatorUrl}/issue/IssueLoader.jsp?TID=${charge!.tid}&type=0`);
      const payment = await stored(impUid);
      expect((await system.store.payments.eventsOf(setup.storeId, payment.id)).map((e) => e.type)).toEqual(['payment.paid']);
      await hook.until((all) => hooksOf(all, impUid).length >= 1);
      expect(hooksOf(hook.received, impUid)).toEqual([{ imp_uid: impUid, merchant_uid: body.merchant_uid, status: 'paid' }]);
      // Paid now: the same order again is refused, and the PG is not asked.
      expect((await again(body)).status).toBe(409);
      expect(await simTransactions(system.simulatorUrl, body.merchant_uid)).toHaveLength(1);
    } finally {
      await hook.close();
    }
  });

  it('never answered: 504, and every re-send goes unanswered too — the payment stays open (ready), nothing charged, the order held', async () => {
    const body = chargeBody(await setup.customer(NEVER_ANSWERS_CARD));
    const res = await again(body);
    expect(res.status).toBe(504);
    const impUid = /imp_\d{12}/.exec(res.body.message ?? '')?.[0] as string;
    // The reconciler re-sent it at least once, without an answer.
    const open = await until(() => stored(impUid), (p) => p.reconcileAttempts >= 1, 20_000);
    expect(open).toMatchObject({ status: 'ready', approvalState: 'unknown', pgTid: null });
    expect(open.reconcileAttempts).toBeGreaterThanOrEqual(1);
    expect(open.reconcileAfter).not.toBeNull();
    expect(await simTransactions(system.simulatorUrl, body.merchant_uid)).toEqual([]);
    const again2 = await again(body);
    expect([again2.status, again2.body.message]).toEqual([409, '같은 주문번호(merchant_uid)로 진행 중인 결제가 있습니다.']);
  });

  it('one merchant_uid sent twice at the same moment over HTTP: one paid, the other refused (409); one charge at the PG', async () => {
    const customerUid = await setup.customer();
    for (let round = 0; round < 4; round++) {
      const body = chargeBody(customerUid);
      const answers = await Promise.all([again(body), again(body)]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      const paid = answers.find((a) => a.status === 200)!;
      const refused = answers.find((a) => a.status === 409)!;
      expect(paid.body.response.status).toBe('paid');
      expect(refused.body).toMatchObject({ code: 1, response: null });
      expect(v1EnvelopeErrors(refused.body)).toEqual([]);
      expect(v1SchemaErrors('post', '/subscribe/payments/again', 200, paid.body)).toEqual([]);
      expect(['이미 결제가 완료된 주문번호(merchant_uid)입니다.', '같은 주문번호(merchant_uid)로 진행 중인 결제가 있습니다.']).toContain(refused.body.message);
      expect((await simTransactions(system.simulatorUrl, body.merchant_uid)).map((t) => [t.tid, t.approval])).toEqual([[paid.body.response.pg_tid, 'approved']]);
      const page = await rest.get(`/payments/findAll/${body.merchant_uid}`);
      expect(page.body.response.list.filter((p: { status: string }) => p.status === 'paid')).toHaveLength(1);
    }
  });

  it('a merchant_uid claimed by another payment between the check and the charge: this payment is recorded, left unclaimed and failed (409); the PG is not asked', async () => {
    const customerUid = await setup.customer();
    const body = chargeBody(customerUid);
    const first = await again(body);
    expect(first.body.response.status).toBe('paid');
    // The check sees no claim (as when the other payment claims it just after the check): the
    // claim, taken in the same transaction as the payment's insert, meets the paid one's.
    const check = vi.spyOn(system.store.payments, 'findClaim').mockResolvedValueOnce(null);
    try {
      const second = await again(body);
      expect([second.status, second.body.message]).toEqual([409, '이미 결제가 완료된 주문번호(merchant_uid)입니다.']);
    } finally {
      check.mockRestore();
    }
    const all = await system.store.payments.listByMerchantUid(setup.storeId, body.merchant_uid, { includeSandbox: true }, { sorting: 'started', offset: 0, limit: 10 });
    expect(all.payments.map((p) => [p.impUid === first.body.response.imp_uid, p.status, p.approvalState, p.failCode])).toEqual([
      [true, 'paid', 'approved', null],
      [false, 'failed', 'none', 'PAYMENT_IN_PROGRESS'],
    ]);
    expect(all.payments[1]!.pgAuthSealed).toBeNull();
    expect((await simTransactions(system.simulatorUrl, body.merchant_uid)).map((t) => t.tid)).toEqual([first.body.response.pg_tid]);
  });

  it.runIf(db === 'postgres')('one merchant_uid sent at the same moment to two gateway instances sharing PostgreSQL: one paid, one refused; one charge at the PG', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gyeol-second-'));
    const second = await startSystem({
      config: loadConfig({
        ...system.env,
        GYEOL_PORT: '0',
        GYEOL_SHOP_PORT: '0',
        GYEOL_DATA_DIR: dataDir,
        GYEOL_SIMULATOR: 'external',
        GYEOL_SIM_PUBLIC_URL: system.simulatorUrl,
        GYEOL_PG_TIMEOUT_MS: '5000',
        GYEOL_DEMO_IMP_CODE: system.demo.impCode,
        GYEOL_DEMO_API_KEY: system.demo.apiKey,
        GYEOL_DEMO_API_SECRET: system.demo.apiSecret,
        GYEOL_DEMO_CHANNEL_KEY: system.demo.channelKey,
      }),
      assetDir: path.resolve('dist/public'),
    });
    try {
      // The second instance set the demo channel's simulator URLs again; billing needs its ssp Mall ID back.
      await enableBilling(system.store, (await system.store.channels.findByChannelKey(setup.storeId, system.demo.channelKey))!);
      const restB = await restClient(second);
      const customerUid = await setup.customer();
      for (let round = 0; round < 4; round++) {
        const body = chargeBody(customerUid);
        const answers = await Promise.all([again(body), restB.send('POST', '/subscribe/payments/again', body)]);
        expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
        const paid = answers.find((a) => a.status === 200)!;
        expect(paid.body.response.status).toBe('paid');
        expect(answers.find((a) => a.status === 409)!.body).toMatchObject({ code: 1, response: null });
        expect((await simTransactions(system.simulatorUrl, body.merchant_uid)).map((t) => [t.tid, t.approval])).toEqual([[paid.body.response.pg_tid, 'approved']]);
        const all = await system.store.payments.listByMerchantUid(setup.storeId, body.merchant_uid, { includeSandbox: true }, { sorting: '-started', offset: 0, limit: 10 });
        expect(all.payments.filter((p) => p.status === 'paid').map((p) => p.impUid)).toEqual([paid.body.response.imp_uid]);
      }
    } finally {
      await second.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/**
 * Unsigned declines that were not what they said, with the reconciler run by hand (its interval is
 * an hour) so the order of events is the test's: a PG stand-in in front of `ssbbill.do` swaps the
 * next answer for Smartro's bare `9999` body, after the charge (it was taken) or instead of it.
 */
describe.each(systemDatabases())('billing-key charges: unsigned declines re-checked by sending the charge again (%s)', (db) => {
  let system: TestSystem;
  let rest: Rest;
  let setup: Awaited<ReturnType<typeof billingSetup>>;
  let swap: 'none' | 'after-charge' | 'instead' = 'none';
  const BARE_9999 = JSON.stringify({ ResultCode: '9999', ResultMsg: '시스템에러 잠시후 재 거래' });
  const pgFetch: typeof fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    const mode = url.endsWith('/ssbbill.do') ? swap : 'none';
    swap = 'none';
    if (mode === 'instead') return new Response(BARE_9999, { status: 200, headers: { 'content-type': 'application/json' } });
    const answer = await fetch(input, init);
    if (mode === 'none') return answer;
    await answer.text();
    return new Response(BARE_9999, { status: 200, headers: { 'content-type': 'application/json' } });
  };
  beforeAll(async () => {
    system = await startTestSystem({ db, pgFetch, env: { GYEOL_RECONCILE_INTERVAL_MS: String(60 * 60_000) } });
    rest = await restClient(system);
    setup = await billingSetup(system);
  });
  afterAll(async () => system?.close());

  const again = (body: Record<string, unknown>) => rest.send('POST', '/subscribe/payments/again', body);
  const stored = async (impUid: string) => (await system.store.payments.findByImpUid(setup.storeId, impUid))!;

  it("Smartro's own 9999 (the system-error card): failed at once (code 0, unverified); each re-send gets 9999 again, and after 3 the decline stands; nothing charged", async () => {
    const body = chargeBody(await setup.customer(SYSTEM_ERROR_CARD));
    const res = await again(body);
    expect(res.status).toBe(200);
    expect(v1SchemaErrors('post', '/subscribe/payments/again', 200, res.body)).toEqual([]);
    expect(res.body.response).toMatchObject({ status: 'failed', fail_reason: '시스템에러 잠시후 재 거래' });
    let payment = await stored(res.body.response.imp_uid);
    expect(payment).toMatchObject({ approvalUnverified: true });
    for (let attempt = 1; attempt <= 3; attempt++) {
      payment = await system.services.approvals.reconcile(payment);
      expect([payment.status, payment.reconcileAttempts]).toEqual(['failed', attempt]);
    }
    expect(payment).toMatchObject({ approvalUnverified: false, reconcileAfter: null, failReason: '시스템에러 잠시후 재 거래' });
    expect(await system.services.approvals.reconcile(payment)).toEqual(payment);
    expect(await simTransactions(system.simulatorUrl, body.merchant_uid)).toEqual([]);
  });

  it('a charge taken behind a bare 9999: failed (unverified), then the re-sent charge gets B101 and the payment is paid with the first Tid; one charge', async () => {
    const body = chargeBody(await setup.customer());
    swap = 'after-charge';
    const res = await again(body);
    expect(res.body.response).toMatchObject({ status: 'failed', fail_reason: '시스템에러 잠시후 재 거래' });
    const failed = await stored(res.body.response.imp_uid);
    expect(failed).toMatchObject({ approvalUnverified: true, pgTid: null });
    const [charge] = await simTransactions(system.simulatorUrl, body.merchant_uid);
    expect(charge).toMatchObject({ approval: 'approved' });

    const after = await system.services.approvals.reconcile(failed);
    expect(after).toMatchObject({ status: 'paid', pgTid: charge!.tid, approvalUnverified: false, failReason: null });
    expect(await rest.payment(after.impUid)).toMatchObject({ status: 'paid', pg_tid: charge!.tid, failed_at: 0, card_number: '42424242****424*' });
    expect(await simTransactions(system.simulatorUrl, body.merchant_uid)).toHaveLength(1);
    expect((await system.store.payments.eventsOf(setup.storeId, after.id)).map((e) => e.type)).toEqual(['payment.failed', 'payment.paid']);
  });

  it('…and when the merchant sent the order again first: that payment is paid by B101 with the one charge; the first stays failed, no stray approval', async () => {
    const body = chargeBody(await setup.customer());
    swap = 'after-charge';
    const first = await again(body);
    expect(first.body.response.status).toBe('failed');
    const retried = await again(body);
    const [charge] = await simTransactions(system.simulatorUrl, body.merchant_uid);
    expect(retried.body.response).toMatchObject({ status: 'paid', pg_tid: charge!.tid });

    const after = await system.services.approvals.reconcile(await stored(first.body.response.imp_uid));
    expect(after).toMatchObject({ status: 'failed', approvalUnverified: false, reconcileAfter: null });
    expect((await system.services.approvals.listStrayApprovals(setup.storeId)).filter((s) => s.pgTid === charge!.tid)).toEqual([]);
    expect(await simTransactions(system.simulatorUrl, body.merchant_uid)).toHaveLength(1);
  });

  it('a bare 9999 that charged nothing: the re-sent charge is the charge the merchant asked for, and the payment becomes paid (one charge)', async () => {
    const body = chargeBody(await setup.customer());
    swap = 'instead';
    const res = await again(body);
    expect(res.body.response).toMatchObject({ status: 'failed', fail_reason: '시스템에러 잠시후 재 거래' });
    expect(await simTransactions(system.simulatorUrl, body.merchant_uid)).toEqual([]);
    const after = await system.services.approvals.reconcile(await stored(res.body.response.imp_uid));
    const [charge, ...more] = await simTransactions(system.simulatorUrl, body.merchant_uid);
    expect(more).toEqual([]);
    expect(after).toMatchObject({ status: 'paid', pgTid: charge!.tid });
  });
});
