import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver } from '../support/receiver';
import { restClient, startTestSystem, systemDatabases, type TestSystem } from '../support/system';
import { payMobile } from './flow';

/**
 * The webhook worker is woken by the commit that wrote the events (issue 10, benchmark 4): with a
 * poll interval of ten minutes, after the start-up pass, a paid payment's webhook and a cancel's
 * still go out at once, on each database.
 */
describe.each(systemDatabases())('webhooks woken by the commit (%s)', (db) => {
  let system: TestSystem;
  let storeId: number;
  beforeAll(async () => {
    system = await startTestSystem({ db, env: { GYEOL_WEBHOOK_INTERVAL_MS: '600000' } });
    storeId = (await system.store.stores.findByImpCode(system.demo.impCode))!.id;
  });
  afterAll(async () => system?.close());

  it('sends the webhooks of a payment and of its cancel without waiting for the interval', async () => {
    const hook = await startReceiver();
    try {
      await system.services.webhooks.updateSettings(storeId, { testUrl: hook.url });
      // The start-up pass is over; the next look by the interval would be in ten minutes.
      await system.webhookWorker.runOnce();
      const paid = await payMobile(system, { card: '4242 4242 4242 4242' });
      expect(paid.query.imp_success).toBe('true');
      const [first] = await hook.until((all) => all.length >= 1, 10_000);
      expect(JSON.parse(first!.body)).toEqual({ imp_uid: paid.impUid, merchant_uid: paid.merchantUid, status: 'paid' });

      // A cancel's event is written by the cancellations store, in its own transaction.
      const rest = await restClient(system);
      const cancelled = await rest.send('POST', '/payments/cancel', { imp_uid: paid.impUid, reason: 'wake test', enable_webhook: true });
      expect(cancelled.body.code).toBe(0);
      const all = await hook.until((got) => got.length >= 2, 10_000);
      expect(JSON.parse(all[1]!.body)).toMatchObject({ imp_uid: paid.impUid, status: 'cancelled' });
    } finally {
      await hook.close();
      await system.services.webhooks.updateSettings(storeId, { testUrl: null });
    }
  });
});
