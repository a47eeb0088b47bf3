import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSystem, systemDatabases, type TestSystem } from '../../test/support/system';
import pino from 'pino';
import { GatewayApiError, GatewayClient } from './gateway-client';
import { buildDemoShop } from './server';

/** The shop against a real running system: real getToken, real GET /payments/{imp_uid}. */
describe.each(systemDatabases())('demo shop against the real gateway (%s)', (db) => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem({ db });
  });
  afterAll(async () => {
    await system?.close();
  });

  async function shop(path: string, init?: RequestInit) {
    return fetch(`${system.shopUrl}${path}`, { redirect: 'manual', ...init });
  }
  async function createOrder(productId: string) {
    const res = await shop('/api/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ product_id: productId, amount: 1 }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { merchant_uid: string; amount: number; name: string };
  }
  async function verify(merchantUid: string, impUid: string) {
    const res = await shop(`/api/orders/${merchantUid}/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ imp_uid: impUid }),
    });
    return { status: res.status, body: (await res.json()) as { status: string; fail_reason: string | null } };
  }
  /** Opens a checkout session the way the SDK does: a `ready` payment with a real imp_uid. */
  async function openSession(merchantUid: string, amount: number) {
    const res = await fetch(`${system.gatewayUrl}/checkout/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: system.shopUrl },
      body: JSON.stringify({
        user_code: system.demo.impCode,
        mode: 'pc',
        page_url: `${system.shopUrl}/`,
        params: {
          channelKey: system.demo.channelKey,
          pay_method: 'card',
          merchant_uid: merchantUid,
          name: '결 머그컵',
          amount,
          buyer_name: '홍길동',
          buyer_tel: '010-1234-5678',
          buyer_email: 'buyer@example.com',
        },
      }),
    });
    const body = (await res.json()) as { code: number; message: string | null; response: { imp_uid: string } };
    expect(body, JSON.stringify(body)).toMatchObject({ code: 0 });
    return body.response.imp_uid;
  }

  it('serves the product page that loads the SDK from the gateway', async () => {
    const res = await shop('/');
    const html = await res.text();
    expect(html).toContain(`src="${system.gatewayUrl}/v1/iamport.js"`);
    expect(html).toContain(system.demo.impCode);
    expect(html).not.toContain(system.demo.apiSecret);
    const sdk = await fetch(`${system.gatewayUrl}/v1/iamport.js`);
    expect(sdk.status).toBe(200);
  });

  it('an unknown imp_uid never pays the order', async () => {
    const order = await createOrder('mug');
    const { status, body } = await verify(order.merchant_uid, 'imp_000000000000');
    expect(status).toBe(200);
    expect(body.status).toBe('failed');
    expect(body.fail_reason).toContain('찾을 수 없습니다');
    const page = await (await shop(`/order/${order.merchant_uid}`)).text();
    expect(page).toContain('결제 실패');
    expect(page).not.toContain('결제 완료');
  });

  it('a payment whose window was never completed (ready) does not pay the order', async () => {
    const order = await createOrder('mug');
    const impUid = await openSession(order.merchant_uid, order.amount);
    const { body } = await verify(order.merchant_uid, impUid);
    expect(body.status).toBe('failed');
    expect(body.fail_reason).toBe('결제가 완료되지 않았습니다');
  });

  it("another order's payment does not pay this order", async () => {
    const mine = await createOrder('mug');
    const other = await createOrder('mug');
    const impUid = await openSession(other.merchant_uid, other.amount);
    const { body } = await verify(mine.merchant_uid, impUid);
    expect(body.status).toBe('failed');
    expect(body.fail_reason).toContain('주문번호 불일치');
  });

  it('mobile redirect without imp_uid (nothing created) shows the error on the result page', async () => {
    const order = await createOrder('tray');
    const res = await shop(
      `/order/complete?merchant_uid=${order.merchant_uid}&imp_success=false&error_code=USER_CANCELLED&error_msg=${encodeURIComponent('사용자가 결제를 취소하셨습니다')}`,
    );
    expect(res.status).toBe(303);
    const page = await (await shop(res.headers.get('location')!)).text();
    expect(page).toContain('결제 실패');
    expect(page).toContain('사용자가 결제를 취소하셨습니다');
  });

  it('the REST client caches its token until shortly before expired_at', async () => {
    let now = Date.now();
    const client = new GatewayClient({
      baseUrl: system.gatewayUrl,
      apiKey: system.demo.apiKey,
      apiSecret: system.demo.apiSecret,
      now: () => now,
    });
    expect(await client.getPayment('imp_000000000000')).toBeNull();
    expect(await client.getPayment('imp_000000000001')).toBeNull();
    const token = await client.accessToken();
    expect(client.tokenRequests).toBe(1);
    now += 29 * 60_000; // 30-minute tokens, renewed 30 s before expiry
    await client.accessToken();
    expect(client.tokenRequests).toBe(1);
    now += 60_000;
    const again = await client.accessToken();
    expect(client.tokenRequests).toBe(2);
    expect(again).toBe(token); // the gateway's clock did not move: same token while valid
  });

  it('the REST client reports bad credentials without leaking the secret', async () => {
    const client = new GatewayClient({ baseUrl: system.gatewayUrl, apiKey: system.demo.apiKey, apiSecret: 'wrong-secret-zz' });
    const err = await client.getPayment('imp_000000000000').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayApiError);
    expect((err as GatewayApiError).httpStatus).toBe(401);
    expect(String((err as Error).message)).not.toContain('wrong-secret-zz');
  });
});

describe.each(systemDatabases())('demo shop logging (%s)', (db) => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem({ db });
  });
  afterAll(async () => {
    await system?.close();
  });

  it('logs verifications and gateway failures without the API secret', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
    for (const apiSecret of [system.demo.apiSecret, 'wrong-secret-for-log-test']) {
      const shop = await buildDemoShop({ gatewayUrl: system.gatewayUrl, credentials: { ...system.demo, apiSecret }, logger });
      try {
        const order = await shop.inject({ method: 'POST', url: '/api/orders', payload: { product_id: 'mug' } });
        const verify = await shop.inject({
          method: 'POST',
          url: `/api/orders/${order.json().merchant_uid}/verify`,
          payload: { imp_uid: 'imp_000000000000' },
        });
        expect(verify.statusCode).toBe(apiSecret === system.demo.apiSecret ? 200 : 502);
      } finally {
        await shop.close();
      }
    }
    const log = lines.join('');
    expect(log).toContain('demo shop: order verified');
    expect(log).toContain('demo shop: payment verification failed');
    expect(log).not.toContain(system.demo.apiSecret);
    expect(log).not.toContain('wrong-secret-for-log-test');
  });
});
