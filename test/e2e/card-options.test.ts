/**
 * End-to-end in a real Chromium: the card options of issue 7 that the demo shop has no buttons
 * for (escrow, a direct card-company call with installments), a phone payment on mobile and an
 * escrow bank transfer on PC. A small merchant page served by the test calls `IMP.request_pay`
 * with the gateway's SDK, on PC (nested iframes, callback) and mobile (full pages, redirect to
 * `m_redirect_url`); each payment is then checked with `GET /payments/{imp_uid}`, whose answer
 * must validate against PortOne's official V1 schema.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, hasChromium, launchBrowser, MOBILE_CONTEXT } from '../support/browser';
import { v1SchemaErrors } from '../support/openapi';
import { restClient, startTestSystem, systemDatabases, type TestSystem } from '../support/system';

const STEP = { timeout: 15_000 };
const APPROVED_CARD = '4242 4242 4242 4242';
/** A card expiry three years ahead, MM/YY. */
const EXPIRY = `12/${String((new Date().getFullYear() + 3) % 100).padStart(2, '0')}`;

/** A merchant page: loads the gateway's SDK; `pay(params)` calls IMP.request_pay and shows the callback's answer. */
function merchantPage(gatewayUrl: string, impCode: string): string {
  return `<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>테스트 상점</title>
<script src="${gatewayUrl}/v1/iamport.js"></script></head>
<body><main><h1>테스트 상점</h1><pre id="result"></pre></main>
<script>
  IMP.init(${JSON.stringify(impCode)});
  window.pay = function (params) {
    IMP.request_pay(params, function (rsp) {
      window.__rsp = rsp;
      document.getElementById('result').textContent = JSON.stringify(rsp);
    });
  };
</script></body></html>`;
}

/** Serves the merchant page at `/` and the redirect target at `/done` on its own origin. */
async function startMerchant(gatewayUrl: string, impCode: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(merchantPage(gatewayUrl, impCode));
    } else if (path === '/done') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><html lang="ko"><body><h1>결제 결과</h1></body></html>');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let orderSeq = 0;
const newMerchantUid = () => `cardopt${Date.now()}${orderSeq++}`;

describe.skipIf(!hasChromium)('e2e card options through IMP.request_pay', () => {
  for (const db of systemDatabases()) {
    describe(db, () => {
      let system: TestSystem;
      let browser: Browser;
      let merchant: Awaited<ReturnType<typeof startMerchant>>;
      let rest: Awaited<ReturnType<typeof restClient>>;
      const contexts: BrowserContext[] = [];
      const shot = (page: Page, scenario: string, step: string) =>
        page.screenshot({ path: artifactPath(`e2e-card-options-${db}-${scenario}-${step}.png`), fullPage: true });

      beforeAll(async () => {
        [system, browser] = await Promise.all([startTestSystem({ db }), launchBrowser()]);
        [merchant, rest] = await Promise.all([startMerchant(system.gatewayUrl, system.demo.impCode), restClient(system)]);
      });
      afterAll(async () => {
        await Promise.allSettled(contexts.map((c) => c.close()));
        await browser?.close();
        await merchant?.close();
        await system?.close();
      });

      async function newPage(options: Parameters<Browser['newContext']>[0] = {}): Promise<Page & { errors: string[] }> {
        const context = await browser.newContext({ locale: 'ko-KR', ...options });
        contexts.push(context);
        context.setDefaultTimeout(STEP.timeout);
        const page = Object.assign(await context.newPage(), { errors: [] as string[] });
        // A page error on any origin is a bug worth failing for.
        page.on('pageerror', (err) => page.errors.push(err.message));
        return page;
      }

      /** Base request: the demo channel, a fresh merchant_uid, the buyer's details. */
      function params(extra: Record<string, unknown>): Record<string, unknown> {
        return {
          channelKey: system.demo.channelKey,
          pay_method: 'card',
          merchant_uid: newMerchantUid(),
          name: '결 머그컵',
          amount: 1004,
          buyer_name: '홍길동',
          buyer_tel: '010-1234-5678',
          buyer_email: 'buyer@example.com',
          m_redirect_url: `${merchant.url}/done`,
          ...extra,
        };
      }

      /** Opens the merchant page and calls IMP.request_pay (not awaited: on mobile the page navigates away). */
      async function requestPay(page: Page, request: Record<string, unknown>) {
        await page.goto(merchant.url);
        await page.waitForFunction(() => typeof (window as unknown as { pay?: unknown }).pay === 'function');
        await page.evaluate((p) => {
          (window as unknown as { pay(p: unknown): void }).pay(p);
        }, request);
      }

      /** PC: the SDK's overlay iframe (gateway origin) and, inside it, Smartro's window (simulator origin). */
      async function pcSmartroWindow(page: Page): Promise<FrameLocator> {
        await page.getByRole('dialog', { name: '결제창' }).waitFor();
        return page.frameLocator('iframe[title="결제창"]').frameLocator('iframe[title="스마트로 결제창"]');
      }

      /** PC: the callback's answer, once the buyer is done. */
      async function pcResult(page: Page): Promise<Record<string, unknown>> {
        const handle = await page.waitForFunction(() => (window as unknown as { __rsp?: unknown }).__rsp, undefined, STEP);
        return (await handle.jsonValue()) as Record<string, unknown>;
      }

      /** Mobile: waits for the simulator's full page (no iframe), then, after `act`, for the redirect to m_redirect_url. */
      async function mobileRedirect(page: Page, act: () => Promise<void>): Promise<Record<string, string>> {
        await page.waitForURL((url) => url.origin === new URL(system.simulatorUrl).origin, STEP);
        expect(await page.locator('iframe').count()).toBe(0);
        await act();
        await page.waitForURL((url) => url.toString().startsWith(`${merchant.url}/done`), STEP);
        return Object.fromEntries(new URL(page.url()).searchParams);
      }

      /** GET /payments/{imp_uid}: status 200 and an answer valid against PortOne's V1 schema. */
      async function v1Payment(impUid: string) {
        const { status, body } = await rest.get(`/payments/${impUid}`);
        expect(status).toBe(200);
        expect(v1SchemaErrors('get', '/payments/{imp_uid}', 200, body)).toEqual([]);
        return body.response;
      }

      async function fillCard(form: Page | FrameLocator, company: string, quota: string) {
        await form.getByLabel('카드사').selectOption({ label: company });
        await form.getByLabel('카드번호').fill(APPROVED_CARD);
        await form.getByLabel('유효기간').fill(EXPIRY);
        await form.getByLabel('할부').selectOption({ label: quota });
      }

      /** The options a select of the Smartro window offers, as the buyer reads them. */
      const optionsOf = (form: Page | FrameLocator, label: string) => form.getByLabel(label).locator('option').allInnerTexts();

      it('PC card with escrow: paid in the nested iframes, callback success, V1 escrow true', async () => {
        const page = await newPage();
        const request = params({ escrow: true });
        await requestPay(page, request);
        const smartro = await pcSmartroWindow(page);
        await fillCard(smartro, '신한카드', '일시불');
        await smartro.getByRole('button', { name: '결제하기' }).click();
        const rsp = await pcResult(page);
        expect(rsp).toMatchObject({ success: true, merchant_uid: request.merchant_uid, pay_method: 'card' });
        expect(await v1Payment(rsp.imp_uid as string)).toMatchObject({ status: 'paid', pay_method: 'card', escrow: true, channel: 'pc', amount: 1004 });
        expect(page.errors).toEqual([]);
      });

      it('mobile card with escrow: full pages, redirect with imp_success=true, V1 escrow true', async () => {
        const page = await newPage(MOBILE_CONTEXT);
        const request = params({ escrow: true });
        await requestPay(page, request);
        const back = await mobileRedirect(page, async () => {
          await fillCard(page, '신한카드', '일시불');
          await page.getByRole('button', { name: '결제하기' }).click();
        });
        expect(back).toMatchObject({ merchant_uid: request.merchant_uid, imp_success: 'true' });
        expect(await v1Payment(back.imp_uid)).toMatchObject({ status: 'paid', pay_method: 'card', escrow: true, channel: 'mobile' });
        expect(page.errors).toEqual([]);
      });

      for (const mode of ['pc', 'mobile'] as const) {
        it(`${mode} direct call of 신한 (366) with 3 months: only that company's window and that quota; V1 card_code 366, card_quota 3`, async () => {
          const page = await newPage(mode === 'mobile' ? MOBILE_CONTEXT : {});
          const request = params({ amount: 50_000, card: { direct: { code: '366', quota: 3 } } });
          await requestPay(page, request);
          let impUid: string;
          const payInWindow = async (smartro: Page | FrameLocator) => {
            await smartro.getByText('신한카드 결제창 (카드사 직접 호출).').waitFor();
            expect(await optionsOf(smartro, '카드사')).toEqual(['신한카드']);
            expect(await optionsOf(smartro, '할부')).toEqual(['3개월']);
            await fillCard(smartro, '신한카드', '3개월');
            await shot(page, `direct-${mode}`, 'window');
            await smartro.getByRole('button', { name: '결제하기' }).click();
          };
          if (mode === 'pc') {
            await payInWindow(await pcSmartroWindow(page));
            const rsp = await pcResult(page);
            expect(rsp).toMatchObject({ success: true, merchant_uid: request.merchant_uid, card_quota: 3 });
            impUid = rsp.imp_uid as string;
          } else {
            const back = await mobileRedirect(page, () => payInWindow(page));
            expect(back).toMatchObject({ merchant_uid: request.merchant_uid, imp_success: 'true' });
            impUid = back.imp_uid;
          }
          expect(await v1Payment(impUid)).toMatchObject({
            status: 'paid',
            pay_method: 'card',
            amount: 50_000,
            card_code: '366',
            card_name: '신한',
            card_quota: 3,
            escrow: false,
            channel: mode,
          });
          expect(page.errors).toEqual([]);
        });
      }

      it('mobile phone: the carrier page is a full page, redirect with imp_success=true, V1 pay_method phone', async () => {
        const page = await newPage(MOBILE_CONTEXT);
        const request = params({ pay_method: 'phone', digital: true });
        await requestPay(page, request);
        const back = await mobileRedirect(page, async () => {
          await page.getByLabel('통신사').selectOption({ label: 'KT' });
          await page.getByLabel('휴대폰 번호').fill('010-2222-3333');
          await shot(page, 'phone-mobile', 'window');
          await page.getByRole('button', { name: '결제하기' }).click();
        });
        expect(back).toMatchObject({ merchant_uid: request.merchant_uid, imp_success: 'true' });
        expect(await v1Payment(back.imp_uid)).toMatchObject({ status: 'paid', pay_method: 'phone', channel: 'mobile', amount: 1004 });
        expect(page.errors).toEqual([]);
      });

      it('PC trans with escrow: paid in the nested iframes, V1 escrow true with the bank', async () => {
        const page = await newPage();
        const request = params({ pay_method: 'trans', escrow: true });
        await requestPay(page, request);
        const smartro = await pcSmartroWindow(page);
        await smartro.getByLabel('은행 선택').selectOption({ label: '신한은행' });
        await smartro.getByLabel('출금 계좌번호').fill('110-123-456789');
        await smartro.getByRole('button', { name: '결제하기' }).click();
        const rsp = await pcResult(page);
        expect(rsp).toMatchObject({ success: true, merchant_uid: request.merchant_uid, pay_method: 'trans' });
        expect(await v1Payment(rsp.imp_uid as string)).toMatchObject({
          status: 'paid',
          pay_method: 'trans',
          escrow: true,
          bank_code: '088',
          bank_name: '신한은행',
          channel: 'pc',
        });
        expect(page.errors).toEqual([]);
      });
    });
  }
});
