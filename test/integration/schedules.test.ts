import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShiftedClock } from '../support/clock';
import { SecretBox } from '../../src/services/secrets';
import { chargeBodyOf } from '../../src/services/schedules';
import type { ChannelRecord } from '../../src/store/types';
import { enableBilling, registerCustomer, simTransactions } from '../support/billing';
import { v1PagedScheduleErrors, v1SchemaErrors } from '../support/openapi';
import { until } from '../support/processes';
import { startReceiver, type Received } from '../support/receiver';
import { restClient, startTestSystem, systemDatabases, TEST_INSTANCE_SECRET, type TestSystem } from '../support/system';


const DECLINE_CARD = '4000 0000 0000 0002';
let serial = 0;
const uid = (prefix: string) => `${prefix}${Date.now()}${++serial}`;

/** The webhooks a receiver got about these orders, one per webhook-id (a resend repeats it), as parsed bodies. */
function hooksAbout(received: Received[], merchantUids: string[]): { imp_uid: string; merchant_uid: string; status: string }[] {
  const mine = received.filter((r) => merchantUids.includes(JSON.parse(r.body).merchant_uid));
  return [...new Map(mine.map((r) => [String(r.headers['webhook-id']), JSON.parse(r.body)])).values()];
}

/**
 * Scheduled payments end to end over real HTTP, on each database: V1 calls to the gateway, the
 * scheduler's runs charging the billing key through the real charge path and the Smartro
 * simulator, webhooks to the schedule's notice_url or the store's URL. The system clock is moved
 * (the scheduler is run by the test, except in the last test, where the 200 ms poll runs it).
 */
describe.each(systemDatabases())('scheduled payments (%s)', (db) => {
  const clock = new ShiftedClock();
  let system: TestSystem;
  let rest: Awaited<ReturnType<typeof restClient>>;
  let storeId: number;
  let channel: ChannelRecord;
  let notice: Awaited<ReturnType<typeof startReceiver>>;
  let storeHook: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    // The scheduler's own passes are rare here (start-up, then every 10 minutes): the test runs them.
    system = await startTestSystem({ db, clock, env: { GYEOL_WEBHOOK_INTERVAL_MS: '100', GYEOL_SCHEDULER_INTERVAL_MS: '600000', GYEOL_SCHEDULER_LEASE_MS: '30000' } });
    rest = await restClient(system);
    storeId = (await system.store.stores.findByImpCode(system.demo.impCode))!.id;
    const [demo] = await system.store.channels.findAllByPgId('smartro_v2', system.demo.mid);
    channel = await enableBilling(system.store, demo!);
    notice = await startReceiver();
    storeHook = await startReceiver();
    await system.services.webhooks.updateSettings(storeId, { testUrl: storeHook.url });
  });
  afterAll(async () => {
    await notice?.close();
    await storeHook?.close();
    await system?.close();
  });

  const customer = (customerUid: string, card?: string) =>
    registerCustomer({ store: system.store, services: system.services, secretBox: new SecretBox(TEST_INSTANCE_SECRET), simulatorUrl: system.simulatorUrl, now: clock.now() }, channel, { customerUid, card });
  const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);
  /** Moves the system's clock; a token issued before may have expired meanwhile (30 minutes), so a new one is taken. */
  async function moveClock(ms: number) {
    clock.offsetMs += ms;
    rest = await restClient(system);
  }
  const item = (merchantUid: string, at: number, extra: Record<string, unknown> = {}) => ({
    merchant_uid: merchantUid,
    schedule_at: at,
    amount: 4900,
    name: '정기구독',
    buyer_name: '홍길동',
    buyer_email: 'buyer@example.com',
    buyer_tel: '010-1234-5678',
    ...extra,
  });

  /** POST /subscribe/payments/schedule, the answer checked against the official schema. */
  async function schedule(customerUid: string, schedules: Record<string, unknown>[]) {
    const res = await rest.send('POST', '/subscribe/payments/schedule', { customer_uid: customerUid, schedules });
    expect(v1SchemaErrors('post', '/subscribe/payments/schedule', res.status, res.body)).toEqual([]);
    return res;
  }
  /** GET /subscribe/payments/schedule/{merchant_uid}, checked against the official schema. */
  async function scheduleOf(merchantUid: string) {
    const res = await rest.get(`/subscribe/payments/schedule/${merchantUid}`);
    expect(v1SchemaErrors('get', '/subscribe/payments/schedule/{merchant_uid}', res.status, res.body)).toEqual([]);
    expect(res.status).toBe(200);
    return res.body.response;
  }
  const approvals = async (moid: string) => (await simTransactions(system.simulatorUrl, moid)).filter((t) => t.approval === 'approved');

  it('three schedules, one revoked, the clock moved: the two run once each (three schedulers at it), paid at Smartro once, webhooks to the notice_url and the store URL', async () => {
    const cust = await customer(uid('cust'));
    const at = nowSeconds() + 3600;
    const [first, second, third] = [uid('sched'), uid('sched'), uid('sched')];
    const made = await schedule(cust.customerUid, [item(first, at, { notice_url: notice.url }), item(second, at + 1, { notice_url: notice.url }), item(third, at + 2)]);
    expect(made.body.code).toBe(0);
    expect(made.body.response.map((s: any) => [s.merchant_uid, s.schedule_status, s.imp_uid])).toEqual([
      [first, 'scheduled', null],
      [second, 'scheduled', null],
      [third, 'scheduled', null],
    ]);
    const revoked = await rest.send('POST', '/subscribe/payments/unschedule', { customer_uid: cust.customerUid, merchant_uid: second });
    expect(v1SchemaErrors('post', '/subscribe/payments/unschedule', revoked.status, revoked.body)).toEqual([]);
    expect(revoked.body.response).toEqual([expect.objectContaining({ merchant_uid: second, schedule_status: 'revoked' })]);

    // Not due yet.
    expect(await system.scheduler.runOnce()).toEqual({ taken: 0, executed: 0, failed: 0, open: 0 });
    await moveClock(3_700_000);
    // This instance's scheduler and two more passes at once, as other instances would run them.
    const passes = await Promise.all([system.scheduler.runOnce(), system.services.schedules.runDue(10), system.services.schedules.runDue(10)]);
    expect(passes.reduce((n, p) => n + p.executed, 0)).toBe(2);
    expect(await system.scheduler.runOnce()).toEqual({ taken: 0, executed: 0, failed: 0, open: 0 });

    for (const merchantUid of [first, third]) {
      const ran = await scheduleOf(merchantUid);
      expect(ran).toMatchObject({ schedule_status: 'executed', payment_status: 'paid', pg_provider: 'smartro_v2', fail_reason: null, customer_uid: cust.customerUid });
      expect(ran.executed_at).toBeGreaterThan(0);
      const payment = await rest.payment(ran.imp_uid);
      expect(payment).toMatchObject({ merchant_uid: merchantUid, status: 'paid', amount: 4900, channel: 'api', customer_uid: cust.customerUid, customer_uid_usage: 'payment.scheduled' });
      expect(await approvals(merchantUid)).toHaveLength(1);
    }
    expect(await scheduleOf(second)).toMatchObject({ schedule_status: 'revoked', imp_uid: null, payment_status: null });
    expect(await simTransactions(system.simulatorUrl, second)).toEqual([]);

    // The range list shows them (paged, as the clients read it).
    const list = await rest.get(`/subscribe/payments/schedule?schedule_from=${at}&schedule_to=${at + 3}&sorting=scheduled`);
    expect(v1PagedScheduleErrors(list.body)).toEqual([]);
    expect(list.body.response.list.map((s: any) => [s.merchant_uid, s.schedule_status])).toEqual([
      [first, 'executed'],
      [second, 'revoked'],
      [third, 'executed'],
    ]);

    // One `paid` webhook each: the first to its notice_url, the third (no notice_url) to the store's URL.
    const firstImp = (await scheduleOf(first)).imp_uid;
    const thirdImp = (await scheduleOf(third)).imp_uid;
    await notice.until((all) => hooksAbout(all, [first]).length >= 1);
    await storeHook.until((all) => hooksAbout(all, [third]).length >= 1);
    await system.webhookWorker.runOnce();
    expect(hooksAbout(notice.received, [first, second, third])).toEqual([{ imp_uid: firstImp, merchant_uid: first, status: 'paid' }]);
    expect(hooksAbout(storeHook.received, [first, second, third])).toEqual([{ imp_uid: thirdImp, merchant_uid: third, status: 'paid' }]);
  });

  it('a declined card: the run ends failed with the fail_reason and a failed webhook; retried, it is charged again once; rescheduled, it waits again', async () => {
    const cust = await customer(uid('cust'), DECLINE_CARD);
    const at = nowSeconds() + 60;
    const merchantUid = uid('decl');
    expect((await schedule(cust.customerUid, [item(merchantUid, at, { notice_url: notice.url })])).body.code).toBe(0);
    await moveClock(120_000);
    expect(await system.scheduler.runOnce()).toMatchObject({ taken: 1, failed: 1 });

    const failed = await scheduleOf(merchantUid);
    expect(failed).toMatchObject({ schedule_status: 'executed', payment_status: 'failed', fail_reason: expect.stringContaining('카드사 승인 거절') });
    expect(await rest.payment(failed.imp_uid)).toMatchObject({ status: 'failed', customer_uid_usage: 'payment.scheduled', fail_reason: failed.fail_reason });
    await notice.until((all) => hooksAbout(all, [merchantUid]).length >= 1);
    expect(hooksAbout(notice.received, [merchantUid])).toEqual([{ imp_uid: failed.imp_uid, merchant_uid: merchantUid, status: 'failed' }]);

    // Retried now: the same card declines again; the answer is the new payment (V1: check its status).
    const retried = await rest.send('POST', `/subscribe/payments/schedule/${merchantUid}/retry`);
    expect(v1SchemaErrors('post', '/subscribe/payments/schedule/{merchant_uid}/retry', retried.status, retried.body)).toEqual([]);
    expect(retried.body).toMatchObject({ code: 0, response: { merchant_uid: merchantUid, status: 'failed', customer_uid_usage: 'payment.scheduled' } });
    expect(retried.body.response.imp_uid).not.toBe(failed.imp_uid);
    expect((await scheduleOf(merchantUid)).imp_uid).toBe(retried.body.response.imp_uid);
    expect(await simTransactions(system.simulatorUrl, merchantUid)).toHaveLength(2);

    const rescheduled = await rest.send('POST', `/subscribe/payments/schedule/${merchantUid}/reschedule`, { schedule_at: nowSeconds() + 600 });
    expect(v1SchemaErrors('post', '/subscribe/payments/schedule/{merchant_uid}/reschedule', rescheduled.status, rescheduled.body)).toEqual([]);
    expect(rescheduled.body.response).toMatchObject({ schedule_status: 'scheduled', imp_uid: null, payment_status: null, fail_reason: null, executed_at: 0 });
  });

  it('refuses up front a schedule that could never run (Smartro’s merchant_uid rule, missing buyer fields), an unknown customer (code 1) and card data (501)', async () => {
    const cust = await customer(uid('cust'));
    const at = nowSeconds() + 600;
    const special = await rest.send('POST', '/subscribe/payments/schedule', { customer_uid: cust.customerUid, schedules: [item('order-with-dash', at)] });
    expect(special.status).toBe(400);
    expect(special.body.message).toContain('schedules[0] merchant_uid');
    // No buyer_tel given and none on the customer's key: Smartro would refuse the charge.
    const noTel = await registerCustomer({ store: system.store, services: system.services, secretBox: new SecretBox(TEST_INSTANCE_SECRET), simulatorUrl: system.simulatorUrl, now: clock.now() }, channel, { customerUid: uid('cust'), tel: null });
    const { buyer_tel: _tel, ...withoutTel } = item(uid('notel'), at);
    const missing = await rest.send('POST', '/subscribe/payments/schedule', { customer_uid: noTel.customerUid, schedules: [withoutTel] });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain('schedules[0] buyer_tel');
    expect(await system.store.schedules.find(storeId, withoutTel.merchant_uid)).toBeNull();
    const unknown = await schedule('nobody', [item(uid('x'), at)]);
    expect(unknown.body).toEqual({ code: 1, message: '등록된 고객정보가 없습니다.', response: null });
    const card = await rest.send('POST', '/subscribe/payments/schedule', { customer_uid: 'newcust', card_number: '4242-4242-4242-4242', expiry: '2030-12', schedules: [item(uid('x'), at)] });
    expect(card.status).toBe(501);
    expect(card.body.message).toContain('API 방식 빌링키 발급을 지원하지 않');
  });

  it('a scheduler that died after charging, before recording: the run taken over records that payment; Smartro approved once', async () => {
    const cust = await customer(uid('cust'));
    const merchantUid = uid('crash');
    const at = nowSeconds() + 60;
    await schedule(cust.customerUid, [item(merchantUid, at)]);
    await moveClock(120_000);
    // What the dead scheduler did: took the run (a lease of 30 s), charged through the real charge path, died.
    const [taken] = await system.store.schedules.takeDue(clock.now(), 10, { token: 'dead-instance', until: new Date(clock.now().getTime() + 30_000) });
    expect(taken?.merchantUid).toBe(merchantUid);
    const paid = await system.services.billingCharges.charge(storeId, chargeBodyOf(taken!), { usage: 'payment.scheduled', buyerIp: null });
    expect(paid.status).toBe('paid');
    // While the lease holds, nobody touches it.
    expect(await system.scheduler.runOnce()).toEqual({ taken: 0, executed: 0, failed: 0, open: 0 });
    await moveClock(31_000);
    expect(await system.scheduler.runOnce()).toEqual({ taken: 1, executed: 1, failed: 0, open: 0 });
    expect(await scheduleOf(merchantUid)).toMatchObject({ schedule_status: 'executed', imp_uid: paid.impUid, payment_status: 'paid' });
    expect(await approvals(merchantUid)).toHaveLength(1);
  });

  it('a scheduler that died after taking the run, before charging: charged once after the lease', async () => {
    const cust = await customer(uid('cust'));
    const merchantUid = uid('crash');
    await schedule(cust.customerUid, [item(merchantUid, nowSeconds() + 60)]);
    await moveClock(120_000);
    expect(await system.store.schedules.takeDue(clock.now(), 10, { token: 'dead-instance', until: new Date(clock.now().getTime() + 30_000) })).toHaveLength(1);
    expect(await system.scheduler.runOnce()).toMatchObject({ taken: 0 });
    await moveClock(31_000);
    expect(await system.scheduler.runOnce()).toEqual({ taken: 1, executed: 1, failed: 0, open: 0 });
    expect(await approvals(merchantUid)).toHaveLength(1);
  });

  it('runs a due schedule by itself within a few seconds of schedule_at (the 200 ms poll)', async () => {
    // Back to real time for the live poll.
    const live = await startTestSystem({ db, env: { GYEOL_WEBHOOK_INTERVAL_MS: '100', GYEOL_SCHEDULER_INTERVAL_MS: '200' } });
    try {
      const liveRest = await restClient(live);
      const [demo] = await live.store.channels.findAllByPgId('smartro_v2', live.demo.mid);
      const liveChannel = await enableBilling(live.store, demo!);
      const cust = await registerCustomer(
        { store: live.store, services: live.services, secretBox: new SecretBox(TEST_INSTANCE_SECRET), simulatorUrl: live.simulatorUrl, now: new Date() },
        liveChannel,
        { customerUid: uid('cust') },
      );
      const merchantUid = uid('live');
      const res = await liveRest.send('POST', '/subscribe/payments/schedule', { customer_uid: cust.customerUid, schedules: [item(merchantUid, Math.floor(Date.now() / 1000) + 1, { notice_url: notice.url })] });
      expect(res.body.code).toBe(0);
      const ran = await until(
        'the scheduler to run the schedule',
        async () => {
          const now = (await liveRest.get(`/subscribe/payments/schedule/${merchantUid}`)).body.response;
          return now.schedule_status === 'executed' ? now : null;
        },
        15_000,
      );
      expect(ran).toMatchObject({ payment_status: 'paid' });
      await notice.until((all) => hooksAbout(all, [merchantUid]).length >= 1);
      expect(hooksAbout(notice.received, [merchantUid])).toEqual([{ imp_uid: ran.imp_uid, merchant_uid: merchantUid, status: 'paid' }]);
      expect((await simTransactions(live.simulatorUrl, merchantUid)).filter((t) => t.approval === 'approved')).toHaveLength(1);
    } finally {
      await live.close();
    }
  });
});
