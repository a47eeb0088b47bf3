/**
 * End-to-end in a real Chromium: a billing key issued through the payment window (V1
 * `IMP.request_pay` with `customer_uid`). A small merchant page served by the test loads the
 * gateway's SDK; Smartro's billing window (the simulator) opens inside the SDK's iframe on PC and
 * as full pages on mobile. A new `customer_id` goes through 휴대폰 본인확인 first, a known one goes
 * straight to the card form. Each issue is then checked as a merchant would: `GET /payments/{imp_uid}`
 * (against PortOne's official V1 schema) and `GET /subscribe/customers/{customer_uid}`. The last
 * test is the whole life of a key: issued in the window, charged (`again`), a decline, three
 * schedules with one revoked, the clock moved, the system's scheduler running the two once each.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, hasChromium, launchBrowser, MOBILE_CONTEXT } from '../support/browser';
import { simTransactions } from '../support/billing';
import { ShiftedClock } from '../support/clock';
import { v1SchemaErrors } from '../support/openapi';
import { restClient, startTestSystem, systemDatabases, type TestSystem } from '../support/system';

const STEP = { timeout: 15_000 };
/** A card expiry three years ahead, MM/YY. */
const EXPIRY = `12/${String((new Date().getFullYear() + 3) % 100).padStart(2, '0')}`;

/** A merchant page: loads the gateway's SDK; `pay(params)` calls IMP.request_pay and keeps the callback's answer. */
function merchantPage(gatewayUrl: string, impCode: string): string {
  return `<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>구독 상점</title>
<script src="${gatewayUrl}/v1/iamport.js"></script></head>
<body><main><h1>구독 상점</h1><pre id="result"></pre></main>
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
    if (path === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(merchantPage(gatewayUrl, impCode));
    else if (path === '/done') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><html lang="ko"><body><h1>카드 등록 결과</h1></body></html>');
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let seq = 0;
const unique = (prefix: string) => `${prefix}${Date.now() % 1e9}${seq++}`;

describe.skipIf(!hasChromium)('e2e billing key issue through IMP.request_pay', () => {
  for (const db of systemDatabases()) {
    describe(db, () => {
      let system: TestSystem;
      let browser: Browser;
      let merchant: Awaited<ReturnType<typeof startMerchant>>;
      let rest: Awaited<ReturnType<typeof restClient>>;
      // Moved only by the last test (the whole life), which needs the scheduled time to come.
      const clock = new ShiftedClock();
      const contexts: BrowserContext[] = [];
      const shot = (page: Page, scenario: string, step: string) =>
        page.screenshot({ path: artifactPath(`e2e-billing-${db}-${scenario}-${step}.png`), fullPage: true });

      beforeAll(async () => {
        [system, browser] = await Promise.all([startTestSystem({ db, clock, env: { GYEOL_SCHEDULER_INTERVAL_MS: '200' } }), launchBrowser()]);
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

      /** A billing-key request: card, a customer_uid and customer_id, the first charge's amount for show. */
      function params(extra: Record<string, unknown> = {}): Record<string, unknown> {
        return {
          channelKey: system.demo.channelKey,
          pay_method: 'card',
          merchant_uid: unique('issue'),
          name: '월간 구독 (카드 등록)',
          amount: 9900,
          customer_uid: unique('cust_'),
          customer_id: unique('buyer'),
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

      /** PC: the SDK's overlay iframe; the gateway window in it is replaced by Smartro's billing window. */
      async function pcBillingWindow(page: Page): Promise<FrameLocator> {
        await page.getByRole('dialog', { name: '결제창' }).waitFor();
        return page.frameLocator('iframe[title="결제창"]');
      }

      async function pcResult(page: Page): Promise<Record<string, unknown>> {
        const handle = await page.waitForFunction(() => (window as unknown as { __rsp?: unknown }).__rsp, undefined, STEP);
        return (await handle.jsonValue()) as Record<string, unknown>;
      }

      /** 휴대폰 본인확인: 이름, 휴대폰 번호, and the code the simulator shows (it sends no text message). */
      async function passIdentity(window: Page | FrameLocator) {
        await window.getByRole('heading', { name: '스마트로 카드 등록' }).waitFor();
        const note = await window.locator('[data-identity-code]').innerText();
        const code = /인증번호: (\d{6})/.exec(note)?.[1] ?? '';
        await window.getByLabel('이름').fill('홍길동');
        await window.getByLabel('휴대폰 번호').fill('010-1234-5678');
        await window.getByLabel('인증번호').fill(code);
        await window.getByRole('button', { name: '인증' }).click();
      }

      async function fillCard(window: Page | FrameLocator, card = '4242 4242 4242 4242', company = '신한카드') {
        await window.getByLabel('카드번호').waitFor();
        await window.getByLabel('카드사').selectOption({ label: company });
        await window.getByLabel('카드번호').fill(card);
        await window.getByLabel('유효기간').fill(EXPIRY);
        await window.getByLabel('비밀번호 앞 2자리').fill('12');
        await window.getByLabel('생년월일 또는 사업자번호').fill('900101');
      }

      /** What a merchant checks after an issue: the payment (V1 schema) and the customer. */
      async function expectIssued(impUid: string, request: Record<string, unknown>, channel: 'pc' | 'mobile', cardNumber: string) {
        // restClient.payment checks the answer against PortOne's official V1 schema and gyeol's own.
        expect(await rest.payment(impUid)).toMatchObject({
          status: 'paid',
          amount: 0,
          pay_method: 'card',
          channel,
          merchant_uid: request.merchant_uid,
          customer_uid: request.customer_uid,
          customer_uid_usage: 'issue',
          card_number: cardNumber,
        });
        const customer = await rest.get(`/subscribe/customers/${request.customer_uid as string}`);
        expect(customer.status).toBe(200);
        expect(v1SchemaErrors('get', '/subscribe/customers/{customer_uid}', 200, customer.body)).toEqual([]);
        expect(customer.body.response).toMatchObject({ customer_uid: request.customer_uid, customer_id: request.customer_id, card_number: cardNumber, customer_name: '홍길동' });
      }

      it('PC, new customer_id: 휴대폰 본인확인, then the card, 발급, callback success', async () => {
        const page = await newPage();
        const request = params();
        await requestPay(page, request);
        const window = await pcBillingWindow(page);
        await window.getByLabel('인증번호').waitFor();
        await shot(page, 'pc-new', 'identity');
        await passIdentity(window);
        await fillCard(window);
        await shot(page, 'pc-new', 'card');
        await window.getByRole('button', { name: '발급' }).click();
        const rsp = await pcResult(page);
        expect(rsp).toMatchObject({ success: true, imp_success: true, merchant_uid: request.merchant_uid, status: 'paid', paid_amount: 0, error_code: null });
        await expectIssued(rsp.imp_uid as string, request, 'pc', '4242********4242');
        // The overlay is gone once the SDK called back.
        expect(await page.getByRole('dialog', { name: '결제창' }).count()).toBe(0);
        expect(page.errors).toEqual([]);
      });

      it('PC, known customer_id: no identity step, straight to the card form', async () => {
        const customerId = unique('known');
        const first = await newPage();
        await requestPay(first, params({ customer_id: customerId }));
        const firstWindow = await pcBillingWindow(first);
        await passIdentity(firstWindow);
        await fillCard(firstWindow);
        await firstWindow.getByRole('button', { name: '발급' }).click();
        expect(await pcResult(first)).toMatchObject({ success: true });

        const page = await newPage();
        const request = params({ customer_id: customerId });
        await requestPay(page, request);
        const window = await pcBillingWindow(page);
        await window.getByLabel('카드번호').waitFor();
        expect(await window.getByLabel('인증번호').count()).toBe(0);
        await fillCard(window, '5555 5555 5555 4444', '삼성카드');
        await shot(page, 'pc-known', 'card');
        await window.getByRole('button', { name: '발급' }).click();
        const rsp = await pcResult(page);
        expect(rsp).toMatchObject({ success: true, merchant_uid: request.merchant_uid });
        await expectIssued(rsp.imp_uid as string, request, 'pc', '5555********4444');
        expect(page.errors).toEqual([]);
      });

      it('PC: 닫기 in the billing window ends it with V1\'s user-abort answer', async () => {
        const page = await newPage();
        const request = params();
        await requestPay(page, request);
        const window = await pcBillingWindow(page);
        await window.getByLabel('인증번호').waitFor();
        await window.getByRole('button', { name: '닫기' }).click();
        const rsp = await pcResult(page);
        expect(rsp).toMatchObject({ success: false, merchant_uid: request.merchant_uid, error_code: 'USER_CANCELLED', error_msg: '[결제포기] 사용자가 결제를 취소하셨습니다' });
        expect((await rest.get(`/payments/${rsp.imp_uid as string}`)).body.response).toMatchObject({ status: 'failed', customer_uid_usage: 'issue' });
        expect((await rest.get(`/subscribe/customers/${request.customer_uid as string}`)).status).toBe(404);
        expect(page.errors).toEqual([]);
      });

      it('mobile, new customer_id: full pages, then a redirect to m_redirect_url with imp_success=true', async () => {
        const page = await newPage(MOBILE_CONTEXT);
        const request = params();
        await requestPay(page, request);
        await page.waitForURL((url) => url.origin === new URL(system.simulatorUrl).origin, STEP);
        expect(await page.locator('iframe').count()).toBe(0);
        await shot(page, 'mobile-new', 'identity');
        await passIdentity(page);
        await fillCard(page);
        await shot(page, 'mobile-new', 'card');
        await page.getByRole('button', { name: '발급' }).click();
        await page.waitForURL((url) => url.toString().startsWith(`${merchant.url}/done`), STEP);
        const back = Object.fromEntries(new URL(page.url()).searchParams);
        expect(back).toEqual({ imp_uid: expect.stringMatching(/^imp_\d{12}$/), merchant_uid: request.merchant_uid, imp_success: 'true' });
        await expectIssued(back.imp_uid, request, 'mobile', '4242********4242');
        expect(page.errors).toEqual([]);
      });

      it('the whole life: keys issued in the window (PC and mobile), charged, a decline, three schedules with one revoked, the clock moved, two run once each', async () => {
        // 1. Two keys through the window: a card that pays (PC) and one whose charges are declined (mobile).
        const pc = await newPage();
        const paying = params();
        await requestPay(pc, paying);
        const pcWindow = await pcBillingWindow(pc);
        await passIdentity(pcWindow);
        await fillCard(pcWindow);
        await pcWindow.getByRole('button', { name: '발급' }).click();
        expect(await pcResult(pc)).toMatchObject({ success: true, merchant_uid: paying.merchant_uid });

        const mobile = await newPage(MOBILE_CONTEXT);
        const declining = params();
        await requestPay(mobile, declining);
        await mobile.waitForURL((url) => url.origin === new URL(system.simulatorUrl).origin, STEP);
        await passIdentity(mobile);
        await fillCard(mobile, '4000 0000 0000 9995');
        await mobile.getByRole('button', { name: '발급' }).click();
        await mobile.waitForURL((url) => url.toString().startsWith(`${merchant.url}/done`), STEP);
        expect(new URL(mobile.url()).searchParams.get('imp_success')).toBe('true');

        // 2. Charges from the merchant's server: paid, and a decline as data (code 0, status failed).
        const buyer = { buyer_name: '홍길동', buyer_email: 'buyer@example.com', buyer_tel: '010-1234-5678' };
        const charge = async (customerUid: unknown, merchantUid: string) => {
          const res = await rest.send('POST', '/subscribe/payments/again', { customer_uid: customerUid, merchant_uid: merchantUid, amount: 9900, name: '월간 구독', ...buyer });
          expect(v1SchemaErrors('post', '/subscribe/payments/again', res.status, res.body)).toEqual([]);
          return res;
        };
        const paid = await charge(paying.customer_uid, unique('again'));
        expect([paid.status, paid.body.code, paid.body.response.status, paid.body.response.customer_uid_usage]).toEqual([200, 0, 'paid', 'payment']);
        const declined = await charge(declining.customer_uid, unique('again'));
        expect([declined.status, declined.body.code, declined.body.response.status]).toEqual([200, 0, 'failed']);
        expect(declined.body.response.fail_reason).toBeTruthy();

        // 3. Three schedules an hour ahead, the second revoked.
        const at = Math.floor(clock.now().getTime() / 1000) + 3600;
        const orders = [unique('sched'), unique('sched'), unique('sched')];
        const made = await rest.send('POST', '/subscribe/payments/schedule', {
          customer_uid: paying.customer_uid,
          schedules: orders.map((merchant_uid, i) => ({ merchant_uid, schedule_at: at + i, amount: 9900, name: '월간 구독', ...buyer })),
        });
        expect(v1SchemaErrors('post', '/subscribe/payments/schedule', made.status, made.body)).toEqual([]);
        expect(made.body.response.map((s: { schedule_status: string }) => s.schedule_status)).toEqual(['scheduled', 'scheduled', 'scheduled']);
        const revoked = await rest.send('POST', '/subscribe/payments/unschedule', { customer_uid: paying.customer_uid, merchant_uid: [orders[1]] });
        expect(revoked.body.response).toEqual([expect.objectContaining({ merchant_uid: orders[1], schedule_status: 'revoked' })]);

        // 4. The clock moves past the schedules; the system's own scheduler (a 200 ms poll) runs them.
        clock.offsetMs += 3_700_000;
        rest = await restClient(system); // a token taken before the move may be past its 30 minutes
        const scheduleOf = async (merchantUid: string) => (await rest.get(`/subscribe/payments/schedule/${merchantUid}`)).body.response;
        await expect.poll(async () => (await Promise.all([orders[0]!, orders[2]!].map(scheduleOf))).map((s) => s.schedule_status), { timeout: 20_000 }).toEqual(['executed', 'executed']);
        // A few more scheduler passes change nothing.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const [first, second, third] = await Promise.all(orders.map(scheduleOf));
        expect([first.schedule_status, first.payment_status, second.schedule_status, third.schedule_status, third.payment_status]).toEqual(['executed', 'paid', 'revoked', 'executed', 'paid']);
        for (const order of [orders[0]!, orders[2]!]) {
          expect((await simTransactions(system.simulatorUrl, order)).filter((t) => t.approval === 'approved')).toHaveLength(1);
          expect((await rest.get(`/payments/find/${order}`)).body.response).toMatchObject({ status: 'paid', customer_uid: paying.customer_uid, customer_uid_usage: 'payment.scheduled' });
        }
        expect(await simTransactions(system.simulatorUrl, orders[1]!)).toEqual([]);

        // 5. The key's payments: the issue, the charge and the two scheduled runs, newest first.
        const list = await rest.get(`/subscribe/customers/${paying.customer_uid as string}/payments`);
        expect(list.body.response.total).toBe(4);
        expect(list.body.response.list.map((p: { customer_uid_usage: string }) => p.customer_uid_usage).sort()).toEqual(['issue', 'payment', 'payment.scheduled', 'payment.scheduled']);
        expect([...pc.errors, ...mobile.errors]).toEqual([]);
      });
    });
  }
});
