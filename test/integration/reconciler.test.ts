import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSystem, systemDatabases, restClient, type TestSystem } from '../support/system';
import { v1SchemaErrors } from '../support/openapi';
import { authenticateCard, newMerchantUid, openMobileWindow, payMobile, returnToGateway } from './flow';
import { LATE_APPROVAL_CARD, NEVER_ANSWERS_CARD } from '../../src/simulators/smartro/cards';

/**
 * No order left stuck (issue 5 §3, §4): outcomes the PG timeout leaves open are settled by the
 * reconciler through approvalInquiry.do, and what a buyer (or an attacker) posts to a window's
 * return URL can fail that attempt but never hold the order.
 */
describe.each(systemDatabases())('reconciler and return-URL safety (%s)', (db) => {
  let system: TestSystem;
  let rest: Awaited<ReturnType<typeof restClient>>;
  const PG_TIMEOUT_MS = 1500;
  beforeAll(async () => {
    system = await startTestSystem({ db, pgTimeoutMs: PG_TIMEOUT_MS, simulatorHangMs: 4000, env: { GYEOL_RECONCILE_INTERVAL_MS: '300' } });
    rest = await restClient(system);
  });
  afterAll(async () => system?.close());

  /** Polls the REST API until the payment leaves `ready` (or the deadline passes). */
  async function settled(impUid: string, deadlineMs = 15_000) {
    const until = Date.now() + deadlineMs;
    for (;;) {
      const { body } = await rest.get(`/payments/${impUid}`);
      if (body.response.status !== 'ready' || Date.now() > until) return body;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it('makes a late approval paid without anyone acting: PG_TIMEOUT to the buyer, then paid with the card fields', async () => {
    const result = await payMobile(system, { card: LATE_APPROVAL_CARD });
    expect(result.query).toMatchObject({ imp_success: 'false', error_code: 'PG_TIMEOUT' });
    const right = await rest.get(`/payments/${result.impUid}`);
    expect(right.body.response).toMatchObject({ status: 'ready', paid_at: 0 });

    const body = await settled(result.impUid);
    expect(v1SchemaErrors('get', '/payments/{imp_uid}', 200, body)).toEqual([]);
    expect(body.response).toMatchObject({ status: 'paid', pg_tid: result.tid, fail_reason: null });
    expect(body.response.paid_at).toBeGreaterThan(0);
    expect(body.response.card_number).toMatch(/\*/);
    expect(body.response.apply_num).toMatch(/^\d+$/);
    expect(body.response.receipt_url).toBe(`${system.simulatorUrl}/issue/IssueLoader.jsp?TID=${result.tid}&type=0`);
    // The order is paid now: a new window for it is refused.
    await expect(openMobileWindow(system, { merchantUid: result.merchantUid })).rejects.toThrow('이미 결제가 완료된');
    const payment = await system.store.payments.findByImpUid(await storeId(), result.impUid);
    expect(payment?.reconcileAfter).toBeNull();
    expect((await system.store.payments.eventsOf(payment!.storeId, payment!.id)).map((e) => e.type)).toEqual(['payment.paid']);
  });

  it('fails an approval that never happened and frees the order for a new payment', async () => {
    const merchantUid = newMerchantUid();
    const result = await payMobile(system, { card: NEVER_ANSWERS_CARD, merchantUid });
    expect(result.query).toMatchObject({ imp_success: 'false', error_code: 'PG_TIMEOUT' });
    const body = await settled(result.impUid);
    expect(body.response).toMatchObject({ status: 'failed', paid_at: 0 });
    expect(body.response.fail_reason).toBeTruthy();
    const paid = await payMobile(system, { card: '4242 4242 4242 4242', merchantUid });
    expect(paid.query.imp_success).toBe('true');
  });

  it('fails a made-up Tid of another merchant id at once, without asking the PG; the order can still be paid', async () => {
    const opened = await openMobileWindow(system);
    const auth = await authenticateCard(opened, '4242424242424242');
    const forged = { Tid: `someoneelse0101${auth.fields.Tid.slice(14)}`, TrAuthKey: 'made-up' };
    const redirect = await returnToGateway(auth.returnUrl, forged);
    expect(Object.fromEntries(redirect.searchParams)).toMatchObject({ imp_success: 'false', error_code: 'PG_TID_MISMATCH' });
    const { body } = await rest.get(`/payments/${opened.impUid}`);
    expect(body.response.status).toBe('failed');
    expect((await payMobile(system, { card: '4242 4242 4242 4242', merchantUid: opened.merchantUid })).query.imp_success).toBe('true');
  });

  it('fails a made-up Tid of the right merchant id once the PG says no; the order is not held', async () => {
    const opened = await openMobileWindow(system);
    const auth = await authenticateCard(opened, '4242424242424242');
    const redirect = await returnToGateway(auth.returnUrl, { Tid: `${auth.fields.Tid.slice(0, 26)}9999`, TrAuthKey: 'made-up' });
    expect(redirect.searchParams.get('imp_success')).toBe('false');
    const { body } = await rest.get(`/payments/${opened.impUid}`);
    expect(body.response.status).toBe('failed');
    expect((await payMobile(system, { card: '4242 4242 4242 4242', merchantUid: opened.merchantUid })).query.imp_success).toBe('true');
  });

  it("fails a window given another order's real Tid, and gives that approval to its own order", async () => {
    const cheap = await openMobileWindow(system, { amount: 1000 });
    const cheapAuth = await authenticateCard(cheap, '4242424242424242');
    const dear = await openMobileWindow(system, { amount: 50_000 });
    const dearAuth = await authenticateCard(dear, '4242424242424242');

    const redirect = await returnToGateway(dearAuth.returnUrl, cheapAuth.fields);
    expect(Object.fromEntries(redirect.searchParams)).toMatchObject({ imp_success: 'false', error_code: 'PG_APPROVAL_MISMATCH' });
    const dearPayment = await rest.get(`/payments/${dear.impUid}`);
    expect(dearPayment.body.response).toMatchObject({ status: 'failed', paid_at: 0 });
    // The approval was the cheap order's: it is that order's payment now.
    const cheapPayment = await rest.get(`/payments/${cheap.impUid}`);
    expect(cheapPayment.body.response).toMatchObject({ status: 'paid', amount: 1000, pg_tid: cheapAuth.fields.Tid });
    const strays = await system.store.strayApprovals.list(await storeId());
    expect(strays.find((s) => s.pgTid === cheapAuth.fields.Tid)).toMatchObject({ state: 'reconciled', merchantUid: cheap.merchantUid, amount: 1000 });
    // The dear order was never held: it can be paid with its own window.
    expect((await payMobile(system, { card: '4242 4242 4242 4242', merchantUid: dear.merchantUid, amount: 50_000 })).query.imp_success).toBe('true');
  });

  it('keeps a stray approval that matches no waiting order for cancellation', async () => {
    const gone = await openMobileWindow(system, { amount: 2000 });
    const goneAuth = await authenticateCard(gone, '4242424242424242');
    // The buyer of `gone` gave up on that window (its payment failed); then its Tid shows up elsewhere.
    const stopUrl = goneAuth.returnUrl.replace(/\/return$/, '/stop');
    await returnToGateway(stopUrl, { ResultCode: 'U999', ResultMsg: '사용자가 결제를 취소하셨습니다' });
    const other = await openMobileWindow(system, { amount: 3000 });
    const otherAuth = await authenticateCard(other, '4242424242424242');
    const redirect = await returnToGateway(otherAuth.returnUrl, goneAuth.fields);
    expect(redirect.searchParams.get('error_code')).toBe('PG_APPROVAL_MISMATCH');
    const strays = await system.store.strayApprovals.list(await storeId());
    expect(strays.find((s) => s.pgTid === goneAuth.fields.Tid)).toMatchObject({ state: 'needs_cancel', paymentId: null, merchantUid: gone.merchantUid, amount: 2000 });
    expect((await rest.get(`/payments/${gone.impUid}`)).body.response.status).toBe('failed');
  });

  it("takes the PG's unsigned 9999 body as a decline, and double-checks it once", async () => {
    const result = await payMobile(system, { card: '4000 0000 0000 0119' });
    expect(result.query).toMatchObject({ imp_success: 'false', error_code: '9999' });
    const { body } = await rest.get(`/payments/${result.impUid}`);
    expect(body.response).toMatchObject({ status: 'failed', fail_reason: '시스템에러 잠시후 재 거래' });
    const id = await storeId();
    const until = Date.now() + 10_000;
    let payment = await system.store.payments.findByImpUid(id, result.impUid);
    while (payment?.approvalUnverified && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      payment = await system.store.payments.findByImpUid(id, result.impUid);
    }
    expect(payment).toMatchObject({ status: 'failed', approvalUnverified: false, reconcileAfter: null, failCode: '9999' });
  });

  async function storeId(): Promise<number> {
    const store = await system.store.stores.findByImpCode(system.demo.impCode);
    return store!.id;
  }
});

describe.each(systemDatabases())('the return URL answers within a bounded time (%s)', (db) => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem({
      db,
      pgTimeoutMs: 1500,
      simulatorHangMs: 4000,
      env: { GYEOL_RETURN_WAIT_MS: '300', GYEOL_RECONCILE_INTERVAL_MS: '600000' },
    });
  });
  afterAll(async () => system?.close());

  it('answers 결제 확인 중 while the PG is slow, and the window then reaches the result', async () => {
    const opened = await openMobileWindow(system);
    const auth = await authenticateCard(opened, NEVER_ANSWERS_CARD);
    const started = Date.now();
    const res = await fetch(auth.returnUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(auth.fields).toString(),
      redirect: 'manual',
    });
    // Well before the PG timeout (1.5 s): the approval goes on in the background.
    expect(Date.now() - started).toBeLessThan(1200);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('결제 확인 중');
    const refresh = /http-equiv="refresh" content="2; url=([^"]+)"/.exec(page)?.[1];
    expect(refresh).toBe(new URL(opened.windowUrl).pathname);

    // Reloading the window (as the page does) ends in the merchant's m_redirect_url once the PG timed out.
    const until = Date.now() + 8000;
    let location: string | null = null;
    while (!location && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const again = await fetch(opened.windowUrl, { redirect: 'manual' });
      if (again.status === 302) location = again.headers.get('location');
      else expect(await again.text()).toContain('결제 확인 중');
    }
    const redirect = new URL(location as string);
    expect(Object.fromEntries(redirect.searchParams)).toMatchObject({ imp_uid: opened.impUid, imp_success: 'false', error_code: 'PG_TIMEOUT' });
  });
});
