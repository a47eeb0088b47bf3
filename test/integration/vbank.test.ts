import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { toSdkResult } from '../../src/checkout/result';
import type { SmartroCredentials } from '../../src/connectors/smartro/credentials';
import { signValue } from '../../src/connectors/smartro/crypto';
import { startReceiver } from '../support/receiver';
import { v1SchemaErrors } from '../support/openapi';
import { restClient, startTestSystem, systemDatabases, type TestSystem } from '../support/system';
import { authenticateVbank, issueVbank, newMerchantUid, openMobileWindow, payMobile, returnToGateway } from './flow';

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

/**
 * Deposits: the simulator's 입금하기 (control API) sends Smartro's deposit notification to the
 * gateway's `/pg/smartro/notify`, which pays the payment once; forgeries change nothing.
 */
describe.each(systemDatabases())('vbank deposit over HTTP (%s)', (db) => {
  let system: TestSystem;
  let rest: Awaited<ReturnType<typeof restClient>>;
  let storeId: number;
  let merchantKey: string;
  const receivers: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    system = await startTestSystem({ db, simulatorNotifyRetryMs: 200, env: { GYEOL_WEBHOOK_INTERVAL_MS: '100', GYEOL_WEBHOOK_RETRY_BASE_MS: '200' } });
    rest = await restClient(system);
    storeId = (await system.store.stores.findByImpCode(system.demo.impCode))!.id;
    const [channel] = await system.store.channels.findAllByPgId('smartro_v2', system.demo.mid);
    merchantKey = (system.services.channels.open(channel).credentials as SmartroCredentials).merchantKey;
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

  const issue = () => issueVbank(system, '2099-12-31');

  async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 10_000): Promise<T> {
    const end = Date.now() + ms;
    let value = await read();
    while (!done(value) && Date.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      value = await read();
    }
    return value;
  }

  const notify = (fields: Record<string, string>) =>
    fetch(`${system.gatewayUrl}/pg/smartro/notify`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });

  /** A notification signed with the demo merchant's key, unless `SignValue` is given. */
  function signedDeposit(fields: Record<string, string>): Record<string, string> {
    const base = { Mid: system.demo.mid, ResultCode: '4110', ResultMsg: '가상계좌 입금 완료', PayMethod: 'VBANK', AuthDate: '991231120000', ...fields };
    return { SignValue: signValue(fields.Tid, base.ResultCode, merchantKey), ...base };
  }

  it("delivers one payment's webhooks in order: paid waits until ready has reached the receiver", async () => {
    // The receiver refuses the first request (ready) twice; paid is due meanwhile but must wait.
    const hook = await startReceiver((_r, i) => (i < 2 ? 500 : 200));
    receivers.push(hook);
    await system.services.webhooks.updateSettings(storeId, { testUrl: hook.url });
    const issued = await issue();
    await hook.until((all) => all.length >= 1);
    const deposit = await fetch(`${system.simulatorUrl}/sim/vbank/${issued.tid}/deposit`, { method: 'POST' });
    expect(deposit.status).toBe(201);
    await until(() => payment(issued.impUid), (p) => p.status === 'paid');
    const hooks = await hook.until((all) => all.length >= 4, 15_000);
    expect(hooks.map((h) => JSON.parse(h.body).status)).toEqual(['ready', 'ready', 'ready', 'paid']);
  });

  it('a deposit pays the payment (paid_at = deposit), webhook ready then paid once; a repeated notification changes nothing', async () => {
    const hook = await startReceiver();
    receivers.push(hook);
    await system.services.webhooks.updateSettings(storeId, { testUrl: hook.url });
    const issued = await issue();

    const list = await (await fetch(`${system.simulatorUrl}/sim/vbank`)).text();
    expect(list).toContain(`/sim/vbank/${issued.tid}/deposit`);
    expect(list).toContain('입금하기');

    const deposit = await fetch(`${system.simulatorUrl}/sim/vbank/${issued.tid}/deposit`, { method: 'POST' });
    expect(deposit.status).toBe(201);
    const depositedAt = Date.parse(((await deposit.json()) as { depositedAt: string }).depositedAt);
    const paid = await until(() => payment(issued.impUid), (p) => p.status === 'paid');
    expect(paid).toMatchObject({ status: 'paid', pay_method: 'vbank', amount: 1004, vbank_num: expect.stringMatching(/^7\d{13}$/) });
    expect(paid.paid_at).toBe(Math.floor(depositedAt / 1000));

    const hooks = await hook.until((all) => all.length >= 2);
    expect(hooks.map((h) => JSON.parse(h.body).status)).toEqual(['ready', 'paid']);
    // The simulator saw its notification acknowledged.
    expect(await (await fetch(`${system.simulatorUrl}/sim/vbank`)).text()).toContain('통보 성공');

    // Smartro's 재통보: the same notification again is acknowledged and changes nothing.
    const again = await fetch(`${system.simulatorUrl}/sim/vbank/${issued.tid}/notify`, { method: 'POST' });
    expect(await again.json()).toEqual({ tid: issued.tid, acknowledged: true });
    expect(await payment(issued.impUid)).toEqual(paid);
    await system.webhookWorker.runOnce();
    expect(await system.services.webhooks.listDeliveries(storeId, { impUid: issued.impUid })).toHaveLength(2);
    expect(hook.received).toHaveLength(2);

    // The bank takes no second deposit on the account.
    expect((await fetch(`${system.simulatorUrl}/sim/vbank/${issued.tid}/deposit`, { method: 'POST' })).status).toBe(409);
  });

  it('a forged notification (bad signature, unknown Tid, wrong amount, another MID) is acknowledged and changes nothing', async () => {
    const hook = await startReceiver();
    receivers.push(hook);
    await system.services.webhooks.updateSettings(storeId, { testUrl: hook.url });
    const issued = await issue();
    await hook.until((all) => all.length >= 1);
    const before = await payment(issued.impUid);

    const forgeries = [
      { ...signedDeposit({ Tid: issued.tid, Moid: issued.merchantUid, Amt: '1004' }), SignValue: 'forged' },
      signedDeposit({ Tid: `${system.demo.mid}0101991231120000${'9999'}`, Moid: issued.merchantUid, Amt: '1004' }),
      signedDeposit({ Tid: issued.tid, Moid: issued.merchantUid, Amt: '1' }),
      { ...signedDeposit({ Tid: issued.tid, Moid: issued.merchantUid, Amt: '1004' }), Mid: 'othermid01' },
      signedDeposit({ Tid: issued.tid, Moid: issued.merchantUid, Amt: '1004', ResultCode: '4100' }),
    ];
    for (const fields of forgeries) {
      const res = await notify(fields);
      expect(res.status, JSON.stringify(fields)).toBe(200);
      expect(await res.text()).toBe('OK');
    }
    expect(await payment(issued.impUid)).toEqual(before);
    await system.webhookWorker.runOnce();
    expect(await system.services.webhooks.listDeliveries(storeId, { impUid: issued.impUid })).toHaveLength(1);

    // The genuine notification still pays it.
    const res = await notify(signedDeposit({ Tid: issued.tid, Moid: issued.merchantUid, Amt: '1004' }));
    expect(await res.text()).toBe('OK');
    expect(await payment(issued.impUid)).toMatchObject({ status: 'paid', paid_at: Date.UTC(2099, 11, 31, 3, 0, 0) / 1000 });
  });

  it('a deposit notification for a card payment changes nothing', async () => {
    const card = await payMobile(system, { card: '4242 4242 4242 4242' });
    const before = await payment(card.impUid);
    const res = await notify(signedDeposit({ Tid: card.tid, Moid: card.merchantUid, Amt: '1004' }));
    expect(await res.text()).toBe('OK');
    expect(await payment(card.impUid)).toEqual(before);
  });
});
