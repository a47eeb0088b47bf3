import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test/support/databases';
import { createGatewayHarness, type GatewayHarness } from '../../../../test/support/gateway-harness';
import { v1SchemaErrors } from '../../../../test/support/openapi';

const SPEC_PATH = '/payments/findAll/{merchant_uid}/{payment_status}';

forEachDatabase((_name, getStore) => {
  describe('GET /payments/findAll/{merchant_uid}[/{payment_status}]', () => {
    let h: GatewayHarness;
    let token: string;
    const ids: string[] = [];
    beforeAll(async () => {
      h = await createGatewayHarness(getStore());
      token = await h.token();
      const t0 = h.clock.now().getTime();
      // Five attempts of one order, oldest first: failed ×4, then paid.
      for (let i = 0; i < 5; i++) {
        const p = await h.seedPayment({ merchantUid: 'order500', status: i === 4 ? 'paid' : 'failed', startedAt: new Date(t0 + i * 1000) });
        ids.push(p.impUid);
      }
    });
    afterAll(async () => h.close());

    const get = (url: string) => h.app.inject({ method: 'GET', url, headers: { Authorization: token } });
    const uids = (body: { response: { list: { imp_uid: string }[] } }) => body.response.list.map((p) => p.imp_uid);

    it('lists every payment of the order, newest first, paged with previous/next (0 for none)', async () => {
      const first = await get('/payments/findAll/order500?limit=2');
      expect(first.statusCode).toBe(200);
      expect(v1SchemaErrors('get', SPEC_PATH, 200, first.json())).toEqual([]);
      expect(first.json().response).toMatchObject({ total: 5, previous: 0, next: 2 });
      expect(uids(first.json())).toEqual([ids[4], ids[3]]);
      const last = (await get('/payments/findAll/order500?limit=2&page=3')).json();
      expect(last.response).toMatchObject({ total: 5, previous: 2, next: 0 });
      expect(uids(last)).toEqual([ids[0]]);
      expect(uids((await get('/payments/findAll/order500?sorting=started&limit=1')).json())).toEqual([ids[0]]);
    });

    it('filters by status, also with the empty trailing segment iamporter sends', async () => {
      const paid = (await get('/payments/findAll/order500/paid')).json();
      expect(paid.response).toMatchObject({ total: 1, previous: 0, next: 0 });
      expect(uids(paid)).toEqual([ids[4]]);
      expect((await get('/payments/findAll/order500/failed')).json().response.total).toBe(4);
      const trailing = await get('/payments/findAll/order500/');
      expect(trailing.statusCode).toBe(200);
      expect(trailing.json().response.total).toBe(5);
    });

    it('answers 404 when nothing matches, 400 naming the field for a bad status, page, limit or sorting', async () => {
      const none = await get('/payments/findAll/nosuchorder');
      expect(none.statusCode).toBe(404);
      expect(v1SchemaErrors('get', SPEC_PATH, 404, none.json())).toEqual([]);
      expect((await get('/payments/findAll/order500/cancelled')).statusCode).toBe(404);
      for (const [url, field] of [
        ['/payments/findAll/order500/refunded', 'payment_status'],
        ['/payments/findAll/order500?page=0', 'page'],
        ['/payments/findAll/order500?page=4&limit=2', 'page'],
        ['/payments/findAll/order500?limit=1001', 'limit'],
        ['/payments/findAll/order500?page=100000000000000000000', 'page'],
        ['/payments/findAll/order500?sorting=up', 'sorting'],
      ] as const) {
        const res = await get(url);
        expect(res.statusCode, url).toBe(400);
        expect(res.json().message, url).toContain(field);
        expect(v1SchemaErrors('get', SPEC_PATH, 400, res.json())).toEqual([]);
      }
    });
  });
}, { per: 'file' });
