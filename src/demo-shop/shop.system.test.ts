import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payMobile } from '../../test/integration/flow';
import { restClient, startTestSystem, systemDatabases, type TestSystem } from '../../test/support/system';
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

  it('a ready payment reported with PG_TIMEOUT by the browser is being confirmed, not failed', async () => {
    const timedOut = await createOrder('mug');
    const readyUid = await openSession(timedOut.merchant_uid, timedOut.amount);
    const res = await shop(`/api/orders/${timedOut.merchant_uid}/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ imp_uid: readyUid, error_code: 'PG_TIMEOUT' }),
    });
    expect(((await res.json()) as { status: string }).status).toBe('confirming');
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

/** The shop's pages after a real mobile payment through gateway and simulator. */
describe.each(systemDatabases())('demo shop result pages after a real mobile payment (%s)', (db) => {
  let system: TestSystem;
  beforeAll(async () => {
    // A short PG timeout so the late-approval card answers PG_TIMEOUT in 1.5 s instead of 5. The
    // reconciler's timer is left idle: the test runs its pass when the payment should still be open.
    system = await startTestSystem({ db, pgTimeoutMs: 1500, simulatorHangMs: 4000, env: { GYEOL_RECONCILE_INTERVAL_MS: '600000' } });
  });
  afterAll(async () => {
    await system?.close();
  });

  /** Orders on the shop, pays through the gateway's mobile flow, follows the redirect back to the shop. */
  async function payOrder(card: string) {
    const created = await fetch(`${system.shopUrl}/api/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ product_id: 'mug' }),
    });
    const order = (await created.json()) as { merchant_uid: string; amount: number };
    const result = await payMobile(system, { card, merchantUid: order.merchant_uid, amount: order.amount });
    expect(result.redirect.origin).toBe(system.shopUrl);
    const complete = await fetch(result.redirect, { redirect: 'manual' });
    expect(complete.status).toBe(303);
    const pageUrl = `${system.shopUrl}${complete.headers.get('location')}`;
    return { merchantUid: order.merchant_uid, result, pageUrl, page: async () => (await fetch(pageUrl)).text() };
  }

  it('PG timeout: 결제 확인 중 (also after 다시 확인, never 결제 실패), then the receipt once the reconciler settles it', async () => {
    const paid = await payOrder('4000 0000 0000 0101');
    expect(paid.result.query).toMatchObject({ imp_success: 'false', error_code: 'PG_TIMEOUT' });
    const rest = await restClient(system);
    expect((await rest.get(`/payments/${paid.result.impUid}?include_sandbox=true`)).body.response.status).toBe('ready');

    let html = await paid.page();
    expect(html).toContain('<h1>결제 확인 중</h1>');
    expect(html).toContain('다시 확인');
    expect(html).not.toContain('결제 실패');

    // 다시 확인 asks GET /payments/{imp_uid} again: still ready, so still 결제 확인 중.
    const recheck = await fetch(`${system.shopUrl}/order/${paid.merchantUid}/recheck`, { method: 'POST', redirect: 'manual' });
    expect(recheck.status).toBe(303);
    expect(recheck.headers.get('location')).toBe(`/order/${paid.merchantUid}`);
    html = await paid.page();
    expect(html).toContain('<h1>결제 확인 중</h1>');
    expect(html).not.toContain('결제 실패');
    const order = await (await fetch(`${system.shopUrl}/api/orders/${paid.merchantUid}`)).json();
    expect(order).toMatchObject({ status: 'confirming', imp_uid: paid.result.impUid });

    // The simulator approved at once (its answer was only late): the reconciler's pass finds it paid.
    expect(await system.reconciler.runOnce()).toMatchObject({ settled: 1 });
    expect((await rest.get(`/payments/${paid.result.impUid}`)).body.response.status).toBe('paid');
    await fetch(`${system.shopUrl}/order/${paid.merchantUid}/recheck`, { method: 'POST', redirect: 'manual' });
    html = await paid.page();
    expect(html).toContain('<h1>결제 완료</h1>');
    expect(html).not.toContain('결제 확인 중');
  });

  it('a declined card: 결제 실패 with the reason from the gateway', async () => {
    const declined = await payOrder('4000 0000 0000 0002');
    expect(declined.result.query.imp_success).toBe('false');
    const html = await declined.page();
    expect(html).toContain('<h1>결제 실패</h1>');
    expect(html).not.toContain('결제 확인 중');
  });

  it('an approved card: the receipt', async () => {
    const approved = await payOrder('4242 4242 4242 4242');
    expect(approved.result.query.imp_success).toBe('true');
    const html = await approved.page();
    expect(html).toContain('<h1>결제 완료</h1>');
    expect(html).toContain('1,004원');
  });
});
