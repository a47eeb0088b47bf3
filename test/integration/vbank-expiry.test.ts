import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SmartroCredentials } from '../../src/connectors/smartro/credentials';
import { signValue } from '../../src/connectors/smartro/crypto';
import { ShiftedClock } from '../support/clock';
import { VBANK_EXPIRY_GRACE_MS } from '../../src/services/approvals';
import { startReceiver } from '../support/receiver';
import { until } from '../support/processes';
import { restClient, startTestSystem, systemDatabases, type TestSystem } from '../support/system';
import { issueVbank } from './flow';


const KST_MS = 9 * 60 * 60 * 1000;
/** A `vbank_due` of `yyyyMMddhhmm` (Korea time) for the minute `date` falls in. */
const vbankDueOf = (date: Date) => new Date(date.getTime() + KST_MS).toISOString().slice(0, 16).replace(/[-T:]/g, '');
/** Smartro's `AuthDate` (`yyMMddHHmmss`, Korea time). */
const authDateOf = (date: Date) => new Date(date.getTime() + KST_MS).toISOString().slice(2, 19).replace(/[-T:]/g, '');

/**
 * The virtual-account expiry job over the real system, on each database: an issued account whose
 * deadline passed (plus the grace for late notifications) unpaid becomes `failed` with one
 * `failed` webhook; an account not yet due and a paid one are untouched; concurrent passes mark
 * it once; neither the simulator's bank nor a deposit notification pays it afterwards.
 */
describe.each(systemDatabases())('vbank expiry (%s)', (db) => {
  const clock = new ShiftedClock();
  let system: TestSystem;
  let rest: Awaited<ReturnType<typeof restClient>>;
  let storeId: number;
  let merchantKey: string;
  beforeAll(async () => {
    // The job runs only when the test asks (its start-up pass finds nothing).
    system = await startTestSystem({ db, clock, env: { GYEOL_WEBHOOK_INTERVAL_MS: '100', GYEOL_VBANK_EXPIRY_INTERVAL_MS: '600000' } });
    rest = await restClient(system);
    storeId = (await system.store.stores.findByImpCode(system.demo.impCode))!.id;
    const [channel] = await system.store.channels.findAllByPgId('smartro_v2', system.demo.mid);
    merchantKey = (system.services.channels.open(channel).credentials as SmartroCredentials).merchantKey;
  });
  afterAll(async () => system?.close());

  /** What GET /payments/{imp_uid} says (checked against the V1 schema). */
  const payment = (impUid: string) => rest.payment(impUid);
  const issue = (vbankDue: string) => issueVbank(system, vbankDue);

  it('fails an account past its deadline once (webhook ready, then failed), leaving a later one and a paid one alone; nothing pays it afterwards', async () => {
    const hook = await startReceiver();
    await system.services.webhooks.updateSettings(storeId, { testUrl: hook.url });
    try {
      // A deadline a few minutes ahead, to the minute (Korea time).
      const deadlineMinute = vbankDueOf(new Date(Date.now() + 3 * 60_000));
      const expiring = await issue(deadlineMinute);
      const later = await issue('2099-12-31');
      const deposited = await issue(deadlineMinute);
      const deadline = (await payment(expiring.impUid)).vbank_date * 1000;
      expect(deadline).toBeGreaterThan(Date.now());

      const deposit = await fetch(`${system.simulatorUrl}/sim/vbank/${deposited.tid}/deposit`, { method: 'POST' });
      expect(deposit.status).toBe(201);
      const paid = await until('the deposit to pay the payment', async () => {
        const now = await payment(deposited.impUid);
        return now.status === 'paid' ? now : null;
      }, 10_000);
      await hook.until((all) => all.length >= 4);
      const laterBefore = await payment(later.impUid);

      // Past the deadline but within the grace for late notifications: still ready.
      clock.offsetMs = deadline - Date.now() + VBANK_EXPIRY_GRACE_MS / 2;
      expect(await system.vbankExpiry.runOnce()).toEqual({ checked: 0, expired: 0 });
      expect(await payment(expiring.impUid)).toMatchObject({ status: 'ready', failed_at: 0, fail_reason: null });

      // Past the grace: the job and two more passes (as other instances would) at once.
      clock.offsetMs = deadline - Date.now() + VBANK_EXPIRY_GRACE_MS + 60_000;
      const passes = await Promise.all([system.vbankExpiry.runOnce(), system.services.approvals.expireVbanks(), system.services.approvals.expireVbanks()]);
      expect(passes.reduce((sum, p) => sum + p.expired, 0)).toBe(1);

      const failed = await payment(expiring.impUid);
      expect(failed).toMatchObject({
        status: 'failed',
        pay_method: 'vbank',
        fail_reason: '[가상계좌 입금기한 만료] 입금기한이 지났습니다',
        paid_at: 0,
        vbank_date: deadline / 1000,
        vbank_num: expect.stringMatching(/^7\d{13}$/),
      });
      expect(Math.abs(failed.failed_at - clock.now().getTime() / 1000)).toBeLessThan(60);
      expect(await payment(later.impUid)).toEqual(laterBefore);
      expect(await payment(deposited.impUid)).toEqual(paid);

      // The merchant hears ready, then failed, once each.
      const statusesOf = (impUid: string) => hook.received.map((r) => JSON.parse(r.body)).filter((b) => b.imp_uid === impUid).map((b) => b.status);
      await hook.until(() => statusesOf(expiring.impUid).length >= 2);
      await system.webhookWorker.runOnce();
      expect(statusesOf(expiring.impUid)).toEqual(['ready', 'failed']);
      expect(JSON.parse(hook.received.find((r) => JSON.parse(r.body).status === 'failed')!.body)).toEqual({ imp_uid: expiring.impUid, merchant_uid: expiring.merchantUid, status: 'failed' });
      expect(statusesOf(deposited.impUid)).toEqual(['ready', 'paid']);
      expect(statusesOf(later.impUid)).toEqual(['ready']);

      // Another pass finds nothing more.
      expect(await system.vbankExpiry.runOnce()).toEqual({ checked: 0, expired: 0 });

      // The simulator's bank takes no money on it: the API and the page both refuse, in Korean.
      const refused = await fetch(`${system.simulatorUrl}/sim/vbank/${expiring.tid}/deposit`, { method: 'POST' });
      expect(refused.status).toBe(409);
      expect(await refused.json()).toEqual({ message: '입금기한이 지난 가상계좌입니다. 입금할 수 없습니다' });
      const list = await (await fetch(`${system.simulatorUrl}/sim/vbank`)).text();
      expect(list).not.toContain(`/sim/vbank/${expiring.tid}/deposit`);
      expect(list).toContain('입금기한 만료 (입금 불가)');
      const fromPage = await fetch(`${system.simulatorUrl}/sim/vbank/${expiring.tid}/deposit`, { method: 'POST', headers: { accept: 'text/html' } });
      expect(fromPage.status).toBe(409);
      expect(await fromPage.text()).toContain('입금기한이 지난 가상계좌입니다. 입금할 수 없습니다');

      // A deposit notification (genuine, dated before the deadline) arriving now changes nothing and sends nothing.
      const fields = {
        Mid: system.demo.mid,
        Tid: expiring.tid,
        Moid: expiring.merchantUid,
        Amt: '1004',
        PayMethod: 'VBANK',
        ResultCode: '4110',
        ResultMsg: '가상계좌 입금 완료',
        AuthDate: authDateOf(new Date(deadline - 60_000)),
        SignValue: signValue(expiring.tid, '4110', merchantKey),
      };
      const late = await fetch(`${system.gatewayUrl}/pg/smartro/notify`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
      expect(late.status).toBe(200);
      expect(await late.text()).toBe('OK');
      expect(await payment(expiring.impUid)).toEqual(failed);
      await system.webhookWorker.runOnce();
      expect(statusesOf(expiring.impUid)).toEqual(['ready', 'failed']);
      expect(await system.services.webhooks.listDeliveries(storeId, { impUid: expiring.impUid })).toHaveLength(2);
    } finally {
      clock.offsetMs = 0;
      await hook.close();
      await system.services.webhooks.updateSettings(storeId, { testUrl: null, liveUrl: null });
    }
  });
});
