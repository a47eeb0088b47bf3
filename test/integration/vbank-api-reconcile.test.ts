import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATE_VACCT_HOLDER } from '../../src/simulators/smartro/server-calls';
import { startReceiver } from '../support/receiver';
import { v1EnvelopeErrors } from '../support/openapi';
import { restClient, startTestSystem, systemDatabases, type TestSystem } from '../support/system';
import { newMerchantUid } from './flow';

/**
 * A `POST /vbanks` whose `vacct.do` answer comes after the gateway's PG timeout: the merchant is
 * told the outcome is being checked (504, the imp_uid named), the reconciler re-sends the same
 * issue, the simulator answers the account it already issued, and the payment becomes `ready`
 * with it — webhook `ready` — without anyone acting. One account, not two.
 */
describe.each(systemDatabases())('virtual account issue with a lost answer (%s)', (db) => {
  let system: TestSystem;
  let rest: Awaited<ReturnType<typeof restClient>>;
  beforeAll(async () => {
    system = await startTestSystem({ db, pgTimeoutMs: 1000, simulatorHangMs: 3000, env: { GYEOL_RECONCILE_INTERVAL_MS: '300', GYEOL_WEBHOOK_INTERVAL_MS: '100' } });
    rest = await restClient(system);
  });
  afterAll(async () => system?.close());

  it('answers 504 with the imp_uid, then the reconciler records the one account issued and the webhook says ready', async () => {
    const storeId = (await system.store.stores.findByImpCode(system.demo.impCode))!.id;
    const hook = await startReceiver();
    try {
      await system.services.webhooks.updateSettings(storeId, { testUrl: hook.url });
      const merchantUid = newMerchantUid();
      const res = await fetch(`${system.gatewayUrl}/vbanks`, {
        method: 'POST',
        headers: { Authorization: rest.token, 'content-type': 'application/json' },
        body: JSON.stringify({
          channel_key: system.demo.channelKey,
          merchant_uid: merchantUid,
          amount: 7000,
          vbank_code: '088',
          vbank_due: Date.UTC(2099, 0, 1) / 1000,
          vbank_holder: LATE_VACCT_HOLDER,
          buyer_name: '홍길동',
          buyer_email: 'buyer@example.com',
          buyer_tel: '01012345678',
        }),
      });
      const body = (await res.json()) as { code: number; message: string; response: null };
      expect(res.status).toBe(504);
      expect(v1EnvelopeErrors(body)).toEqual([]);
      const impUid = /imp_\d{12}/.exec(body.message)?.[0] as string;
      expect(body.message).toContain('웹훅(ready)으로 알려드립니다');
      // The reconciler may already have settled it (its first re-send is due now): ready either way.
      expect(await rest.payment(impUid)).toMatchObject({ status: 'ready', merchant_uid: merchantUid, channel: 'api' });

      const [ready] = await hook.until((all) => all.length >= 1, 15_000);
      expect(JSON.parse(ready.body)).toEqual({ imp_uid: impUid, merchant_uid: merchantUid, status: 'ready' });
      const issued = await rest.payment(impUid);
      expect(issued).toMatchObject({ status: 'ready', channel: 'api', vbank_code: '088', vbank_holder: LATE_VACCT_HOLDER, amount: 7000 });
      expect(issued.vbank_num).toMatch(/^7\d{13}$/);
      const sim = (await (await fetch(`${system.simulatorUrl}/sim/transactions?moid=${merchantUid}`)).json()) as { transactions: { tid: string }[] };
      expect(sim.transactions.map((t) => t.tid)).toEqual([issued.pg_tid]);
    } finally {
      await hook.close();
    }
  });
});
