import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachDatabase } from '../../test/support/databases';
import { createGatewayHarness, type GatewayHarness } from '../../test/support/gateway-harness';

const MERCHANT_ORIGIN = 'http://shop.test:4002';

forEachDatabase((_name, getStore) => {
  describe('checkout against a /payments/prepare amount', () => {
    let h: GatewayHarness;
    let token: string;
    beforeAll(async () => {
      h = await createGatewayHarness(getStore());
      token = await h.token();
    });
    afterAll(async () => h.close());

    const prepare = (body: Record<string, unknown>) =>
      h.app.inject({ method: 'POST', url: '/payments/prepare', headers: { Authorization: token }, payload: body });

    const open = (merchantUid: string, amount: number, extra: Record<string, unknown> = {}) =>
      h.app.inject({
        method: 'POST',
        url: '/checkout/sessions',
        headers: { origin: MERCHANT_ORIGIN, 'content-type': 'application/json' },
        payload: {
          user_code: h.merchant.impCode,
          params: {
            channelKey: h.channel.channelKey,
            pay_method: 'card',
            merchant_uid: merchantUid,
            name: '결 머그컵',
            amount,
            buyer_name: '홍길동',
            buyer_tel: '010-1234-5678',
            ...extra,
          },
          mode: 'pc',
          page_url: `${MERCHANT_ORIGIN}/`,
        },
      });

    it('refuses a window whose amount differs from the prepared one, naming amount, and creates nothing', async () => {
      expect((await prepare({ merchant_uid: 'prepared1', amount: 1000 })).statusCode).toBe(200);
      const res = await open('prepared1', 100);
      expect(res.statusCode).toBe(400);
      const body = res.json();
      expect(body.message).toBe('amount: 사전 등록된 결제금액(1000)과 요청 금액(100)이 일치하지 않습니다');
      expect(body.response).toMatchObject({
        success: false,
        imp_uid: null,
        merchant_uid: 'prepared1',
        error_code: 'PREPARED_AMOUNT_MISMATCH',
        error_msg: 'amount: 사전 등록된 결제금액(1000)과 요청 금액(100)이 일치하지 않습니다',
      });
      expect(await h.store.payments.findByMerchantUid(h.merchant.id, 'prepared1')).toBeNull();
    });

    it('opens the window for the prepared amount, and for an order never prepared', async () => {
      await prepare({ merchant_uid: 'prepared2', amount: 2000 });
      const same = await open('prepared2', 2000);
      expect(same.statusCode).toBe(200);
      expect((await h.store.payments.findByImpUid(h.merchant.id, same.json().response.imp_uid))?.amount).toBe(2000);
      expect((await open('notprepared', 777)).statusCode).toBe(200);
    });

    it('follows a PUT: the new amount opens, the old one is refused', async () => {
      await prepare({ merchant_uid: 'prepared3', amount: 3000 });
      await h.app.inject({ method: 'PUT', url: '/payments/prepare', headers: { Authorization: token }, payload: { merchant_uid: 'prepared3', amount: 3500 } });
      expect((await open('prepared3', 3000)).statusCode).toBe(400);
      expect((await open('prepared3', 3500)).statusCode).toBe(200);
    });

    it('checks the currency only when one was prepared', async () => {
      await prepare({ merchant_uid: 'prepared4', amount: 4000, currency: 'USD' });
      const res = await open('prepared4', 4000);
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toBe('currency: 사전 등록된 통화(USD)와 요청 통화(KRW)가 일치하지 않습니다');
      expect(await h.store.payments.findByMerchantUid(h.merchant.id, 'prepared4')).toBeNull();
    });

    it("does not apply another store's prepared amount", async () => {
      const other = await h.otherMerchant();
      const otherToken = (
        await h.app.inject({ method: 'POST', url: '/users/getToken', payload: { imp_key: other.apiKey, imp_secret: other.apiSecret } })
      ).json().response.access_token;
      await h.app.inject({ method: 'POST', url: '/payments/prepare', headers: { Authorization: otherToken }, payload: { merchant_uid: 'shared5', amount: 1 } });
      expect((await open('shared5', 5000)).statusCode).toBe(200);
    });
  });
}, { per: 'file' });
