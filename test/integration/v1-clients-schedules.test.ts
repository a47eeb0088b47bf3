/**
 * iamport-rest-client-nodejs, unchanged, scheduling against a running gateway (real HTTP): its
 * `Subscribe.schedule`, `unschedule`, `getScheduled` and the two `getScheduleds` (which read a
 * paged `collection`: a bare array, as V1's schema has it, would break them). Charges are made
 * by a stand-in BillingCharger (the real charge path is tested in schedules.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Iamport as RestClient, Request as RestRequest } from 'iamport-rest-client-nodejs';
import { FakeBillingCharger } from '../support/billing-charger';
import { forEachDatabase } from '../support/databases';
import { createGatewayHarness, type GatewayHarness } from '../support/gateway-harness';
import { newBillingCustomerInput } from '../../src/store/test-fixtures';

forEachDatabase((_name, getStore) => {
  describe('iamport-rest-client-nodejs schedules', () => {
    let h: GatewayHarness;
    let host: string;
    beforeAll(async () => {
      h = await createGatewayHarness(getStore(), { billingCharger: (store, clock) => new FakeBillingCharger(store, clock) });
      host = await h.app.listen({ port: 0, host: '127.0.0.1' });
      // The client judges its token's expiry by its own clock: the gateway's must be the real time.
      h.clock.set(Date.now());
      await h.store.billingCustomers.save(
        newBillingCustomerInput(h.merchant.id, h.channel.id, { customerUid: 'clientcust1', pgId: 'gyeolsim01', billingKeySealed: 'sealed', customerTel: '010-1234-5678', customerAddr: null, customerPostcode: null, insertedAt: h.clock.now(), updatedAt: h.clock.now() }),
      );
    });
    afterAll(async () => h.close());

    it('schedules, reads one and the customer’s lists (paged collections), and unschedules', async () => {
      const iamport = new RestClient({ apiKey: h.apiKey, apiSecret: h.apiSecret, baseUrl: host });
      const { Subscribe, Customers } = RestRequest;
      const at = Math.floor(Date.now() / 1000) + 3600;
      const scheduled = await Subscribe.schedule({
        customer_uid: 'clientcust1',
        schedules: [
          { merchant_uid: 'clientsched1', schedule_at: at, amount: 3300, name: '구독 1' },
          { merchant_uid: 'clientsched2', schedule_at: at + 60, amount: 3300, name: '구독 2' },
        ],
      }).request(iamport);
      expect(scheduled.data.response.map((s: { merchant_uid: string }) => s.merchant_uid)).toEqual(['clientsched1', 'clientsched2']);

      const one = await Subscribe.getScheduled({ merchant_uid: 'clientsched1' }).request(iamport);
      expect(one.data.response).toMatchObject({ merchant_uid: 'clientsched1', schedule_status: 'scheduled', amount: 3300 });

      const byPayments = await Subscribe.getScheduleds({ customer_uid: 'clientcust1', from: at - 10, to: at + 3600, 'schedule-status': 'scheduled' as never }).request(iamport);
      expect(byPayments.data.response).toMatchObject({ total: 2, previous: 0, next: 0 });
      expect(byPayments.data.response.list.map((s: { merchant_uid: string }) => s.merchant_uid)).toEqual(['clientsched2', 'clientsched1']);
      const byCustomer = await Customers.getScheduleds({ customer_uid: 'clientcust1', from: at - 10, to: at + 3600, 'schedule-status': 'scheduled' as never }).request(iamport);
      expect(byCustomer.data.response.total).toBe(2);

      const revoked = await Subscribe.unschedule({ customer_uid: 'clientcust1', merchant_uid: 'clientsched2' }).request(iamport);
      expect(revoked.data.response).toEqual([expect.objectContaining({ merchant_uid: 'clientsched2', schedule_status: 'revoked' })]);
      // Nothing left to revoke: V1's code 1, which the client rejects with the envelope.
      const refused = await Subscribe.unschedule({ customer_uid: 'clientcust1', merchant_uid: 'clientsched2' })
        .request(iamport)
        .then(
          () => null,
          (e: { response: { data: { code: number; message: string } } }) => e.response.data,
        );
      expect(refused).toMatchObject({ code: 1, message: '취소할 예약결제 기록이 존재하지 않습니다.' });
    });
  });
}, { per: 'file' });
