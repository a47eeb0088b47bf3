import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test/support/databases';
import { createGatewayHarness, type GatewayHarness } from '../../../../test/support/gateway-harness';
import { v1SchemaErrors } from '../../../../test/support/openapi';

forEachDatabase((_name, getStore) => {
  describe('POST /users/getToken', () => {
    let h: GatewayHarness;
    beforeEach(async () => {
      h = await createGatewayHarness(getStore());
    });
    afterEach(async () => h.close());

    const getToken = (payload: unknown, contentType = 'application/json') =>
      h.app.inject({
        method: 'POST',
        url: '/users/getToken',
        headers: { 'content-type': contentType },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      });

    it('issues a 30-minute token for a JSON body, valid against the V1 schema', async () => {
      const res = await getToken({ imp_key: h.apiKey, imp_secret: h.apiSecret });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(v1SchemaErrors('post', '/users/getToken', 200, body)).toEqual([]);
      expect(body.code).toBe(0);
      expect(body.message).toBeNull();
      expect(body.response.access_token).toMatch(/^[0-9a-f]{40}$/);
      expect(body.response.now).toBe(Math.floor(h.clock.now().getTime() / 1000));
      expect(body.response.expired_at - body.response.now).toBe(30 * 60);
    });

    it('accepts a form-encoded body', async () => {
      const form = new URLSearchParams({ imp_key: h.apiKey, imp_secret: h.apiSecret }).toString();
      const res = await getToken(form, 'application/x-www-form-urlencoded');
      expect(res.statusCode).toBe(200);
      expect(res.json().response.access_token).toMatch(/^[0-9a-f]{40}$/);
    });

    it('returns the same token while it is valid, extending it by 5 minutes when under 1 minute is left', async () => {
      const first = (await getToken({ imp_key: h.apiKey, imp_secret: h.apiSecret })).json().response;
      h.clock.advance(10 * 60 * 1000);
      const second = (await getToken({ imp_key: h.apiKey, imp_secret: h.apiSecret })).json().response;
      expect(second.access_token).toBe(first.access_token);
      expect(second.expired_at).toBe(first.expired_at);

      h.clock.advance(19 * 60 * 1000 + 30 * 1000); // 30 s left
      const third = (await getToken({ imp_key: h.apiKey, imp_secret: h.apiSecret })).json().response;
      expect(third.access_token).toBe(first.access_token);
      expect(third.expired_at).toBe(first.expired_at + 5 * 60);
    });

    it('issues a new token once the old one has expired, and the old one gets 401', async () => {
      const first = (await getToken({ imp_key: h.apiKey, imp_secret: h.apiSecret })).json().response;
      h.clock.advance(30 * 60 * 1000 + 1000);
      const next = (await getToken({ imp_key: h.apiKey, imp_secret: h.apiSecret })).json().response;
      expect(next.access_token).not.toBe(first.access_token);
      const old = await h.app.inject({ method: 'GET', url: '/payments/imp_000000000000', headers: { Authorization: first.access_token } });
      expect(old.statusCode).toBe(401);
      expect(old.json()).toMatchObject({ code: -1, response: null });
    });
  });
});
