import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE, formatWon } from './catalogue';
import type { V1Payment } from './gateway-client';
import { newMerchantUid, OrderBook } from './orders';
import { escapeHtml } from './pages';
import { buildDemoShop, vbankDueFrom } from './server';
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
    await verifyOrderPayment(o, 'imp_1', async () => paidPayment({ merchant_uid: o.merchantUid, status: 'failed', fail_reason: '한도초과' }), { errorMsg: '무시' });
    expect(o).toMatchObject({ status: 'failed', failReason: '한도초과' });
    const o2 = order();
    await verifyOrderPayment(o2, 'imp_1', async () => paidPayment({ merchant_uid: o2.merchantUid, status: 'ready' }), {
      errorCode: 'USER_CANCELLED',
      errorMsg: '사용자가 결제를 취소하셨습니다',
    });
    expect(o2).toMatchObject({ status: 'failed', failReason: '사용자가 결제를 취소하셨습니다' });
  });

  it('a ready payment after PG_TIMEOUT or PG_FAULT is being confirmed, not failed, until the gateway knows', async () => {
    for (const errorCode of ['PG_TIMEOUT', 'PG_FAULT']) {
      const o = order();
      let status = 'ready';
      const lookup = async () => paidPayment({ merchant_uid: o.merchantUid, status, fail_reason: status === 'failed' ? '카드사 승인 거절' : null });
      await verifyOrderPayment(o, 'imp_1', lookup, { errorCode, errorMsg: 'PG사 응답이 지연되고 있습니다.' });
      expect(o).toMatchObject({ status: 'confirming', failReason: null });
      // A later check without the browser's hint (다시 확인, webhook) keeps it so while still ready.
      await verifyOrderPayment(o, 'imp_1', lookup);
      expect(o.status).toBe('confirming');
      status = 'failed';
      await verifyOrderPayment(o, 'imp_1', lookup);
      expect(o).toMatchObject({ status: 'failed', failReason: '카드사 승인 거절' });
    }
    const o = order();
    await verifyOrderPayment(o, 'imp_1', async () => paidPayment({ merchant_uid: o.merchantUid, status: 'ready' }), { errorCode: 'PG_TIMEOUT' });
    await verifyOrderPayment(o, 'imp_1', async () => paidPayment({ merchant_uid: o.merchantUid }));
    expect(o.status).toBe('paid');
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

describe('demo shop: a payment whose PG outcome is being confirmed (stubbed gateway lookup)', () => {
  let shop: FastifyInstance;
  const payments = new Map<string, V1Payment>();
  let gatewayDown = false;

  beforeAll(async () => {
    shop = await buildDemoShop({
      gatewayUrl: 'http://gateway.test',
      credentials,
      lookupPayment: async (impUid) => {
        if (gatewayDown) throw new Error('connect ECONNREFUSED');
        return payments.get(impUid) ?? null;
      },
    });
  });
  afterAll(() => shop.close());

  async function orderWithReadyPayment(impUid: string) {
    const order = (await shop.inject({ method: 'POST', url: '/api/orders', payload: { product_id: 'mug' } })).json();
    payments.set(impUid, paidPayment({ imp_uid: impUid, merchant_uid: order.merchant_uid, status: 'ready', paid_at: 0, apply_num: null }));
    return order.merchant_uid as string;
  }
  const page = async (merchantUid: string, query = '') => (await shop.inject(`/order/${merchantUid}${query}`)).body;
  const recheck = (merchantUid: string) => shop.inject({ method: 'POST', url: `/order/${merchantUid}/recheck` });

  it('mobile PG_TIMEOUT: 결제 확인 중 with 다시 확인, never 결제 실패; 다시 확인 shows the receipt once paid', async () => {
    const merchantUid = await orderWithReadyPayment('imp_000000000101');
    const redirect = await shop.inject(
      `/order/complete?imp_uid=imp_000000000101&merchant_uid=${merchantUid}&imp_success=false&error_code=PG_TIMEOUT&error_msg=${encodeURIComponent('PG사 응답이 지연되고 있습니다.')}`,
    );
    expect(redirect.statusCode).toBe(303);
    let html = await page(merchantUid);
    expect(html).toContain('<h1>결제 확인 중</h1>');
    expect(html).toContain(`<form method="post" action="/order/${merchantUid}/recheck">`);
    expect(html).toContain('<button type="submit">다시 확인</button>');
    expect(html).not.toContain('결제 실패');
    expect((await shop.inject(`/api/orders/${merchantUid}`)).json()).toMatchObject({ status: 'confirming', imp_uid: 'imp_000000000101' });

    // Still ready at the gateway: 다시 확인 keeps saying 결제 확인 중.
    const first = await recheck(merchantUid);
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe(`/order/${merchantUid}`);
    html = await page(merchantUid);
    expect(html).toContain('<h1>결제 확인 중</h1>');
    expect(html).not.toContain('결제 실패');

    payments.set('imp_000000000101', paidPayment({ imp_uid: 'imp_000000000101', merchant_uid: merchantUid }));
    await recheck(merchantUid);
    html = await page(merchantUid);
    expect(html).toContain('<h1>결제 완료</h1>');
    expect(html).toContain('30001234');
    expect(html).not.toContain('다시 확인');
  });

  it('PC PG_FAULT: the callback verification answers confirming; 다시 확인 shows 결제 실패 once failed', async () => {
    const merchantUid = await orderWithReadyPayment('imp_000000000102');
    const verify = await shop.inject({
      method: 'POST',
      url: `/api/orders/${merchantUid}/verify`,
      payload: { imp_uid: 'imp_000000000102', error_code: 'PG_FAULT', error_msg: 'PG사 응답을 확인할 수 없어 결제를 완료하지 못했습니다.' },
    });
    expect(verify.json()).toMatchObject({ status: 'confirming', fail_reason: null });
    expect(await page(merchantUid)).toContain('<h1>결제 확인 중</h1>');

    payments.set('imp_000000000102', paidPayment({ imp_uid: 'imp_000000000102', merchant_uid: merchantUid, status: 'failed', fail_reason: '카드사 승인 거절' }));
    await recheck(merchantUid);
    const html = await page(merchantUid);
    expect(html).toContain('<h1>결제 실패</h1>');
    expect(html).toContain('카드사 승인 거절');
    expect(html).not.toContain('결제 확인 중');
  });

  it('다시 확인 while the gateway is unreachable keeps 결제 확인 중 and says the check did not get through', async () => {
    const merchantUid = await orderWithReadyPayment('imp_000000000103');
    await shop.inject({ method: 'POST', url: `/api/orders/${merchantUid}/verify`, payload: { imp_uid: 'imp_000000000103', error_code: 'PG_TIMEOUT' } });
    gatewayDown = true;
    try {
      const res = await recheck(merchantUid);
      expect(res.headers.location).toBe(`/order/${merchantUid}?recheck=unavailable`);
    } finally {
      gatewayDown = false;
    }
    const html = await page(merchantUid, '?recheck=unavailable');
    expect(html).toContain('<h1>결제 확인 중</h1>');
    expect(html).toContain('결제 서버에 연결하지 못했습니다');
    expect((await recheck('nope')).statusCode).toBe(404);
  });

  it('a ready payment without PG_TIMEOUT/PG_FAULT (window left) is 결제 실패, not 결제 확인 중', async () => {
    const merchantUid = await orderWithReadyPayment('imp_000000000104');
    await shop.inject(`/order/complete?imp_uid=imp_000000000104&merchant_uid=${merchantUid}&imp_success=false&error_code=USER_CANCELLED`);
    const html = await page(merchantUid);
    expect(html).toContain('<h1>결제 실패</h1>');
    expect(html).not.toContain('다시 확인');
  });
});

describe('demo shop: a virtual account (stubbed gateway lookup)', () => {
  let shop: FastifyInstance;
  const payments = new Map<string, V1Payment>();
  beforeAll(async () => {
    shop = await buildDemoShop({ gatewayUrl: 'http://gateway.test', credentials, lookupPayment: async (impUid) => payments.get(impUid) ?? null });
  });
  afterAll(() => shop.close());

  // 2026-01-20 23:59:59 KST
  const DEADLINE = Date.UTC(2026, 0, 20, 14, 59, 59) / 1000;
  function issued(impUid: string, merchantUid: string, overrides: Partial<V1Payment> = {}): V1Payment {
    return paidPayment({
      imp_uid: impUid,
      merchant_uid: merchantUid,
      status: 'ready',
      pay_method: 'vbank',
      paid_at: 0,
      card_name: null,
      card_number: null,
      apply_num: null,
      vbank_name: '신한은행',
      vbank_num: '71234567890123',
      vbank_holder: '결 시뮬레이터 가맹점',
      vbank_date: DEADLINE,
      ...overrides,
    });
  }
  const newOrder = async () => (await shop.inject({ method: 'POST', url: '/api/orders', payload: { product_id: 'mug' } })).json().merchant_uid as string;
  const page = async (merchantUid: string) => (await shop.inject(`/order/${merchantUid}`)).body;

  it('asks for a virtual account at /?pay_method=vbank, with a deposit deadline three days ahead (Korea time)', async () => {
    const res = await shop.inject('/?pay_method=vbank');
    expect(res.body).toContain('"payMethod":"vbank"');
    expect(res.body).toMatch(/"vbankDue":"20\d{6}"/);
    expect((await shop.inject('/')).body).toContain('"payMethod":"card"');
    // 2026-01-15 15:30 UTC is 2026-01-16 00:30 in Korea: three days later is the 19th there.
    expect(vbankDueFrom(new Date(Date.UTC(2026, 0, 15, 15, 30)))).toBe('20260119');
    expect(vbankDueFrom(new Date(Date.UTC(2026, 0, 15, 14, 30)))).toBe('20260118');
  });

  it('an issued account is 입금 대기 with bank, number, holder and deadline; 입금 확인 shows the receipt once the deposit is paid', async () => {
    const merchantUid = await newOrder();
    payments.set('imp_000000000201', issued('imp_000000000201', merchantUid));
    const verify = await shop.inject({ method: 'POST', url: `/api/orders/${merchantUid}/verify`, payload: { imp_uid: 'imp_000000000201' } });
    expect(verify.json()).toMatchObject({ status: 'awaiting_deposit', fail_reason: null, imp_uid: 'imp_000000000201' });
    let html = await page(merchantUid);
    expect(html).toContain('<h1>입금 대기</h1>');
    expect(html).toContain('<dt>은행</dt><dd>신한은행</dd>');
    expect(html).toContain('<dt>계좌번호</dt><dd>71234567890123</dd>');
    expect(html).toContain('<dt>예금주</dt><dd>결 시뮬레이터 가맹점</dd>');
    expect(html).toContain('<dt>입금기한</dt><dd>2026-01-20 23:59</dd>');
    expect(html).toContain('<dt>입금액</dt><dd>1,004원</dd>');
    expect(html).toContain('<button type="submit">입금 확인</button>');
    expect(html).not.toContain('결제 실패');

    // Not deposited yet: still 입금 대기.
    await shop.inject({ method: 'POST', url: `/order/${merchantUid}/recheck` });
    expect(await page(merchantUid)).toContain('<h1>입금 대기</h1>');

    payments.set('imp_000000000201', issued('imp_000000000201', merchantUid, { status: 'paid', paid_at: 1_768_900_000 }));
    await shop.inject({ method: 'POST', url: `/order/${merchantUid}/recheck` });
    html = await page(merchantUid);
    expect(html).toContain('<h1>결제 완료</h1>');
    expect(html).toContain('<dt>가상계좌</dt><dd>신한은행 71234567890123</dd>');
    expect(html).not.toContain('입금 대기');
  });

  it('an account issued for another amount is 결제 금액 불일치; an expired one is 결제 실패 with the gateway reason', async () => {
    const tampered = await newOrder();
    payments.set('imp_000000000202', issued('imp_000000000202', tampered, { amount: 100 }));
    await shop.inject(`/order/complete?imp_uid=imp_000000000202&merchant_uid=${tampered}&imp_success=true`);
    const mismatch = await page(tampered);
    expect(mismatch).toContain('<h1>결제 금액 불일치</h1>');
    expect(mismatch).toContain('발급된 가상계좌의 입금액 100원');

    const expiring = await newOrder();
    payments.set('imp_000000000203', issued('imp_000000000203', expiring));
    await shop.inject(`/order/complete?imp_uid=imp_000000000203&merchant_uid=${expiring}&imp_success=true`);
    expect(await page(expiring)).toContain('<h1>입금 대기</h1>');
    payments.set('imp_000000000203', issued('imp_000000000203', expiring, { status: 'failed', fail_reason: '[가상계좌 입금기한 만료] 입금기한이 지났습니다' }));
    await shop.inject({ method: 'POST', url: `/order/${expiring}/recheck` });
    const failed = await page(expiring);
    expect(failed).toContain('<h1>결제 실패</h1>');
    expect(failed).toContain('[가상계좌 입금기한 만료] 입금기한이 지났습니다');
  });
});

describe('demo shop orders file', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gyeol-shop-orders-'));
  const ordersFile = path.join(dir, 'demo-shop-orders.sqlite');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps orders, their payments and 결제 확인 중 across a restart of the shop', async () => {
    const payments = new Map<string, V1Payment>();
    const build = () => buildDemoShop({ gatewayUrl: 'http://gateway.test', credentials, ordersFile, lookupPayment: async (id) => payments.get(id) ?? null });

    const first = await build();
    const paid = (await first.inject({ method: 'POST', url: '/api/orders', payload: { product_id: 'tray' } })).json();
    const confirming = (await first.inject({ method: 'POST', url: '/api/orders', payload: { product_id: 'mug' } })).json();
    payments.set('imp_000000000201', paidPayment({ imp_uid: 'imp_000000000201', merchant_uid: paid.merchant_uid, amount: 52000 }));
    payments.set('imp_000000000202', paidPayment({ imp_uid: 'imp_000000000202', merchant_uid: confirming.merchant_uid, status: 'ready' }));
    await first.inject({ method: 'POST', url: `/api/orders/${paid.merchant_uid}/verify`, payload: { imp_uid: 'imp_000000000201' } });
    await first.inject({ method: 'POST', url: `/api/orders/${confirming.merchant_uid}/verify`, payload: { imp_uid: 'imp_000000000202', error_code: 'PG_TIMEOUT' } });
    await first.close();

    const second = await build();
    try {
      expect((await second.inject(`/api/orders/${paid.merchant_uid}`)).json()).toMatchObject({ status: 'paid', amount: 52000, imp_uid: 'imp_000000000201' });
      const receipt = (await second.inject(`/order/${paid.merchant_uid}`)).body;
      expect(receipt).toContain('<h1>결제 완료</h1>');
      expect(receipt).toContain('신한카드 424242******4242');
      expect((await second.inject(`/order/${confirming.merchant_uid}`)).body).toContain('<h1>결제 확인 중</h1>');
      // The re-check after the restart still knows which payment to ask about.
      payments.set('imp_000000000202', paidPayment({ imp_uid: 'imp_000000000202', merchant_uid: confirming.merchant_uid }));
      await second.inject({ method: 'POST', url: `/order/${confirming.merchant_uid}/recheck` });
      expect((await second.inject(`/api/orders/${confirming.merchant_uid}`)).json().status).toBe('paid');
    } finally {
      await second.close();
    }
  });

  it('without a file the orders are gone after a restart', async () => {
    const first = await buildDemoShop({ gatewayUrl: 'http://gateway.test', credentials, lookupPayment: async () => null });
    const order = (await first.inject({ method: 'POST', url: '/api/orders', payload: { product_id: 'mug' } })).json();
    await first.close();
    const second = await buildDemoShop({ gatewayUrl: 'http://gateway.test', credentials, lookupPayment: async () => null });
    expect((await second.inject(`/api/orders/${order.merchant_uid}`)).statusCode).toBe(404);
    await second.close();
  });

  it('a verification that read the order before it was paid cannot overwrite paid', () => {
    const book = new OrderBook(path.join(dir, 'race.sqlite'));
    try {
      const created = book.create(CATALOGUE[0]);
      const stale = book.get(created.merchantUid)!;
      book.save({ ...created, status: 'paid' });
      const saved = book.save({ ...stale, status: 'failed', failReason: '결제가 완료되지 않았습니다' });
      expect(saved.status).toBe('paid');
      expect(book.get(created.merchantUid)?.status).toBe('paid');
    } finally {
      book.close();
    }
  });
});

describe('demo shop request log', () => {
  it('writes one line per request with method, url, status and milliseconds', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const shop = await buildDemoShop({ gatewayUrl: 'http://gateway.test', credentials, logger, lookupPayment: async () => null });
    try {
      await shop.inject('/');
      await shop.inject('/order/nope');
      await shop.inject('/favicon.ico');
      await shop.inject({ method: 'POST', url: '/api/orders', headers: { 'content-type': 'application/json' }, payload: '{"product_id":' });
    } finally {
      await shop.close();
    }
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries).toHaveLength(3);
    expect(entries[0]).toMatchObject({ method: 'GET', url: '/', status: 200, msg: expect.stringMatching(/^GET \/ 200 \d+ms$/) });
    expect(entries[1]).toMatchObject({ method: 'GET', url: '/order/nope', status: 404 });
    expect(entries[2]).toMatchObject({ method: 'POST', url: '/api/orders', status: 400 });
    for (const entry of entries) expect(typeof entry.ms).toBe('number');
  });
});
