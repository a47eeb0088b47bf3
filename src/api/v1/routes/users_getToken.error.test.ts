import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test/support/databases';
import { createGatewayHarness, type GatewayHarness } from '../../../../test/support/gateway-harness';
import { v1SchemaErrors } from '../../../../test/support/openapi';

forEachDatabase((_name, getStore) => {
  describe('POST /users/getToken — errors', () => {
    let h: GatewayHarness;
    beforeAll(async () => {
      h = await createGatewayHarness(getStore());
    });
    afterAll(async () => h.close());

    it('answers 401 in the V1 envelope for a wrong secret or an unknown key', async () => {
      for (const payload of [
        { imp_key: h.apiKey, imp_secret: `${h.apiSecret}x` },
        { imp_key: 'no-such-key', imp_secret: h.apiSecret },
      ]) {
        const res = await h.app.inject({ method: 'POST', url: '/users/getToken', payload });
        expect(res.statusCode).toBe(401);
        const body = res.json();
        expect(body).toEqual({ code: -1, message: expect.stringContaining('imp_key'), response: null });
        expect(v1SchemaErrors('post', '/users/getToken', 401, body)).toEqual([]);
      }
    });

    it('names the missing field and writes nothing', async () => {
      const before = await h.store.accessTokens.findLatestValid(h.merchant.id, h.clock.now());
      const res = await h.app.inject({ method: 'POST', url: '/users/getToken', payload: { imp_key: h.apiKey } });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ code: -1, message: 'imp_secret: 필수 입력값입니다', response: null });
      expect(await h.store.accessTokens.findLatestValid(h.merchant.id, h.clock.now())).toEqual(before);
    });

    it('answers malformed JSON, wrong types and odd content types with 4xx envelopes, never 500', async () => {
      const cases = [
        { headers: { 'content-type': 'application/json' }, payload: '{"imp_key":' },
        { headers: { 'content-type': 'application/json' }, payload: '{"imp_key":{"a":1},"imp_secret":[1]}' },
        { headers: { 'content-type': 'text/plain' }, payload: 'imp_key=1' },
        { headers: { 'content-type': 'application/json' }, payload: 'null' },
        { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '%%%' },
      ];
      for (const c of cases) {
        const res = await h.app.inject({ method: 'POST', url: '/users/getToken', ...c });
        expect(res.statusCode, c.payload).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, c.payload).toBeLessThan(500);
        expect(res.json(), c.payload).toMatchObject({ code: -1, response: null });
        expect(typeof res.json().message).toBe('string');
      }
    });
  });
}, { per: 'file' });
