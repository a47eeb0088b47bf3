import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test/support/databases';
import { createGatewayHarness, type GatewayHarness } from '../../../../test/support/gateway-harness';
import { v1EnvelopeErrors, v1SchemaErrors } from '../../../../test/support/openapi';

forEachDatabase((_name, getStore) => {
  describe('POST|PUT /payments/prepare, GET /payments/prepare/{merchant_uid}', () => {
    let h: GatewayHarness;
    let token: string;
    beforeAll(async () => {
      h = await createGatewayHarness(getStore());
      token = await h.token();
    });
    afterAll(async () => h.close());

    const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
      h.app.inject({ method, url, headers: { Authorization: `Bearer ${token}`, ...headers }, ...(payload === undefined ? {} : { payload: payload as string }) });

    it('registers an amount (JSON), reads it back, and changes it with PUT', async () => {
      const posted = await call('POST', '/payments/prepare', { merchant_uid: 'prep1', amount: 15000 });
      expect(posted.statusCode).toBe(200);
      expect(posted.json()).toEqual({ code: 0, message: null, response: { merchant_uid: 'prep1', amount: 15000, currency: null } });
      expect(v1SchemaErrors('post', '/payments/prepare', 200, posted.json())).toEqual([]);

      const got = await call('GET', '/payments/prepare/prep1');
      expect(got.json()).toEqual(posted.json());
      expect(v1SchemaErrors('get', '/payments/prepare/{merchant_uid}', 200, got.json())).toEqual([]);

      const put = await call('PUT', '/payments/prepare', { merchant_uid: 'prep1', amount: 12000, currency: 'KRW' });
      expect(put.statusCode).toBe(200);
      expect(put.json().response).toEqual({ merchant_uid: 'prep1', amount: 12000, currency: 'KRW' });
      expect(v1SchemaErrors('put', '/payments/prepare', 200, put.json())).toEqual([]);
      expect((await call('GET', '/payments/prepare/prep1')).json().response).toEqual({ merchant_uid: 'prep1', amount: 12000, currency: 'KRW' });
    });

    it('takes a form body, as the form-posting clients send it', async () => {
      const res = await call('POST', '/payments/prepare', 'merchant_uid=prepform&amount=3000&currency=KRW', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().response).toEqual({ merchant_uid: 'prepform', amount: 3000, currency: 'KRW' });
    });

    it('refuses a second POST of one merchant_uid, keeping the first amount', async () => {
      await call('POST', '/payments/prepare', { merchant_uid: 'prep2', amount: 1000 });
      const again = await call('POST', '/payments/prepare', { merchant_uid: 'prep2', amount: 2000 });
      expect(again.statusCode).toBe(400);
      expect(again.json()).toEqual({
        code: 1,
        message: '이미 사전 등록된 merchant_uid입니다. 금액을 바꾸려면 PUT /payments/prepare를 사용해 주세요.',
        response: null,
      });
      expect(v1EnvelopeErrors(again.json())).toEqual([]);
      expect((await call('GET', '/payments/prepare/prep2')).json().response.amount).toBe(1000);
    });

    it('answers 404 in the envelope for PUT and GET of a merchant_uid never registered', async () => {
      for (const res of [await call('PUT', '/payments/prepare', { merchant_uid: 'neverprep', amount: 1 }), await call('GET', '/payments/prepare/neverprep')]) {
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({ code: 1, message: '사전 등록된 결제정보가 없습니다.', response: null });
      }
      expect(await h.store.paymentPrepares.find(h.merchant.id, 'neverprep')).toBeNull();
    });

    it('refuses bad input with 400 naming the field, and stores nothing', async () => {
      const cases: [unknown, string][] = [
        [{ amount: 1000 }, 'merchant_uid'],
        [{ merchant_uid: 'bad1' }, 'amount'],
        [{ merchant_uid: 'bad1', amount: 'abc' }, 'amount'],
        [{ merchant_uid: 'bad1', amount: 10.5 }, 'amount'],
        [{ merchant_uid: 'bad1', amount: -1 }, 'amount'],
        [{ merchant_uid: 'bad1', amount: 1000, currency: 'XYZ' }, 'currency'],
      ];
      for (const [payload, field] of cases) {
        const res = await call('POST', '/payments/prepare', payload);
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
        expect(res.json().message, JSON.stringify(payload)).toContain(field);
        expect(v1EnvelopeErrors(res.json())).toEqual([]);
      }
      expect(await h.store.paymentPrepares.find(h.merchant.id, 'bad1')).toBeNull();
    });

    it('keeps stores apart and needs a token', async () => {
      await call('POST', '/payments/prepare', { merchant_uid: 'mine', amount: 500 });
      const other = await h.otherMerchant();
      const otherToken = (
        await h.app.inject({ method: 'POST', url: '/users/getToken', payload: { imp_key: other.apiKey, imp_secret: other.apiSecret } })
      ).json().response.access_token;
      const seen = await h.app.inject({ method: 'GET', url: '/payments/prepare/mine', headers: { Authorization: otherToken } });
      expect(seen.statusCode).toBe(404);
      const anonymous = await h.app.inject({ method: 'GET', url: '/payments/prepare/mine' });
      expect(anonymous.statusCode).toBe(401);
      expect(v1SchemaErrors('get', '/payments/prepare/{merchant_uid}', 401, anonymous.json())).toEqual([]);
    });
  });
}, { per: 'file' });
