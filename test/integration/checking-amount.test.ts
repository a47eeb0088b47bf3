import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/services/secrets';
import type { ChannelRecord } from '../../src/store/types';
import { enableBilling, registerCustomer, simTransactions } from '../support/billing';
import { ShiftedClock } from '../support/clock';
import { v1EnvelopeErrors, v1SchemaErrors } from '../support/openapi';
import { until } from '../support/processes';
import { startReceiver } from '../support/receiver';
import { restClient, startTestSystem, systemDatabases, TEST_INSTANCE_SECRET, type TestSystem } from '../support/system';

const INSUFFICIENT_CARD = '4000 0000 0000 9995';
/** Approved and stored by the simulator at once, answered after gyeol's PG timeout. */
const LATE_APPROVAL_CARD = '4000 0000 0000 0101';
const PG_TIMEOUT_MS = 1000;
let serial = 0;
const uid = (prefix: string) => `${prefix}${Date.now()}${++serial}`;

/**
 * `checking_amount` of `POST /subscribe/payments/schedule` over real HTTP with the Smartro
 * simulator, on each database: the card check is charged to the key through the real charge path
 * (`ssbbill.do`) and cancelled through the real cancel path (`cancel.do`) before the schedules are
 * stored; a declined check stores nothing; a check whose answer was lost stores nothing and is
 * cancelled once the reconciler finds it approved. A check sends no webhook.
 */
describe.each(systemDatabases())('checking_amount (%s)', (db) => {
  // Real time until the last test moves it past the stranded-check grace.
  const clock = new ShiftedClock();
  let system: TestSystem;
  let rest: Awaited<ReturnType<typeof restClient>>;
  let storeId: number;
  let channel: ChannelRecord;
  let storeHook: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    system = await startTestSystem({
      db,
      clock,
      pgTimeoutMs: PG_TIMEOUT_MS,
      simulatorHangMs: 3 * PG_TIMEOUT_MS,
      env: { GYEOL_WEBHOOK_INTERVAL_MS: '100', GYEOL_RECONCILE_INTERVAL_MS: '300', GYEOL_SCHEDULER_INTERVAL_MS: '600000' },
    });
    rest = await restClient(system);
    storeId = (await system.store.stores.findByImpCode(system.demo.impCode))!.id;
    const [demo] = await system.store.channels.findAllByPgId('smartro_v2', system.demo.mid);
    channel = await enableBilling(system.store, demo!);
    storeHook = await startReceiver();
    await system.services.webhooks.updateSettings(storeId, { testUrl: storeHook.url });
  });
  afterAll(async () => {
    await storeHook?.close();
    await system?.close();
  });

  const customer = async (card?: string) =>
    (
      await registerCustomer({ store: system.store, services: system.services, secretBox: new SecretBox(TEST_INSTANCE_SECRET), simulatorUrl: system.simulatorUrl, now: new Date() }, channel, {
        customerUid: uid('cust'),
        card,
      })
    ).customerUid;
  const item = (merchantUid: string) => ({
    merchant_uid: merchantUid,
    schedule_at: Math.floor(Date.now() / 1000) + 3600,
    amount: 4900,
    name: '정기구독',
    buyer_name: '홍길동',
    buyer_email: 'buyer@example.com',
    buyer_tel: '010-1234-5678',
  });
  async function schedule(body: Record<string, unknown>) {
    const res = await rest.send('POST', '/subscribe/payments/schedule', body);
    expect(v1SchemaErrors('post', '/subscribe/payments/schedule', res.status, res.body)).toEqual([]);
    return res;
  }
  /** The customer's card checks as GET /subscribe/customers/{customer_uid}/payments lists them (V1 shows them as `payment`). */
  async function checksOf(customerUid: string) {
    const res = await rest.get(`/subscribe/customers/${customerUid}/payments`);
    expect(res.status).toBe(200);
    return (res.body.response.list as { imp_uid: string; merchant_uid: string; name: string }[]).filter((p) => p.name === '유효카드 체크 승인');
  }

  it('a passing check: one approval of the amount at Smartro, cancelled in full; the check payment cancelled; the schedules stored; no webhook', async () => {
    const customerUid = await customer();
    const [first, second] = [uid('chk'), uid('chk')];
    const res = await schedule({ customer_uid: customerUid, checking_amount: 1000, schedules: [item(first), item(second)] });
    expect(res.status).toBe(200);
    expect(res.body.code).toBe(0);
    expect(res.body.response.map((s: { merchant_uid: string; schedule_status: string }) => [s.merchant_uid, s.schedule_status])).toEqual([
      [first, 'scheduled'],
      [second, 'scheduled'],
    ]);

    const [check, ...others] = await checksOf(customerUid);
    expect(others).toEqual([]);
    expect(check!.merchant_uid).toMatch(/^cardcheck[0-9a-f]{24}$/);
    const payment = await rest.payment(check!.imp_uid);
    expect(payment).toMatchObject({ status: 'cancelled', amount: 1000, cancel_amount: 1000, currency: 'KRW', channel: 'api', customer_uid: customerUid, customer_uid_usage: 'payment', cancel_reason: '유효카드 체크 승인 자동 취소' });
    const transactions = await simTransactions(system.simulatorUrl, check!.merchant_uid);
    expect(transactions).toEqual([expect.objectContaining({ approval: 'approved', amount: 1000, cancelledAmount: 1000 })]);
    // The schedules themselves were not charged.
    expect(await simTransactions(system.simulatorUrl, first)).toEqual([]);
    expect(await system.store.schedules.find(storeId, second)).toMatchObject({ status: 'scheduled' });
    // The check made no webhook: no delivery was ever created for its payment.
    const stored = (await system.store.payments.findByImpUid(storeId, check!.imp_uid))!;
    expect((await system.store.payments.eventsOf(storeId, stored.id)).map((e) => e.type)).toEqual(['payment.paid', 'payment.cancelled_quietly']);
    await system.services.webhooks.dispatchEvents();
    expect(await system.store.webhooks.listDeliveries(storeId, { paymentId: stored.id, limit: 10 })).toEqual([]);
  });

  it('a declined check: code 1 naming checking_amount and the card company’s reason; nothing stored, nothing to cancel', async () => {
    const customerUid = await customer(INSUFFICIENT_CARD);
    const merchantUid = uid('dec');
    const res = await schedule({ customer_uid: customerUid, checking_amount: 1000, schedules: [item(merchantUid)] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ code: 1, response: null });
    expect(res.body.message).toContain('checking_amount: 유효카드 체크 승인이 거절되어 결제예약을 저장하지 않았습니다.');
    expect(res.body.message).toContain('잔액부족 (한도초과)');
    expect(await system.store.schedules.find(storeId, merchantUid)).toBeNull();
    const [check] = await checksOf(customerUid);
    expect(await rest.payment(check!.imp_uid)).toMatchObject({ status: 'failed', amount: 1000, fail_reason: '잔액부족 (한도초과)' });
    expect(await simTransactions(system.simulatorUrl, check!.merchant_uid)).toEqual([expect.objectContaining({ approval: 'declined', cancelledAmount: 0 })]);
  });

  it('a check whose answer was lost: 504 naming its imp_uid, nothing stored; the reconciler finds it approved and cancels it', async () => {
    const customerUid = await customer(LATE_APPROVAL_CARD);
    const merchantUid = uid('late');
    // The official schema names no 504 for this operation: the V1 envelope is checked instead (as for `again`'s 504).
    const res = await rest.send('POST', '/subscribe/payments/schedule', { customer_uid: customerUid, checking_amount: 1000, schedules: [item(merchantUid)] });
    expect(res.status).toBe(504);
    expect(v1EnvelopeErrors(res.body)).toEqual([]);
    expect(res.body).toMatchObject({ code: -1, response: null });
    const impUid = /imp_\d{12}/.exec(res.body.message ?? '')?.[0] as string;
    expect(res.body.message).toContain('자동으로 취소합니다');
    expect(await system.store.schedules.find(storeId, merchantUid)).toBeNull();

    const cancelled = await until(
      'the late check cancelled',
      async () => {
        const p = await rest.payment(impUid);
        return p.status === 'cancelled' ? p : null;
      },
      20_000,
    );
    expect(cancelled).toMatchObject({ amount: 1000, cancel_amount: 1000, customer_uid_usage: 'payment', cancel_reason: '유효카드 체크 승인 자동 취소' });
    expect(await simTransactions(system.simulatorUrl, cancelled.merchant_uid)).toEqual([expect.objectContaining({ approval: 'approved', amount: 1000, cancelledAmount: 1000 })]);
    expect(await system.store.schedules.find(storeId, merchantUid)).toBeNull();
  });

  it('a check a crash left paid (approved, never cancelled) is cancelled by the reconciler once it is two minutes old', async () => {
    const customerUid = await customer();
    // As a schedule request does before it cancels the check, then dies: the charge alone.
    const merchantUid = uid('strand');
    const paid = await system.services.billingCharges.charge(
      storeId,
      { customer_uid: customerUid, merchant_uid: merchantUid, amount: 1000, name: '유효카드 체크 승인', buyer_name: '홍길동', buyer_email: 'buyer@example.com', buyer_tel: '010-1234-5678' },
      { usage: 'payment.check', buyerIp: null },
    );
    expect(paid.status).toBe('paid');
    // Fresh: its request may be cancelling it right now, so the reconciler leaves it.
    await system.reconciler.runOnce();
    expect((await rest.payment(paid.impUid)).status).toBe('paid');

    clock.offsetMs += 3 * 60_000;
    rest = await restClient(system);
    await system.reconciler.runOnce();
    expect(await rest.payment(paid.impUid)).toMatchObject({ status: 'cancelled', cancel_amount: 1000, cancel_reason: '유효카드 체크 승인 자동 취소' });
    expect(await simTransactions(system.simulatorUrl, merchantUid)).toEqual([expect.objectContaining({ approval: 'approved', amount: 1000, cancelledAmount: 1000 })]);
    // Cancelled once: a later pass finds nothing left.
    await system.reconciler.runOnce();
    expect((await simTransactions(system.simulatorUrl, merchantUid))[0]).toMatchObject({ cancelledAmount: 1000 });
  });
});
