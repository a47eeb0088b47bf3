import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test/support/databases';
import { createGatewayHarness, type GatewayHarness } from '../../../../test/support/gateway-harness';

forEachDatabase((_name, getStore) => {
  describe('GET /payments — tenant isolation', () => {
    let h: GatewayHarness;
    beforeAll(async () => {
      h = await createGatewayHarness(getStore());
    });
    afterAll(async () => h.close());

    it("never shows one store's payment to another store's token", async () => {
      const mine = await h.seedPayment({ merchantUid: 'sharedorder1' });
      const other = await h.otherMerchant();
      const res = await h.app.inject({ method: 'POST', url: '/users/getToken', payload: { imp_key: other.apiKey, imp_secret: other.apiSecret } });
      const otherToken = res.json().response.access_token;
      const byImpUid = await h.app.inject({ method: 'GET', url: `/payments/${mine.impUid}`, headers: { Authorization: otherToken } });
      expect(byImpUid.statusCode).toBe(404);
      const byMerchantUid = await h.app.inject({ method: 'GET', url: '/payments/find/sharedorder1', headers: { Authorization: otherToken } });
      expect(byMerchantUid.statusCode).toBe(404);
      // and the owner still sees it
      const own = await h.app.inject({ method: 'GET', url: `/payments/${mine.impUid}`, headers: { Authorization: await h.token() } });
      expect(own.statusCode).toBe(200);
    });

    it('hides test-channel payments unless include_sandbox=true when configured like V1 since 2026-01-26', async () => {
      const { buildGateway } = await import('../../../gateway');
      const strict = await buildGateway({ services: h.services, publicUrl: 'http://gateway.test', assetDir: 'dist/public', hideSandboxByDefault: true });
      try {
        const payment = await h.seedPayment({ sandbox: true });
        const token = await h.token();
        const hidden = await strict.inject({ method: 'GET', url: `/payments/${payment.impUid}`, headers: { Authorization: token } });
        expect(hidden.statusCode).toBe(404);
        const shown = await strict.inject({ method: 'GET', url: `/payments/${payment.impUid}?include_sandbox=true`, headers: { Authorization: token } });
        expect(shown.statusCode).toBe(200);
        // default gateway (hideSandboxByDefault false) shows it without the flag
        const lenient = await h.app.inject({ method: 'GET', url: `/payments/${payment.impUid}`, headers: { Authorization: token } });
        expect(lenient.statusCode).toBe(200);
      } finally {
        await strict.close();
      }
    });
  });
}, { per: 'file' });
