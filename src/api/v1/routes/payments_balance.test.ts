import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test/support/databases';
import { createGatewayHarness, type GatewayHarness } from '../../../../test/support/gateway-harness';
import { v1EnvelopeErrors, v1SchemaErrors } from '../../../../test/support/openapi';

forEachDatabase((_name, getStore) => {
  describe('GET /payments/{imp_uid}/balance', () => {
    let h: GatewayHarness;
    let token: string;
    beforeAll(async () => {
      h = await createGatewayHarness(getStore());
      token = await h.token();
    });
    afterAll(async () => h.close());

    it('answers 501 in the envelope for a Smartro payment, naming the PG, never a balance', async () => {
      const payment = await h.seedPayment();
      const res = await h.app.inject({ method: 'GET', url: `/payments/${payment.impUid}/balance`, headers: { Authorization: token } });
      expect(res.statusCode).toBe(501);
      expect(res.json()).toEqual({
        code: 1,
        message: '결제 잔액 조회는 PAYCO 결제건만 지원합니다. 이 결제의 PG사(smartro_v2)는 잔액 조회를 지원하지 않습니다.',
        response: null,
      });
      expect(v1EnvelopeErrors(res.json())).toEqual([]);
    });

    it('answers 404 for an unknown imp_uid and 401 without a token', async () => {
      const missing = await h.app.inject({ method: 'GET', url: '/payments/imp_000000000000/balance', headers: { Authorization: token } });
      expect(missing.statusCode).toBe(404);
      expect(v1SchemaErrors('get', '/payments/{imp_uid}/balance', 404, missing.json())).toEqual([]);
      const anonymous = await h.app.inject({ method: 'GET', url: '/payments/imp_000000000000/balance' });
      expect(anonymous.statusCode).toBe(401);
    });
  });
}, { per: 'file' });
