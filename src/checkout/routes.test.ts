import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachDatabase } from '../../test/support/databases';
import { createGatewayHarness, type GatewayHarness } from '../../test/support/gateway-harness';

const MERCHANT_ORIGIN = 'http://shop.test:4002';

forEachDatabase((_name, getStore) => {
  describe('checkout session API and window', () => {
    let h: GatewayHarness;
    beforeAll(async () => {
      h = await createGatewayHarness(getStore());
    });
    afterAll(async () => h.close());

    const params = (overrides: Record<string, unknown> = {}) => ({
      channelKey: h.channel.channelKey,
      pay_method: 'card',
      merchant_uid: `order${Math.floor(Math.random() * 1e9)}`,
      name: '결 머그컵',
      amount: 1004,
      buyer_name: '홍길동',
      buyer_tel: '010-1234-5678',
      buyer_email: 'buyer@example.com',
      ...overrides,
    });

    const open = (p: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      h.app.inject({
        method: 'POST',
        url: '/checkout/sessions',
        headers: { origin: MERCHANT_ORIGIN, 'content-type': 'application/json' },
        payload: { user_code: h.merchant.impCode, params: p, mode: 'pc', page_url: `${MERCHANT_ORIGIN}/`, ...extra },
      });

    const countPayments = async (merchantUid: string) => {
      const found = await h.store.payments.findByMerchantUid(h.merchant.id, merchantUid);
      return found ? 1 : 0;
    };

    it('answers the CORS preflight of any merchant origin', async () => {
      const res = await h.app.inject({
        method: 'OPTIONS',
        url: '/checkout/sessions',
        headers: { origin: MERCHANT_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      expect(res.statusCode).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(MERCHANT_ORIGIN);
      expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toContain('content-type');
    });

    it('opens a session: a ready payment with a new imp_uid and a window URL on the gateway', async () => {
      const p = params();
      const res = await open(p);
      expect(res.statusCode).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe(MERCHANT_ORIGIN);
      const body = res.json();
      expect(body.code).toBe(0);
      expect(body.response.imp_uid).toMatch(/^imp_\d{12}$/);
      expect(body.response.window_url).toMatch(/^http:\/\/gateway\.test\/checkout\/[A-Za-z0-9_-]{20,}$/);
      const payment = await h.store.payments.findByImpUid(h.merchant.id, body.response.imp_uid);
      expect(payment).toMatchObject({ status: 'ready', merchantUid: p.merchant_uid, amount: 1004, channel: 'pc', sandbox: true });
    });

    it('refuses invalid params before any window opens, naming the field, and creates nothing', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [params({ merchant_uid: 'order-1' }), 'merchant_uid'],
        [params({ amount: '1004' }), 'amount'],
        [params({ amount: undefined }), 'amount'],
        [params({ buyer_tel: undefined }), 'buyer_tel'],
        [params({ currency: 'USD' }), 'currency'],
        [params({ channelKey: 'channel-key-nope' }), 'channelKey'],
      ];
      for (const [p, field] of cases) {
        const res = await open(p);
        expect(res.statusCode, field).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, field).toBeLessThan(500);
        const body = res.json();
        expect(body.code, field).not.toBe(0);
        expect(body.response.success).toBe(false);
        expect(body.response.imp_uid).toBeNull();
        expect(body.response.error_code, field).toBeTruthy();
        expect(body.response.error_msg, field).toContain(field);
        if (typeof p.merchant_uid === 'string') expect(await countPayments(p.merchant_uid)).toBe(0);
      }
    });

    it('selects the channel by channelKey, by the deprecated pg ("smartro_v2", "smartro_v2.{MID}") or the default', async () => {
      for (const selector of [{ pg: 'smartro_v2' }, { pg: 'smartro_v2.gyeolsim01' }, {}]) {
        const res = await open({ ...params({ channelKey: undefined }), ...selector });
        expect(res.statusCode, JSON.stringify(selector)).toBe(200);
      }
      const wrongMid = await open({ ...params({ channelKey: undefined }), pg: 'smartro_v2.OTHERMID01' });
      expect(wrongMid.json().response.error_code).toBe('CHANNEL_NOT_FOUND');
      expect(wrongMid.json().response.error_msg).toContain('pg');
      const otherPg = await open({ ...params({ channelKey: undefined }), pg: 'kcp' });
      expect(otherPg.json().response.error_code).toBe('UNSUPPORTED_PG');
    });

    it('requires m_redirect_url in mobile mode and knows the store by user_code', async () => {
      const mobile = await open(params(), { mode: 'mobile' });
      expect(mobile.json().response.error_msg).toContain('m_redirect_url');
      const unknownStore = await open(params(), { user_code: 'imp00000000' });
      expect(unknownStore.statusCode).toBe(404);
      expect(unknownStore.json().response.error_code).toBe('STORE_NOT_FOUND');
    });

    it('refuses a merchant_uid that is already paid, creating nothing', async () => {
      const paid = await h.seedPayment({ merchantUid: 'paidorder1', status: 'paid' });
      const res = await open(params({ merchant_uid: 'paidorder1' }));
      expect(res.statusCode).toBe(409);
      expect(res.json().response).toMatchObject({ error_code: 'MERCHANT_UID_ALREADY_PAID', merchant_uid: 'paidorder1', imp_uid: null });
      const latest = await h.store.payments.findByMerchantUid(h.merchant.id, 'paidorder1');
      expect(latest?.impUid).toBe(paid.impUid);
    });

    it('serves a window page that carries the signed Smartro form but never the merchant key', async () => {
      const res = await open(params());
      const windowPath = new URL(res.json().response.window_url).pathname;
      const page = await h.app.inject({ method: 'GET', url: windowPath });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toContain('text/html');
      expect(page.headers['content-security-policy']).toContain(`frame-ancestors ${MERCHANT_ORIGIN}`);
      expect(page.body).toContain('lang="ko"');
      expect(page.body).toContain('EncryptData');
      expect(page.body).toContain('http://simulator.test/asset/js/SmartroPAY-1.0.min.js');
      expect(page.body).not.toContain('k'.repeat(48));
      expect(page.body).toContain('1,004');
    });

    it('ends a window the buyer closed as a failed payment and tells the merchant page, once', async () => {
      const opened = (await open(params())).json().response;
      const returnPath = `${new URL(opened.window_url).pathname}/return`;
      const first = await h.app.inject({
        method: 'POST',
        url: returnPath,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'ResultCode=U999&ResultMsg=cancel',
      });
      expect(first.statusCode).toBe(200);
      expect(first.body).toContain('gyeol-result');
      expect(first.body).toContain(JSON.stringify(MERCHANT_ORIGIN));
      expect(first.body).toContain('USER_CANCELLED');
      const payment = await h.store.payments.findByImpUid(h.merchant.id, opened.imp_uid);
      expect(payment).toMatchObject({ status: 'failed', failReason: '[결제포기] 사용자가 결제를 취소하셨습니다' });
      // a replay changes nothing and answers the same
      const again = await h.app.inject({ method: 'POST', url: returnPath, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'Tid=x&TrAuthKey=y' });
      expect(again.statusCode).toBe(200);
      expect(again.body).toContain('USER_CANCELLED');
    });

    it('redirects a mobile abort to m_redirect_url with imp_success=false and the error', async () => {
      const res = await open(params({ m_redirect_url: `${MERCHANT_ORIGIN}/order/complete?from=app` }), { mode: 'mobile' });
      const opened = res.json().response;
      const stop = await h.app.inject({ method: 'GET', url: `${new URL(opened.window_url).pathname}/stop` });
      expect(stop.statusCode).toBe(302);
      const location = new URL(stop.headers.location as string);
      expect(location.origin + location.pathname).toBe(`${MERCHANT_ORIGIN}/order/complete`);
      expect(Object.fromEntries(location.searchParams)).toMatchObject({
        from: 'app',
        imp_uid: opened.imp_uid,
        merchant_uid: opened.merchant_uid,
        imp_success: 'false',
        error_code: 'USER_CANCELLED',
      });
    });

    it('refuses an expired window and ends its return as CHECKOUT_SESSION_EXPIRED without touching the payment', async () => {
      const opened = (await open(params())).json().response;
      const windowPath = new URL(opened.window_url).pathname;
      h.clock.advance(31 * 60 * 1000);
      try {
        const page = await h.app.inject({ method: 'GET', url: windowPath });
        expect(page.statusCode).toBe(410);
        expect(page.body).toContain('결제창 세션이 만료되었습니다');
        const ret = await h.app.inject({ method: 'POST', url: `${windowPath}/return`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'Tid=x&TrAuthKey=y' });
        expect(ret.statusCode).toBe(200);
        expect(ret.body).toContain('CHECKOUT_SESSION_EXPIRED');
        const payment = await h.store.payments.findByImpUid(h.merchant.id, opened.imp_uid);
        expect(payment).toMatchObject({ status: 'ready', approvalState: 'none' });
      } finally {
        h.clock.advance(-31 * 60 * 1000);
      }
    });

    it('shows a Korean error page for an unknown session and answers bad bodies in the envelope', async () => {
      const page = await h.app.inject({ method: 'GET', url: '/checkout/nope' });
      expect(page.statusCode).toBe(404);
      expect(page.body).toContain('결제창 세션을 찾을 수 없습니다');
      const bad = await h.app.inject({ method: 'POST', url: '/checkout/sessions', headers: { 'content-type': 'application/json', origin: MERCHANT_ORIGIN }, payload: '{' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().response.error_code).toBe('INVALID_PARAMETER');
      const noParams = await h.app.inject({ method: 'POST', url: '/checkout/sessions', headers: { origin: MERCHANT_ORIGIN }, payload: { user_code: h.merchant.impCode } });
      expect(noParams.statusCode).toBe(400);
      expect(noParams.json().response.error_msg).toContain('params');
    });
  });
}, { per: 'file' });
