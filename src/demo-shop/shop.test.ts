import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE, formatWon } from './catalogue';
import type { V1Payment } from './gateway-client';
import { newMerchantUid, OrderBook } from './orders';
import { escapeHtml } from './pages';
import { buildDemoShop } from './server';
import { verifyOrderPayment } from './verify';

const credentials = { impCode: 'imp12345678', apiKey: 'key', apiSecret: 'secret-never-shown', channelKey: 'channel-key-x' };
const MERCHANT_UID = /^[A-Za-z0-9]{1,40}$/;

function paidPayment(overrides: Partial<V1Payment> = {}): V1Payment {
  return {
    imp_uid: 'imp_123456789012',
    merchant_uid: 'orderX',
    status: 'paid',
    amount: 1004,
    currency: 'KRW',
    card_name: '신한카드',
    card_number: '424242******4242',
    apply_num: '30001234',
    paid_at: 1_700_000_000,
    fail_reason: null,
    ...overrides,
  };
}

describe('catalogue and merchant_uid', () => {
  it('has a 1,004원 mug and something of at least 50,000원', () => {
    expect(CATALOGUE.find((p) => p.name === '결 머그컵')?.price).toBe(1004);
    expect(CATALOGUE.some((p) => p.price >= 50_000)).toBe(true);
    expect(formatWon(1004)).toBe('1,004원');
    expect(formatWon(52000)).toBe('52,000원');
  });

  it('makes merchant_uids of letters and digits, at most 40 long, all different', () => {
    const uids = new Set(Array.from({ length: 2000 }, () => newMerchantUid()));
    expect(uids.size).toBe(2000);
    for (const uid of uids) expect(uid).toMatch(MERCHANT_UID);
    expect(newMerchantUid(0)).toMatch(/^order0[A-Za-z0-9]{8}$/);
  });

  it('escapes everything it interpolates', () => {
    expect(escapeHtml(`<img src=x onerror="a('b')">&`)).toBe('&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;');
  });
});

describe('verifyOrderPayment', () => {
  const order = () => {
    const book = new OrderBook();
    const o = book.create(CATALOGUE[0]);
    return o;
  };

  it('marks the order paid only for its own paid payment of the right amount', async () => {
    const o = order();
    await verifyOrderPayment(o, 'imp_123456789012', async () => paidPayment({ merchant_uid: o.merchantUid }));
    expect(o.status).toBe('paid');
    expect(o.payment).toMatchObject({ impUid: 'imp_123456789012', cardName: '신한카드', applyNum: '30001234' });
  });

  it('refuses a paid payment with another amount (tampered in the browser)', async () => {
    const o = order();
    await verifyOrderPayment(o, 'imp_123456789012', async () => paidPayment({ merchant_uid: o.merchantUid, amount: 100 }));
    expect(o.status).toBe('amount_mismatch');
    expect(o.failReason).toContain('1,004원');
    expect(o.failReason).toContain('100원');
  });

  it('refuses a payment of another currency', async () => {
    const o = order();
    await verifyOrderPayment(o, 'imp_1', async () => paidPayment({ merchant_uid: o.merchantUid, currency: 'USD' }));
    expect(o.status).toBe('amount_mismatch');
  });

  it("refuses another order's payment", async () => {
    const o = order();
    await verifyOrderPayment(o, 'imp_1', async () => paidPayment({ merchant_uid: 'orderSomeoneElse' }));
    expect(o.status).toBe('failed');
    expect(o.payment).toBeNull();
  });

  it('takes the reason of a declined payment from the gateway, else from the browser', async () => {
    const o = order();
    await verifyOrderPayment(o, 'imp_1', async () => paidPayment({ merchant_uid: o.merchantUid, status: 'failed', fail_reason: '한도초과' }), '무시');
    expect(o).toMatchObject({ status: 'failed', failReason: '한도초과' });
    const o2 = order();
    await verifyOrderPayment(o2, 'imp_1', async () => paidPayment({ merchant_uid: o2.merchantUid, status: 'ready' }), '사용자가 결제를 취소하셨습니다');
    expect(o2).toMatchObject({ status: 'failed', failReason: '사용자가 결제를 취소하셨습니다' });
  });

  it('does not know an unknown imp_uid, and never downgrades a paid order', async () => {
    const o = order();
    await verifyOrderPayment(o, 'imp_nope', async () => null);
    expect(o.status).toBe('failed');
    await verifyOrderPayment(o, 'imp_1', async () => paidPayment({ merchant_uid: o.merchantUid }));
    expect(o.status).toBe('paid');
    await verifyOrderPayment(o, 'imp_2', async () => paidPayment({ merchant_uid: o.merchantUid, status: 'failed' }));
    expect(o.status).toBe('paid');
  });
});

describe('demo shop HTTP (stubbed gateway lookup)', () => {
  let shop: FastifyInstance;
  const payments = new Map<string, V1Payment>();

  beforeAll(async () => {
    shop = await buildDemoShop({
      gatewayUrl: 'http://gateway.test',
      credentials,
      lookupPayment: async (impUid) => payments.get(impUid) ?? null,
    });
  });
  afterAll(() => shop.close());

  async function createOrder(body: unknown) {
    const res = await shop.inject({ method: 'POST', url: '/api/orders', payload: body as object });
    return { status: res.statusCode, body: res.json() };
  }

  it('serves the product page with the SDK from the gateway and never the API secret', async () => {
    const res = await shop.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<html lang="ko">');
    expect(res.body).toContain('src="http://gateway.test/v1/iamport.js"');
    expect(res.body).toContain('"impCode":"imp12345678"');
    expect(res.body).toContain('aria-label="결 머그컵 결제하기"');
    expect(res.body).toContain('1,004원');
    expect(res.body).not.toContain(credentials.apiSecret);
    expect(res.body).not.toContain(credentials.apiKey + '"');
    expect(res.headers['content-security-policy']).toContain("frame-src http://gateway.test");
  });

  it('takes the amount from the catalogue and ignores what the browser sends', async () => {
    const { status, body } = await createOrder({ product_id: 'mug', amount: 1, price: 1, name: '공짜' });
    expect(status).toBe(201);
    expect(body).toMatchObject({ product_id: 'mug', name: '결 머그컵', amount: 1004, status: 'pending' });
    expect(body.merchant_uid).toMatch(MERCHANT_UID);
    const tray = await createOrder({ product_id: 'tray' });
    expect(tray.body.amount).toBe(52000);
    expect(tray.body.merchant_uid).not.toBe(body.merchant_uid);
  });

  it('accepts a form body too and refuses unknown products', async () => {
    const form = await shop.inject({
      method: 'POST',
      url: '/api/orders',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'product_id=ecobag&amount=10',
    });
    expect(form.statusCode).toBe(201);
    expect(form.json().amount).toBe(15000);
    expect((await createOrder({ product_id: 'nope', amount: 10 })).status).toBe(400);
    expect((await createOrder({})).status).toBe(400);
  });

  it('verifies: paid → receipt; tampered amount → 결제 금액 불일치 and not paid', async () => {
    const good = (await createOrder({ product_id: 'mug' })).body;
    payments.set('imp_000000000001', paidPayment({ imp_uid: 'imp_000000000001', merchant_uid: good.merchant_uid }));
    const ok = await shop.inject({ method: 'POST', url: `/api/orders/${good.merchant_uid}/verify`, payload: { imp_uid: 'imp_000000000001' } });
    expect(ok.json()).toMatchObject({ status: 'paid', imp_uid: 'imp_000000000001' });
    const receipt = await shop.inject(`/order/${good.merchant_uid}`);
    expect(receipt.body).toContain('<h1>결제 완료</h1>');
    expect(receipt.body).toContain('1,004원');
    expect(receipt.body).toContain('신한카드 424242******4242');
    expect(receipt.body).toContain('30001234');

    const bad = (await createOrder({ product_id: 'tray' })).body;
    payments.set('imp_000000000002', paidPayment({ imp_uid: 'imp_000000000002', merchant_uid: bad.merchant_uid, amount: 1004 }));
    const mismatch = await shop.inject({ method: 'POST', url: `/api/orders/${bad.merchant_uid}/verify`, payload: { imp_uid: 'imp_000000000002' } });
    expect(mismatch.json().status).toBe('amount_mismatch');
    const page = await shop.inject(`/order/${bad.merchant_uid}`);
    expect(page.body).toContain('<h1>결제 금액 불일치</h1>');
    expect(page.body).not.toContain('결제 완료');
    expect((await shop.inject(`/api/orders/${bad.merchant_uid}`)).json().status).toBe('amount_mismatch');
  });

  it('handles the mobile redirect: verifies, then 303 to the receipt; escapes the message', async () => {
    const order = (await createOrder({ product_id: 'mug' })).body;
    const res = await shop.inject(
      `/order/complete?merchant_uid=${order.merchant_uid}&imp_success=false&error_code=F113&error_msg=${encodeURIComponent('<b>거절</b>')}`,
    );
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/order/${order.merchant_uid}`);
    const page = await shop.inject(`/order/${order.merchant_uid}`);
    expect(page.body).toContain('<h1>결제 실패</h1>');
    expect(page.body).toContain('&lt;b&gt;거절&lt;/b&gt;');
    expect((await shop.inject('/order/complete?merchant_uid=unknown1')).statusCode).toBe(404);
  });

  it('rejects verify calls without a usable imp_uid or for unknown orders', async () => {
    const order = (await createOrder({ product_id: 'mug' })).body;
    expect((await shop.inject({ method: 'POST', url: `/api/orders/${order.merchant_uid}/verify`, payload: {} })).statusCode).toBe(400);
    expect((await shop.inject({ method: 'POST', url: `/api/orders/${order.merchant_uid}/verify`, payload: { imp_uid: '<x>' } })).statusCode).toBe(400);
    expect((await shop.inject({ method: 'POST', url: '/api/orders/nope/verify', payload: { imp_uid: 'imp_1' } })).statusCode).toBe(404);
    expect((await shop.inject('/order/nope')).statusCode).toBe(404);
  });
});
