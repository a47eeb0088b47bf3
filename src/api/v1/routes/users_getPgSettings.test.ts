import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test/support/databases';
import { createGatewayHarness, type GatewayHarness } from '../../../../test/support/gateway-harness';
import { v1SchemaErrors } from '../../../../test/support/openapi';

forEachDatabase((_name, getStore) => {
  describe('GET /users/pg', () => {
    let h: GatewayHarness;
    beforeAll(async () => {
      h = await createGatewayHarness(getStore());
    });
    afterAll(async () => h.close());

    it("lists the store's channels as V1 PG settings, oldest first, and no other store's", async () => {
      const second = await h.services.provisioning.createChannel({
        storeId: h.merchant.id,
        name: 'smartro live',
        pgProvider: 'smartro_v2',
        pgId: 'gyeollive1',
        testMode: false,
        isDefault: false,
        settings: { jsBaseUrl: 'http://simulator.test', apiBaseUrl: 'http://simulator.test', receiptBaseUrl: 'http://simulator.test' },
        secrets: { merchantKey: 'k'.repeat(48), cancelPassword: '123456' },
      });
      await h.otherMerchant();
      const res = await h.app.inject({ method: 'GET', url: '/users/pg', headers: { Authorization: await h.token() } });
      expect(res.statusCode).toBe(200);
      expect(v1SchemaErrors('get', '/users/pg', 200, res.json())).toEqual([]);
      expect(res.json()).toEqual({
        code: 0,
        message: null,
        response: [
          { pg_provider: 'smartro_v2', pg_id: 'gyeolsim01', sandbox: true, type: 'payment', channel_name: 'smartro test', channel_key: h.channel.channelKey },
          { pg_provider: 'smartro_v2', pg_id: 'gyeollive1', sandbox: false, type: 'payment', channel_name: 'smartro live', channel_key: second.channelKey },
        ],
      });
    });

    it('answers 401 without a token', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/users/pg' });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: -1, response: null });
    });
  });
}, { per: 'file' });
