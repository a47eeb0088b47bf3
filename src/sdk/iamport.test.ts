// The SDK (dist/public/iamport.js, built by the global setup) in a real Chromium, between a
// "merchant" origin and a stand-in "gateway" origin. The stand-in implements only the gateway's
// side of docs/checkout-protocol.md that the SDK touches (POST /checkout/sessions, a window page
// that posts the result); the real gateway has its own end-to-end tests.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { artifactPath, hasChromium, launchBrowser, MOBILE_CONTEXT } from '../../test/support/browser';
import type { RequestPayResponse } from './iamport';

/** The bundle under test; GYEOL_SDK_FILE points at another build (e.g. when checking a change in isolation). */
const SDK_FILE = path.resolve(process.env.GYEOL_SDK_FILE ?? 'dist/public/iamport.js');
let sdk = '';
const USER_CODE = 'imp12345678';

interface Recorded {
  origin: string | undefined;
  cookie: string | undefined;
  contentType: string | undefined;
  body: any;
}

interface Gateway {
  server: http.Server;
  origin: string;
  sessionRequests: Recorded[];
  scriptCookies: (string | undefined)[];
  preflights: number;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (data += c));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function listen(handler: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port })),
  );
}

function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** JSON for an inline <script>. */
const inline = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

const html = (res: http.ServerResponse, body: string) => {
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(body);
};

async function startGateway(): Promise<Gateway> {
  const sessions = new Map<string, { merchantOrigin: string; params: any; impUid: string }>();
  let seq = 0;
  const gw: Gateway = { server: null as unknown as http.Server, origin: '', sessionRequests: [], scriptCookies: [], preflights: 0 };
  const { server, port } = await listen(async (req, res) => {
    const url = new URL(req.url ?? '/', gw.origin);
    const cors = { 'Access-Control-Allow-Origin': '*' };
    if (req.method === 'GET' && url.pathname === '/v1/iamport.js') {
      gw.scriptCookies.push(req.headers.cookie);
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(sdk);
      return;
    }
    if (req.method === 'OPTIONS' && url.pathname === '/checkout/sessions') {
      gw.preflights++;
      res.writeHead(204, {
        ...cors,
        'Access-Control-Allow-Methods': 'POST',
        'Access-Control-Allow-Headers': 'Content-Type',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/checkout/sessions') {
      const raw = await readBody(req);
      let body: any = null;
      try {
        body = JSON.parse(raw);
      } catch {}
      gw.sessionRequests.push({
        origin: req.headers.origin,
        cookie: req.headers.cookie,
        contentType: req.headers['content-type'],
        body,
      });
      const params = body?.params ?? {};
      const merchantUid = params.merchant_uid;
      const json = (status: number, payload: unknown) => {
        res.writeHead(status, { ...cors, 'Content-Type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(payload));
      };
      let violation: string | null = null;
      if (typeof merchantUid !== 'string' || !/^[A-Za-z0-9]+$/.test(merchantUid)) {
        violation = 'merchant_uid: 영문자와 숫자만 사용할 수 있습니다';
      } else if (body.mode === 'mobile' && !params.m_redirect_url) {
        violation = 'm_redirect_url: 모바일 결제에는 필수입니다';
      }
      if (violation) {
        json(400, {
          code: -1,
          message: violation,
          response: {
            success: false,
            imp_success: false,
            imp_uid: null,
            merchant_uid: merchantUid ?? null,
            error_code: 'INVALID_PARAMETER',
            error_msg: violation,
          },
        });
        return;
      }
      const id = `s${++seq}`;
      const impUid = `imp_${String(100000000000 + seq)}`;
      const merchantOrigin = req.headers.origin ?? new URL(body.page_url).origin;
      sessions.set(id, { merchantOrigin, params, impUid });
      // A gateway whose public URL is misconfigured: the window is not on the script's origin.
      const windowOrigin = merchantUid.startsWith('elsewhere') ? `http://localhost:${port}` : gw.origin;
      json(200, { code: 0, message: null, response: { imp_uid: impUid, merchant_uid: merchantUid, window_url: `${windowOrigin}/checkout/${id}` } });
      return;
    }
    const m = /^\/checkout\/(s\d+)$/.exec(url.pathname);
    if (req.method === 'GET' && m && sessions.has(m[1])) {
      const s = sessions.get(m[1])!;
      const result = {
        success: true,
        imp_success: true,
        imp_uid: s.impUid,
        merchant_uid: s.params.merchant_uid,
        status: 'paid',
        pay_method: 'card',
        paid_amount: s.params.amount,
        currency: 'KRW',
        name: s.params.name ?? null,
        pg_provider: 'smartro_v2',
        pg_type: 'payment',
        custom_data: s.params.custom_data === undefined ? null : JSON.stringify(s.params.custom_data),
      };
      html(
        res,
        `<!doctype html><html lang="ko"><meta charset="utf-8"><title>결제</title>
<body style="font-family:sans-serif;margin:0;padding:24px">
<h2 id="title">gyeol 테스트 결제창</h2>
<p>주문 ${s.params.merchant_uid} · ${s.params.amount}원</p>
<button id="pay" style="font-size:18px;padding:12px 24px">결제하기</button>
<p><a id="hop" href="http://localhost:${port}/pg-hop?back=${encodeURIComponent(url.href)}">PG 창으로 이동</a></p>
<script>
  // Noise first: a message of another type must not end the payment.
  parent.postMessage({ type: 'gyeol:loaded' }, ${inline(s.merchantOrigin)});
  document.getElementById('pay').onclick = function () {
    parent.postMessage({ type: 'gyeol:payment-result', result: ${inline(result)} }, ${inline(s.merchantOrigin)});
  };
</script>`,
      );
      return;
    }
    if (req.method === 'GET' && url.pathname === '/pg-hop') {
      // Reached through localhost:<port>, i.e. another origin inside the SDK's own iframe (as a PG
      // page would be): the message comes from the right window but the wrong origin.
      html(
        res,
        `<!doctype html><meta charset="utf-8"><p>PG</p><a id="back" href="${url.searchParams.get('back')}">돌아가기</a>
<script>parent.postMessage({ type: 'gyeol:payment-result', result: { success: true, imp_success: true, imp_uid: 'imp_pg_forged', merchant_uid: 'forged' } }, '*');</script>`,
      );
      return;
    }
    if (req.method === 'GET' && url.pathname === '/forge') {
      // Same origin as the gateway, but not the payment iframe: must be ignored too.
      html(
        res,
        `<!doctype html><script>parent.postMessage({ type: 'gyeol:payment-result', result: { success: true, imp_success: true, imp_uid: 'imp_forged', merchant_uid: 'forged' } }, '*');</script>`,
      );
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
  });
  gw.server = server;
  gw.origin = `http://127.0.0.1:${port}`;
  return gw;
}

/** The merchant's page: loads the SDK from `?gw=` and records what the callback and Promise give. */
async function startMerchant(defaultGateway: string): Promise<{ server: http.Server; port: number }> {
  return listen((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/') {
      res.writeHead(404);
      res.end();
      return;
    }
    const gw = url.searchParams.get('gw') ?? defaultGateway;
    const foreign = url.searchParams.has('foreign') ? `<script>window.IMP = { foreign: true };</script>` : '';
    html(
      res,
      `<!doctype html><html lang="ko"><meta charset="utf-8"><title>가맹점</title>
<body style="font-family:sans-serif;padding:24px"><h1>테스트 가맹점</h1><p>주문 상품: 결 티셔츠 1,000원</p>
<button id="buy">구매하기</button>
${foreign}
<script src="${gw}/v1/iamport.js"></script>
<script>
  window.payments = [];
  window.throwInCallback = false;
  window.startPay = function (params) {
    var rec = { callbacks: [], resolved: [] };
    window.payments.push(rec);
    var p = IMP.request_pay(params, function (r) {
      rec.callbacks.push(r);
      if (window.throwInCallback) throw new Error('merchant bug in callback');
    });
    p.then(function (r) { rec.resolved.push(r); }, function (e) { rec.rejected = String(e); });
    return window.payments.length - 1;
  };
  window.seen = [];
  addEventListener('message', function (e) {
    if (e.data && e.data.type === 'gyeol:payment-result') window.seen.push(e.origin);
  });
  window.added = [];
  new MutationObserver(function (ms) {
    ms.forEach(function (m) { m.addedNodes.forEach(function (n) { window.added.push(n.nodeName); }); });
  }).observe(document.body, { childList: true, subtree: true });
</script>`,
    );
  });
}

interface PayRecord {
  callbacks: RequestPayResponse[];
  resolved: RequestPayResponse[];
  rejected?: string;
}

async function startPay(page: Page, params: unknown): Promise<number> {
  return page.evaluate((p) => (window as any).startPay(p), params);
}

async function settled(page: Page, i: number): Promise<PayRecord> {
  await page.waitForFunction((idx) => (window as any).payments[idx].resolved.length > 0, i);
  return page.evaluate((idx) => (window as any).payments[idx], i);
}

const record = (page: Page, i: number): Promise<PayRecord> => page.evaluate((idx) => (window as any).payments[idx], i);

const PARAMS = {
  channelKey: 'channel-key-00000000-0000-4000-8000-000000000000',
  pay_method: 'card',
  merchant_uid: 'order1001',
  name: '결 티셔츠',
  amount: 1000,
  buyer_name: '홍길동',
  buyer_tel: '010-1234-5678',
  custom_data: { cart: [1, 2], note: '선물' },
};

describe.skipIf(!hasChromium)('window.IMP (SDK) in Chromium', () => {
  let browser: Browser;
  let gateway: Gateway;
  let merchant: { server: http.Server; port: number };
  let merchantUrl: string;
  const contexts: BrowserContext[] = [];

  async function newPage(options: Parameters<Browser['newContext']>[0] = {}): Promise<Page> {
    const context = await browser.newContext(options);
    contexts.push(context);
    return context.newPage();
  }

  async function openMerchant(options: Parameters<Browser['newContext']>[0] = {}, url = merchantUrl): Promise<Page> {
    const page = await newPage(options);
    await page.goto(url);
    await page.waitForFunction(() => typeof (window as any).IMP?.request_pay === 'function');
    return page;
  }

  beforeAll(async () => {
    sdk = readFileSync(SDK_FILE, 'utf8');
    gateway = await startGateway();
    merchant = await startMerchant(gateway.origin);
    merchantUrl = `http://localhost:${merchant.port}/`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    if (merchant) await close(merchant.server);
    if (gateway) await close(gateway.server);
  });

  it('PC: opens an overlay with the window, then calls back and resolves with the same result', async () => {
    const page = await openMerchant();
    const before = gateway.sessionRequests.length;
    const i = await page.evaluate((p) => {
      (window as any).IMP.init('imp12345678');
      return (window as any).startPay(p);
    }, PARAMS);

    const dialog = page.locator('[role="dialog"]');
    await dialog.waitFor();
    expect(await dialog.getAttribute('aria-modal')).toBe('true');
    expect(await dialog.getAttribute('aria-label')).toBe('결제창');
    const style = await dialog.evaluate((el) => {
      const s = getComputedStyle(el);
      return { position: s.position, zIndex: s.zIndex, background: s.backgroundColor };
    });
    expect(style).toEqual({ position: 'fixed', zIndex: '2147483000', background: 'rgba(0, 0, 0, 0.5)' });
    expect(await dialog.boundingBox()).toMatchObject({ x: 0, y: 0, width: 1280, height: 720 });

    const iframe = dialog.locator('iframe');
    expect(await iframe.count()).toBe(1);
    expect(await iframe.getAttribute('title')).toBe('결제창');
    expect(await iframe.getAttribute('allow')).toBe('payment');
    const src = await iframe.getAttribute('src');
    expect(src).toMatch(new RegExp(`^${gateway.origin}/checkout/s\\d+$`));
    const box = (await iframe.boundingBox())!;
    expect([Math.round(box.width), Math.round(box.height)]).toEqual([420, 640]);

    // The session request: JSON to the script's origin, with everything the protocol names.
    expect(gateway.sessionRequests.length).toBe(before + 1);
    const sent = gateway.sessionRequests.at(-1)!;
    expect(sent.contentType).toBe('application/json');
    expect(sent.origin).toBe(`http://localhost:${merchant.port}`);
    expect(sent.body).toEqual({ user_code: USER_CODE, params: PARAMS, mode: 'pc', page_url: merchantUrl });

    const frame = page.frameLocator('[role="dialog"] iframe');
    await frame.locator('#pay').waitFor();
    await page.screenshot({ path: artifactPath('sdk-pc-overlay.png') });
    expect(await record(page, i)).toEqual({ callbacks: [], resolved: [] });

    await frame.locator('#pay').click();
    const rec = await settled(page, i);
    expect(rec.rejected).toBeUndefined();
    expect(rec.callbacks).toHaveLength(1);
    expect(rec.resolved).toEqual(rec.callbacks);
    expect(rec.callbacks[0]).toMatchObject({
      success: true,
      imp_success: true,
      merchant_uid: 'order1001',
      status: 'paid',
      paid_amount: 1000,
      custom_data: JSON.stringify(PARAMS.custom_data),
    });
    expect(rec.callbacks[0].imp_uid).toMatch(/^imp_\d{12}$/);
    expect(await page.locator('[role="dialog"]').count()).toBe(0);
    expect(await page.locator('iframe').count()).toBe(0);
    expect(await page.evaluate(() => document.documentElement.style.overflow)).toBe('');
  });

  it('ignores forged result messages: from the merchant page, from another gateway-origin frame, from another origin inside the iframe', async () => {
    const page = await openMerchant();
    const i = await page.evaluate((p) => {
      (window as any).IMP.init('imp12345678');
      return (window as any).startPay({ ...p, merchant_uid: 'order2002' });
    }, PARAMS);
    const frame = page.frameLocator('[role="dialog"] iframe');
    await frame.locator('#pay').waitFor();

    await page.evaluate((gw) => {
      const forged = { success: true, imp_success: true, imp_uid: 'imp_forged', merchant_uid: 'forged' };
      window.postMessage({ type: 'gyeol:payment-result', result: forged }, '*');
      const f = document.createElement('iframe');
      f.src = gw + '/forge';
      document.body.appendChild(f);
    }, gateway.origin);
    // Both forgeries reached the page (one from the merchant origin, one from the gateway origin)...
    await page.waitForFunction(() => (window as any).seen.length >= 2);
    const seen: string[] = await page.evaluate(() => (window as any).seen);
    expect(seen).toEqual(expect.arrayContaining([`http://localhost:${merchant.port}`, gateway.origin]));
    // ...and neither ended the payment.
    await page.waitForTimeout(200);
    expect(await record(page, i)).toEqual({ callbacks: [], resolved: [] });
    expect(await page.locator('[role="dialog"]').count()).toBe(1);

    // The payment iframe itself, navigated to another origin (like a PG page), posts a result:
    // right source, wrong origin.
    const hopOrigin = gateway.origin.replace('127.0.0.1', 'localhost');
    await frame.locator('#hop').click();
    await page.waitForFunction((o) => (window as any).seen.includes(o), hopOrigin);
    await page.waitForTimeout(200);
    expect(await record(page, i)).toEqual({ callbacks: [], resolved: [] });
    expect(await page.locator('[role="dialog"]').count()).toBe(1);
    await frame.locator('#back').click();

    await frame.locator('#pay').click();
    const rec = await settled(page, i);
    expect(rec.callbacks).toHaveLength(1);
    expect(rec.callbacks[0]).toMatchObject({ success: true, merchant_uid: 'order2002' });
    expect(rec.callbacks[0].imp_uid).not.toBe('imp_forged');
    expect(await page.locator('[role="dialog"]').count()).toBe(0);
  });

  it('NOT_INITIALIZED: calls back at once without contacting the gateway', async () => {
    const page = await openMerchant();
    const before = gateway.sessionRequests.length;
    const rec: PayRecord = await page.evaluate((p) => {
      const i = (window as any).startPay(p);
      return JSON.parse(JSON.stringify((window as any).payments[i])); // synchronously, before any await
    }, PARAMS);
    const expected = {
      success: false,
      imp_success: false,
      imp_uid: null,
      merchant_uid: 'order1001',
      error_code: 'NOT_INITIALIZED',
    };
    expect(rec.callbacks).toHaveLength(1);
    expect(rec.callbacks[0]).toMatchObject(expected);
    expect(rec.callbacks[0].error_msg).toMatch(/[가-힣]/);
    expect((await settled(page, 0)).resolved).toEqual(rec.callbacks);
    expect(gateway.sessionRequests.length).toBe(before);

    // Without a merchant_uid (or params at all) it still answers, with merchant_uid null.
    const none = await page.evaluate(() => (window as any).IMP.request_pay(undefined));
    expect(none).toMatchObject({ merchant_uid: null, error_code: 'NOT_INITIALIZED' });

    // deinit forgets the code again.
    const again = await page.evaluate(async (p) => {
      const IMP = (window as any).IMP;
      IMP.init('imp12345678');
      IMP.deinit();
      return IMP.request_pay(p);
    }, PARAMS);
    expect(again).toMatchObject({ error_code: 'NOT_INITIALIZED' });
  });

  it('a validation failure is passed to the callback as is, and no window opens', async () => {
    const page = await openMerchant();
    const i = await page.evaluate((p) => {
      (window as any).IMP.init('imp12345678');
      return (window as any).startPay({ ...p, merchant_uid: 'order-1' });
    }, PARAMS);
    const rec = await settled(page, i);
    expect(rec.callbacks).toEqual([
      {
        success: false,
        imp_success: false,
        imp_uid: null,
        merchant_uid: 'order-1',
        error_code: 'INVALID_PARAMETER',
        error_msg: 'merchant_uid: 영문자와 숫자만 사용할 수 있습니다',
      },
    ]);
    expect(rec.resolved).toEqual(rec.callbacks);
    expect(await page.evaluate(() => (window as any).added)).toEqual([]);
    expect(gateway.sessionRequests.at(-1)!.body.params.merchant_uid).toBe('order-1');
  });

  it('a window_url on another origin is refused (CHECKOUT_FAILED) instead of opening a window that can never answer', async () => {
    const page = await openMerchant();
    const i = await page.evaluate((p) => {
      (window as any).IMP.init('imp12345678');
      return (window as any).startPay({ ...p, merchant_uid: 'elsewhere1' });
    }, PARAMS);
    const rec = await settled(page, i);
    expect(rec.callbacks[0]).toMatchObject({ success: false, imp_uid: null, merchant_uid: 'elsewhere1', error_code: 'CHECKOUT_FAILED' });
    expect(await page.evaluate(() => (window as any).added)).toEqual([]);
  });

  it('NETWORK_ERROR when the gateway is down', async () => {
    const dead = await startGateway();
    const page = await openMerchant({}, `${merchantUrl}?gw=${encodeURIComponent(dead.origin)}`);
    await close(dead.server);
    const i = await page.evaluate((p) => {
      (window as any).IMP.init('imp12345678');
      return (window as any).startPay(p);
    }, PARAMS);
    const rec = await settled(page, i);
    expect(rec.callbacks).toHaveLength(1);
    expect(rec.callbacks[0]).toMatchObject({
      success: false,
      imp_success: false,
      imp_uid: null,
      merchant_uid: 'order1001',
      error_code: 'NETWORK_ERROR',
    });
    expect(rec.resolved).toEqual(rec.callbacks);
    expect(await page.evaluate(() => (window as any).added)).toEqual([]);
    // Not stuck "in progress" afterwards.
    const again = await page.evaluate((p) => (window as any).IMP.request_pay(p), PARAMS);
    expect(again).toMatchObject({ error_code: 'NETWORK_ERROR' });
  });

  it('mobile user agent: navigates the page to window_url', async () => {
    const page = await openMerchant({ ...MOBILE_CONTEXT });
    const before = gateway.sessionRequests.length;
    await page.evaluate((p) => {
      (window as any).IMP.init('imp12345678');
      (window as any).startPay({ ...p, merchant_uid: 'order3003', m_redirect_url: 'http://localhost/done' });
    }, PARAMS);
    await page.waitForURL(new RegExp(`^${gateway.origin}/checkout/s\\d+$`));
    expect(await page.locator('#title').textContent()).toBe('gyeol 테스트 결제창');
    expect(gateway.sessionRequests.length).toBe(before + 1);
    expect(gateway.sessionRequests.at(-1)!.body).toEqual({
      user_code: USER_CODE,
      params: { ...PARAMS, merchant_uid: 'order3003', m_redirect_url: 'http://localhost/done' },
      mode: 'mobile',
      page_url: merchantUrl,
    });
  });

  it('mobile user agent: a validation failure still calls back (no navigation)', async () => {
    const page = await openMerchant({ ...MOBILE_CONTEXT });
    const i = await page.evaluate((p) => {
      (window as any).IMP.init('imp12345678');
      return (window as any).startPay({ ...p, merchant_uid: 'order3004' }); // no m_redirect_url
    }, PARAMS);
    const rec = await settled(page, i);
    expect(rec.callbacks[0]).toMatchObject({ error_code: 'INVALID_PARAMETER', merchant_uid: 'order3004' });
    expect(page.url()).toBe(merchantUrl);
  });

  it('chooses the mode by user agent (/Mobi|Android|iPhone|iPad|iPod/)', async () => {
    const agents: Array<[string, 'pc' | 'mobile']> = [
      ['Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36', 'mobile'],
      ['Mozilla/5.0 (iPad; CPU OS 12_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.1 Safari/605.1.15', 'mobile'],
      ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/604.1', 'mobile'],
      ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36', 'pc'],
    ];
    for (const [userAgent, mode] of agents) {
      const page = await openMerchant({ userAgent });
      const i = await page.evaluate((p) => {
        (window as any).IMP.init('imp12345678');
        return (window as any).startPay({ ...p, merchant_uid: 'bad-ua' }); // refused: no navigation, no window
      }, PARAMS);
      await settled(page, i);
      expect([userAgent, gateway.sessionRequests.at(-1)!.body.mode]).toEqual([userAgent, mode]);
      await page.context().close();
    }
  });

  it('PAYMENT_IN_PROGRESS for a second request while a window is open; the next one after it works', async () => {
    const page = await openMerchant();
    const before = gateway.sessionRequests.length;
    const [first, second] = await page.evaluate((p) => {
      (window as any).IMP.init('imp12345678');
      return [(window as any).startPay({ ...p, merchant_uid: 'order4001' }), (window as any).startPay({ ...p, merchant_uid: 'order4002' })];
    }, PARAMS);
    const rejected = await settled(page, second);
    expect(rejected.callbacks).toHaveLength(1);
    expect(rejected.callbacks[0]).toMatchObject({
      success: false,
      imp_uid: null,
      merchant_uid: 'order4002',
      error_code: 'PAYMENT_IN_PROGRESS',
    });
    const frame = page.frameLocator('[role="dialog"] iframe');
    await frame.locator('#pay').waitFor();
    expect(await page.locator('[role="dialog"]').count()).toBe(1);
    // A third one while the window is open is refused too.
    const third = await page.evaluate((p) => (window as any).IMP.request_pay({ ...p, merchant_uid: 'order4003' }), PARAMS);
    expect(third).toMatchObject({ error_code: 'PAYMENT_IN_PROGRESS', merchant_uid: 'order4003' });
    expect(gateway.sessionRequests.length).toBe(before + 1);

    await frame.locator('#pay').click();
    expect((await settled(page, first)).callbacks[0]).toMatchObject({ success: true, merchant_uid: 'order4001' });

    const next = await startPay(page, { ...PARAMS, merchant_uid: 'order4004' });
    await frame.locator('#pay').click();
    expect((await settled(page, next)).callbacks[0]).toMatchObject({ success: true, merchant_uid: 'order4004' });
  });

  it("an exception in the merchant's callback does not break the SDK (rethrown asynchronously)", async () => {
    const page = await openMerchant();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const i = await page.evaluate((p) => {
      (window as any).IMP.init('imp12345678');
      (window as any).throwInCallback = true;
      return (window as any).startPay(p);
    }, PARAMS);
    const frame = page.frameLocator('[role="dialog"] iframe');
    await frame.locator('#pay').click();
    const rec = await settled(page, i);
    expect(rec.callbacks).toHaveLength(1);
    expect(rec.resolved).toEqual(rec.callbacks);
    expect(await page.locator('[role="dialog"]').count()).toBe(0);
    await expect.poll(() => errors).toContain('merchant bug in callback');

    // Still usable.
    await page.evaluate(() => ((window as any).throwInCallback = false));
    const next = await startPay(page, { ...PARAMS, merchant_uid: 'order5002' });
    await frame.locator('#pay').click();
    expect((await settled(page, next)).callbacks[0]).toMatchObject({ success: true, merchant_uid: 'order5002' });
  });

  it('falls back to XMLHttpRequest when fetch is missing', async () => {
    const page = await openMerchant();
    await page.evaluate(() => {
      delete (window as any).fetch;
      (window as any).IMP.init('imp12345678');
    });
    expect(await page.evaluate(() => typeof (window as any).fetch)).toBe('undefined');

    const bad = await settled(page, await startPay(page, { ...PARAMS, merchant_uid: 'bad-uid' }));
    expect(bad.callbacks[0]).toMatchObject({ error_code: 'INVALID_PARAMETER', merchant_uid: 'bad-uid' });

    const before = gateway.sessionRequests.length;
    const i = await startPay(page, { ...PARAMS, merchant_uid: 'order6001' });
    const frame = page.frameLocator('[role="dialog"] iframe');
    await frame.locator('#pay').click();
    expect((await settled(page, i)).callbacks[0]).toMatchObject({ success: true, merchant_uid: 'order6001' });
    expect(gateway.sessionRequests.length).toBe(before + 1);
    expect(gateway.sessionRequests.at(-1)!.body.mode).toBe('pc');
  });

  it('sends no cookies to the gateway (credentials omitted), even same-site', async () => {
    // Merchant on 127.0.0.1:<other port>: same site as the gateway, different origin.
    const url = `http://127.0.0.1:${merchant.port}/`;
    const page = await newPage();
    await page.context().addCookies([{ name: 'gw_session', value: 'secret', url: gateway.origin, sameSite: 'Lax' }]);
    const scripts = gateway.scriptCookies.length;
    await page.goto(url);
    // The cookie is there for requests that carry credentials (the script tag)...
    expect(gateway.scriptCookies.slice(scripts)).toContain('gw_session=secret');
    const i = await page.evaluate((p) => {
      (window as any).IMP.init('imp12345678');
      return (window as any).startPay({ ...p, merchant_uid: 'bad-cookie' });
    }, PARAMS);
    await settled(page, i);
    // ...but not for the session request.
    const sent = gateway.sessionRequests.at(-1)!;
    expect(sent.body.params.merchant_uid).toBe('bad-cookie');
    expect(sent.origin).toBe(`http://127.0.0.1:${merchant.port}`);
    expect(sent.cookie).toBeUndefined();
    expect(sent.body.page_url).toBe(url);
  });

  it('loading the script twice keeps the first IMP (and its init); a foreign IMP is replaced', async () => {
    const page = await openMerchant();
    const same = await page.evaluate(async (gw) => {
      const first = (window as any).IMP;
      first.init('imp12345678');
      await new Promise((resolve, reject) => {
        const s = document.createElement('script');
        s.src = gw + '/v1/iamport.js';
        s.onload = resolve;
        s.onerror = reject;
        document.head.appendChild(s);
      });
      return (window as any).IMP === first;
    }, gateway.origin);
    expect(same).toBe(true);
    const rec = await settled(page, await startPay(page, { ...PARAMS, merchant_uid: 'bad-twice' }));
    expect(rec.callbacks[0]).toMatchObject({ error_code: 'INVALID_PARAMETER' }); // reached the gateway: still initialised

    const foreign = await openMerchant({}, `${merchantUrl}?foreign=1`);
    expect(await foreign.evaluate(() => (window as any).IMP.foreign)).toBeUndefined();
    expect(await foreign.evaluate(() => typeof (window as any).IMP.init)).toBe('function');
  });

  it('finds the gateway from a script added later by code (with a query string) and agency() works', async () => {
    const page = await newPage();
    await page.goto(`${merchantUrl}?gw=${encodeURIComponent('http://127.0.0.1:9')}`); // its own script tag fails to load
    const result = await page.evaluate(async (gw) => {
      delete (window as any).IMP;
      await new Promise((resolve, reject) => {
        const s = document.createElement('script');
        s.src = gw + '/v1/iamport.js?v=1';
        s.onload = resolve;
        s.onerror = reject;
        document.head.appendChild(s);
      });
      (window as any).IMP.agency('imp87654321', 'ABC');
      return (window as any).IMP.request_pay({ merchant_uid: 'bad-agency', amount: 1 });
    }, gateway.origin);
    expect(result).toMatchObject({ error_code: 'INVALID_PARAMETER', merchant_uid: 'bad-agency' });
    expect(gateway.sessionRequests.at(-1)!.body.user_code).toBe('imp87654321');
  });

  it('without document.currentScript (e.g. eval by a loader) falls back to the last /v1/iamport.js script tag', async () => {
    const page = await openMerchant(); // has <script src="<gateway>/v1/iamport.js">
    const result = await page.evaluate(async (code) => {
      delete (window as any).IMP;
      const outside = document.currentScript;
      (0, eval)(code);
      (window as any).IMP.init('imp12345678');
      return { outside, rsp: await (window as any).IMP.request_pay({ merchant_uid: 'bad-eval', amount: 1 }) };
    }, sdk);
    expect(result.outside).toBeNull();
    expect(result.rsp).toMatchObject({ error_code: 'INVALID_PARAMETER', merchant_uid: 'bad-eval' });
    expect(gateway.sessionRequests.at(-1)!.body.params.merchant_uid).toBe('bad-eval');

    // No such tag at all: no origin, so no request anywhere.
    const before = gateway.sessionRequests.length;
    const lost = await page.evaluate(async (code) => {
      delete (window as any).IMP;
      document.querySelectorAll('script[src]').forEach((s) => s.remove());
      (0, eval)(code);
      (window as any).IMP.init('imp12345678');
      return (window as any).IMP.request_pay({ merchant_uid: 'order7001', amount: 1 });
    }, sdk);
    expect(lost).toMatchObject({ success: false, imp_uid: null, merchant_uid: 'order7001', error_code: 'NETWORK_ERROR' });
    expect(gateway.sessionRequests.length).toBe(before);
  });
});
