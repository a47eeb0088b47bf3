import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { toSdkResult } from '../../src/checkout/result';
import { startReceiver } from '../support/receiver';
import { v1SchemaErrors } from '../support/openapi';
import { restClient, startTestSystem, systemDatabases, type TestSystem } from '../support/system';
import { authenticateVbank, newMerchantUid, openMobileWindow, returnToGateway } from './flow';

/**
 * Virtual account (`vbank`) issue over real HTTP between the gateway, the Smartro simulator and
 * the demo shop's origin, on each database: the payment stays `ready` with its `vbank_*` fields,
 * the buyer is told it succeeded (V1 §5.2), and the merchant gets one `ready` webhook.
 */
describe.each(systemDatabases())('vbank issue over HTTP (%s)', (db) => {
  let system: TestSystem;
  let rest: Awaited<ReturnType<typeof restClient>>;
  let storeId: number;
  const receivers: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    system = await startTestSystem({ db, env: { GYEOL_WEBHOOK_INTERVAL_MS: '100' } });
    rest = await restClient(system);
    storeId = (await system.store.stores.findByImpCode(system.demo.impCode))!.id;
  });
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    await system.services.webhooks.updateSettings(storeId, { testUrl: null, liveUrl: null });
  });
  afterAll(async () => system?.close());

  async function payment(impUid: string) {
    const { status, body } = await rest.get(`/payments/${impUid}`);
    expect(status).toBe(200);
    expect(v1SchemaErrors('get', '/payments/{imp_uid}', 200, body)).toEqual([]);
    return body.response;
  }

  it('issues a 신한은행 account: imp_success=true, the payment ready with vbank_* (deadline 23:59:59 KST), one webhook ready', async () => {
    const hook = await startReceiver();
    receivers.push(hook);
    await system.services.webhooks.updateSettings(storeId, { testUrl: hook.url });

    const opened = await openMobileWindow(system, { params: { pay_method: 'vbank', vbank_due: '2099-12-31' } });
    expect(opened.fields).toMatchObject({ PayMethod: 'VBANK', VbankExpDate: '20991231' });
    const auth = await authenticateVbank(opened, '088');
    const redirect = await returnToGateway(auth.returnUrl, auth.fields);
    expect(Object.fromEntries(redirect.searchParams)).toEqual({ imp_uid: opened.impUid, merchant_uid: opened.merchantUid, imp_success: 'true' });

    const v1 = await payment(opened.impUid);
    expect(v1).toMatchObject({
      status: 'ready',
      pay_method: 'vbank',
      amount: 1004,
      pg_provider: 'smartro_v2',
      pg_tid: auth.fields.Tid,
      vbank_code: '088',
      vbank_name: '신한은행',
      vbank_holder: '결 시뮬레이터 가맹점',
      vbank_date: Date.UTC(2099, 11, 31, 14, 59, 59) / 1000,
      paid_at: 0,
      failed_at: 0,
      receipt_url: null,
    });
    expect(v1.vbank_num).toMatch(/^7\d{13}$/);
    expect(Math.abs(v1.vbank_issued_at - Date.now() / 1000)).toBeLessThan(60);

    // What IMP.request_pay hands the merchant's callback for this payment (PC).
    const stored = await system.store.payments.findByImpUid(storeId, opened.impUid);
    expect(toSdkResult(stored, null)).toMatchObject({
      success: true,
      imp_success: true,
      status: 'ready',
      error_code: null,
      paid_amount: 0,
      vbank_num: v1.vbank_num,
      vbank_name: '신한은행',
      vbank_date: v1.vbank_date,
    });

    const [request] = await hook.until((all) => all.length >= 1);
    expect(JSON.parse(request.body)).toEqual({ imp_uid: opened.impUid, merchant_uid: opened.merchantUid, status: 'ready' });
    await system.webhookWorker.runOnce();
    expect(await system.services.webhooks.listDeliveries(storeId, { impUid: opened.impUid })).toHaveLength(1);
    expect(hook.received).toHaveLength(1);
  });

  it('sends a deadline with a time as yyyyMMddhhmm and reports it to the minute', async () => {
    const opened = await openMobileWindow(system, { params: { pay_method: 'vbank', vbank_due: '209912311530' } });
    expect(opened.fields.VbankExpDate).toBe('209912311530');
    const auth = await authenticateVbank(opened, '004');
    await returnToGateway(auth.returnUrl, auth.fields);
    expect(await payment(opened.impUid)).toMatchObject({ status: 'ready', vbank_code: '004', vbank_name: 'KB국민은행', vbank_date: Date.UTC(2099, 11, 31, 6, 30, 0) / 1000 });
  });

  it('refuses a vbank request without vbank_due with a 400 naming vbank_due, and creates no payment', async () => {
    const merchantUid = newMerchantUid();
    const err = await openMobileWindow(system, { merchantUid, params: { pay_method: 'vbank' } }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('vbank_due');
    expect(await system.store.payments.findByMerchantUid(storeId, merchantUid)).toBeNull();
  });
});
