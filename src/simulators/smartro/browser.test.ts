// The simulator's SmartroPAY-1.0.min.js in a real browser: a throwaway page on another origin
// (standing in for the gateway's checkout window) opens the window, a buyer fills it in, and
// the connector approves what came back.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { artifactPath, hasChromium, launchBrowser, MOBILE_CONTEXT } from '../../../test/support/browser';
import type { ConnectorContext } from '../../connectors/contract';
import { executeFlow } from '../../connectors/executor';
import { approveFlow } from '../../connectors/smartro/flows';
import { credentials, paymentRequest, TEST_MERCHANT_KEY, TEST_MID, windowInput } from '../../connectors/smartro/test-fixtures';
import { openSmartroWindow, readSmartroWindowReturn, type SmartroLaunchData } from '../../connectors/smartro/window';
import { systemClock } from '../../domain/clock';
import { escapeHtml } from './pages';
import { buildSmartroSimulator, type SmartroSimulator } from './server';

const ctx: ConnectorContext = { fetch: globalThis.fetch, clock: systemClock, timeoutMs: 5000 };

describe.skipIf(!hasChromium)('SmartroPAY-1.0.min.js in Chromium', () => {
  let browser: Browser;
  let sim: SmartroSimulator;
  let simUrl: string;
  let page: Server;
  let pageUrl: string;
  /** Form bodies POSTed to the test page's /return and /stop (the mobile flow). */
  const received: { path: string; fields: Record<string, string> }[] = [];

  function creds() {
    return credentials({ jsBaseUrl: simUrl, mobileJsBaseUrl: simUrl, apiBaseUrl: simUrl, receiptBaseUrl: simUrl });
  }

  function checkoutPage(mobile: boolean, amount: number): string {
    const merchantUid = `browser${Date.now()}`;
    const launch = openSmartroWindow(
      creds(),
      windowInput({
        payment: paymentRequest({ amount, merchantUid }),
        mobile,
        returnUrl: `${pageUrl}/return`,
        stopUrl: `${pageUrl}/stop`,
      }),
      new Date(),
    );
    const data = launch.data as SmartroLaunchData;
    const inputs = Object.entries(data.fields)
      .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
      .join('');
    return `<!doctype html><html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>checkout</title><script src="${launch.scripts[0]}"></script></head>
<body><h1>결제 테스트 페이지</h1><p id="uid">${merchantUid}</p>
<form id="tranMgr" data-action="untouched">${inputs}</form>
<button id="pay" type="button">결제</button><pre id="out"></pre>
<script>
  smartropay.init({ mode: ${JSON.stringify(data.mode)} });
  document.getElementById('pay').addEventListener('click', function () {
    ${
      mobile
        ? "smartropay.payment({ FormId: 'tranMgr' });"
        : "smartropay.payment({ FormId: 'tranMgr', Callback: function (res) { window.__result = res; document.getElementById('out').textContent = JSON.stringify(res); } });"
    }
  });
</script></body></html>`;
  }

  beforeAll(async () => {
    sim = buildSmartroSimulator({
      merchants: new Map([[TEST_MID, { merchantKey: TEST_MERCHANT_KEY }]]),
      assetDir: path.resolve('dist/public'),
    });
    await sim.listen({ port: 0, host: '127.0.0.1' });
    simUrl = `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}`;

    page = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'POST') {
        let body = '';
        req.on('data', (chunk) => (body += chunk));
        req.on('end', () => {
          received.push({ path: url.pathname, fields: Object.fromEntries(new URLSearchParams(body)) });
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(`<!doctype html><html lang="ko"><body><h1 id="done">${url.pathname} 도착</h1></body></html>`);
        });
        return;
      }
      const amount = Number(url.searchParams.get('amount') ?? '1004');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(checkoutPage(url.pathname === '/mobile', amount));
    });
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await sim?.close();
    await new Promise((resolve) => page?.close(resolve));
  });

  it('PC: the overlay window calls back with Tid and TrAuthKey, and the connector approves them', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ko-KR' });
    const tab = await context.newPage();
    await tab.goto(`${pageUrl}/pc?amount=55000`);
    const merchantUid = await tab.locator('#uid').textContent();
    await tab.click('#pay');

    const frame = tab.frameLocator('iframe[title="스마트로 결제창"]');
    await frame.getByLabel('카드사').selectOption({ label: '신한카드' });
    await frame.getByLabel('카드번호').fill('4242 4242 4242 4242');
    await frame.getByLabel('유효기간').fill('12/39');
    await frame.getByLabel('할부').selectOption({ label: '3개월' });
    await expect.poll(() => frame.getByText('55,000원').count()).toBe(1);
    await tab.screenshot({ path: artifactPath('smartro-sim-pc-window.png') });
    await frame.getByRole('button', { name: '결제하기' }).click();

    const result = (await (await tab.waitForFunction(() => (window as unknown as { __result?: unknown }).__result)).jsonValue()) as Record<string, string>;
    expect(Object.keys(result).sort()).toEqual(['Tid', 'TrAuthKey']);
    expect(await tab.locator('iframe').count()).toBe(0);
    // The form is left as the page had it.
    expect(await tab.locator('#tranMgr').getAttribute('action')).toBeNull();
    expect(await tab.locator('#tranMgr input[name="SimChannel"]').count()).toBe(0);
    await tab.screenshot({ path: artifactPath('smartro-sim-pc-callback.png') });

    const back = readSmartroWindowReturn(creds(), result);
    expect(back).toEqual({ kind: 'authenticated', pgTid: result.Tid, auth: { trAuthKey: result.TrAuthKey } });
    const approval = await executeFlow(ctx, approveFlow, creds(), { pgTid: result.Tid, auth: { trAuthKey: result.TrAuthKey }, payMethod: 'card' });
    expect(approval).toMatchObject({
      outcome: 'approved',
      pgTid: result.Tid,
      order: { merchantUid, amount: 55_000, pgId: TEST_MID },
      details: { method: 'card', card: { cardCode: '366', cardQuota: 3, cardNumber: '42424242****424*' } },
    });
    await context.close();
  });

  it('PC: 취소 ends the overlay with U999', async () => {
    const context = await browser.newContext();
    const tab = await context.newPage();
    await tab.goto(`${pageUrl}/pc`);
    await tab.click('#pay');
    await tab.frameLocator('iframe[title="스마트로 결제창"]').getByRole('button', { name: '취소' }).click();
    const result = await (await tab.waitForFunction(() => (window as unknown as { __result?: unknown }).__result)).jsonValue();
    expect(result).toEqual({ ResultCode: 'U999', ResultMsg: '사용자가 결제를 취소하셨습니다' });
    expect(readSmartroWindowReturn(creds(), result as Record<string, string>)).toEqual({ kind: 'aborted', code: 'U999', message: '사용자가 결제를 취소하셨습니다' });
    await context.close();
  });

  it('mobile: the window is a full page and POSTs Tid and TrAuthKey to the ReturnUrl', async () => {
    const context = await browser.newContext({ ...MOBILE_CONTEXT, locale: 'ko-KR' });
    const tab = await context.newPage();
    await tab.goto(`${pageUrl}/mobile`);
    const merchantUid = (await tab.locator('#uid').textContent()) ?? '';
    await tab.click('#pay');
    await tab.waitForURL(`${simUrl}/payment/auth`);
    await tab.getByLabel('카드번호').fill('4242424242424242');
    await tab.getByLabel('유효기간').fill('1239');
    await tab.screenshot({ path: artifactPath('smartro-sim-mobile-window.png'), fullPage: true });
    await tab.getByRole('button', { name: '결제하기' }).click();
    await tab.waitForURL(`${pageUrl}/return`);
    await expect.poll(() => tab.locator('#done').textContent()).toBe('/return 도착');

    const posted = received.filter((r) => r.path === '/return').at(-1);
    expect(Object.keys(posted?.fields ?? {}).sort()).toEqual(['Tid', 'TrAuthKey']);
    const { Tid, TrAuthKey } = posted?.fields ?? {};
    expect(readSmartroWindowReturn(creds(), posted?.fields ?? {})).toEqual({ kind: 'authenticated', pgTid: Tid, auth: { trAuthKey: TrAuthKey } });
    const approval = await executeFlow(ctx, approveFlow, creds(), { pgTid: Tid, auth: { trAuthKey: TrAuthKey }, payMethod: 'card' });
    const receiptUrl = `${simUrl}/issue/IssueLoader.jsp?TID=${Tid}&type=0`;
    expect(approval).toMatchObject({
      outcome: 'approved',
      pgTid: Tid,
      order: { merchantUid, amount: 1004, pgId: TEST_MID },
      details: { method: 'card', card: { cardCode: '361', cardName: 'BC' } },
      receiptUrl,
    });

    // The buyer opens the receipt the approval points at.
    await tab.goto(receiptUrl);
    await expect.poll(() => tab.getByRole('heading', { name: '신용카드 매출전표' }).count()).toBe(1);
    const receipt = (await tab.locator('main').innerText()).replace(/\s+/g, ' ');
    expect(receipt).toContain('카드사 BC카드');
    expect(receipt).toContain('카드번호 42424242****424*');
    expect(receipt).toContain('합계 1,004원');
    await tab.screenshot({ path: artifactPath('smartro-sim-receipt.png'), fullPage: true });
    await context.close();
  });
});
