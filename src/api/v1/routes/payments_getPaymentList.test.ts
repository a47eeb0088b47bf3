import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test/support/databases';
import { createGatewayHarness, type GatewayHarness } from '../../../../test/support/gateway-harness';
import { v1SchemaErrors } from '../../../../test/support/openapi';

forEachDatabase((_name, getStore) => {
  describe('GET /payments?imp_uid[]=…&merchant_uid[]=…', () => {
    let h: GatewayHarness;
    let token: string;
    beforeAll(async () => {
      h = await createGatewayHarness(getStore());
      token = await h.token();
    });
    afterAll(async () => h.close());

    const get = (query: string, auth = token) => h.app.inject({ method: 'GET', url: `/payments?${query}`, headers: { Authorization: auth } });

    it('answers 200 with every payment asked, imp_uids first, in the order asked', async () => {
      const a = await h.seedPayment({ merchantUid: 'multiA' });
      const b = await h.seedPayment({ merchantUid: 'multiB', status: 'failed' });
      const c = await h.seedPayment({ merchantUid: 'multiC' });
      const res = await get(`imp_uid[]=${b.impUid}&imp_uid[]=${a.impUid}&merchant_uid[]=multiC`);
      expect(res.statusCode).toBe(200);
      expect(v1SchemaErrors('get', '/payments', 200, res.json())).toEqual([]);
      expect(res.json().response.map((p: { imp_uid: string }) => p.imp_uid)).toEqual([b.impUid, a.impUid, c.impUid]);
      expect(res.json().response[1]).toMatchObject({ merchant_uid: 'multiA', status: 'paid', amount: 1004 });
    });

    it('answers 207 with the ones found when some are missing, 404 when none is found', async () => {
      const a = await h.seedPayment({ merchantUid: 'partialA' });
      const partial = await get(`imp_uid[]=${a.impUid}&imp_uid[]=imp_000000000000&merchant_uid[]=nosuchorder`);
      expect(partial.statusCode).toBe(207);
      expect(v1SchemaErrors('get', '/payments', 207, partial.json())).toEqual([]);
      expect(partial.json().response.map((p: { imp_uid: string }) => p.imp_uid)).toEqual([a.impUid]);

      const none = await get('imp_uid[]=imp_000000000000');
      expect(none.statusCode).toBe(404);
      expect(none.json()).toEqual({ code: -1, message: '존재하지 않는 결제정보입니다.', response: null });
      expect(v1SchemaErrors('get', '/payments', 404, none.json())).toEqual([]);
    });

    it("treats another store's payment as missing", async () => {
      const mine = await h.seedPayment();
      const other = await h.otherMerchant();
      const theirs = await h.seedPayment({ storeId: other.merchant.id, channelId: other.channel.id });
      const res = await get(`imp_uid[]=${mine.impUid}&imp_uid[]=${theirs.impUid}`);
      expect(res.statusCode).toBe(207);
      expect(res.json().response.map((p: { imp_uid: string }) => p.imp_uid)).toEqual([mine.impUid]);
    });

    it('refuses no uid at all and more than 100, naming the field', async () => {
      const empty = await get('');
      expect(empty.statusCode).toBe(400);
      expect(empty.json().message).toContain('imp_uid');
      const many = await get(Array.from({ length: 101 }, (_, i) => `imp_uid[]=imp_${String(i).padStart(12, '0')}`).join('&'));
      expect(many.statusCode).toBe(400);
      expect(many.json().message).toContain('imp_uid');
    });
  });
}, { per: 'file' });
