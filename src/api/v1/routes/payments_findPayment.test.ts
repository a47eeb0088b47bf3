import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test/support/databases';
import { createGatewayHarness, type GatewayHarness } from '../../../../test/support/gateway-harness';
import { v1SchemaErrors } from '../../../../test/support/openapi';

forEachDatabase((_name, getStore) => {
  describe('GET /payments/find/{merchant_uid}[/{payment_status}]', () => {
    let h: GatewayHarness;
    let token: string;
    beforeAll(async () => {
      h = await createGatewayHarness(getStore());
      token = await h.token();
    });
    afterAll(async () => h.close());

    const find = (path: string) => h.app.inject({ method: 'GET', url: path, headers: { Authorization: `Bearer ${token}` } });

    it('returns the latest started payment of the order, or the latest in a given status', async () => {
      const t0 = h.clock.now().getTime();
      const failed = await h.seedPayment({ merchantUid: 'order777', status: 'failed', startedAt: new Date(t0 - 60_000) });
      const paid = await h.seedPayment({ merchantUid: 'order777', status: 'paid', startedAt: new Date(t0 - 30_000) });
      const ready = await h.seedPayment({ merchantUid: 'order777', status: 'ready', startedAt: new Date(t0) });

      const latest = await find('/payments/find/order777');
      expect(latest.statusCode).toBe(200);
      expect(v1SchemaErrors('get', '/payments/find/{merchant_uid}/{payment_status}', 200, latest.json())).toEqual([]);
      expect(latest.json().response.imp_uid).toBe(ready.impUid);

      expect((await find('/payments/find/order777/paid')).json().response.imp_uid).toBe(paid.impUid);
      expect((await find('/payments/find/order777/failed')).json().response.imp_uid).toBe(failed.impUid);
      expect((await find('/payments/find/order777?sorting=started')).json().response.imp_uid).toBe(failed.impUid);
      expect((await find('/payments/find/order777/cancelled')).statusCode).toBe(404);
    });

    it('answers 404 for an unknown merchant_uid and 400 naming the field for a bad status or sorting', async () => {
      const missing = await find('/payments/find/nosuchorder');
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toEqual({ code: -1, message: '존재하지 않는 결제정보입니다.', response: null });
      expect(v1SchemaErrors('get', '/payments/find/{merchant_uid}/{payment_status}', 404, missing.json())).toEqual([]);

      const badStatus = await find('/payments/find/order777/refunded');
      expect(badStatus.statusCode).toBe(400);
      expect(badStatus.json().message).toContain('payment_status');
      const badSorting = await find('/payments/find/order777?sorting=sideways');
      expect(badSorting.statusCode).toBe(400);
      expect(badSorting.json().message).toContain('sorting');
    });
  });
}, { per: 'file' });
