/**
 * End-to-end: a real Chromium buys from the demo shop through the SDK, the gateway window and
 * the Smartro simulator's card window (three origins), on PC (iframes) and mobile (redirects),
 * then the test checks the result the way a merchant would, with the V1 REST API.
 */
import type { Browser, BrowserContext, FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, hasChromium, launchBrowser, MOBILE_CONTEXT } from '../support/browser';
import { restClient, startTestSystem, systemDatabases, type TestSystem } from '../support/system';
import { DECLINED_BANK_ACCOUNT } from '../../src/simulators/smartro/methods';

const STEP = { timeout: 15_000 };
const APPROVED_CARD = '4242 4242 4242 4242';
const DECLINED_CARD = '4000 0000 0000 0002';
/** A card expiry three years ahead, MM/YY. */
const EXPIRY = `12/${String((new Date().getFullYear() + 3) % 100).padStart(2, '0')}`;
const MUG = { name: '결 머그컵', amount: 1004, label: '1,004원' };

describe.skipIf(!hasChromium)('e2e checkout through the demo shop', () => {
  for (const db of systemDatabases()) {
    describe(db, () => {
      let system: TestSystem;
      let browser: Browser;
      const contexts: BrowserContext[] = [];
      const shot = (page: Page, scenario: string, step: string) =>
        page.screenshot({ path: artifactPath(`e2e-${db}-${scenario}-${step}.png`), fullPage: true });

      beforeAll(async () => {
        [system, browser] = await Promise.all([startTestSystem({ db }), launchBrowser()]);
      });
      afterAll(async () => {
        await Promise.allSettled(contexts.map((c) => c.close()));
        await browser?.close();
        await system?.close();
      });

      async function newPage(options: Parameters<Browser['newContext']>[0] = {}): Promise<Page> {
        const context = await browser.newContext({ locale: 'ko-KR', ...options });
        contexts.push(context);
        context.setDefaultTimeout(STEP.timeout);
        const page = await context.newPage();
        // A page error on any origin is a bug worth failing for.
        const errors: string[] = [];
        page.on('pageerror', (err) => errors.push(err.message));
        (page as Page & { errors: string[] }).errors = errors;
        return page;
      }
      const pageErrors = (page: Page) => (page as Page & { errors: string[] }).errors;

      /** The SDK's overlay iframe (gateway origin) and, inside it, Smartro's card window (simulator origin). */
      function pcWindows(page: Page): { gateway: FrameLocator; card: FrameLocator } {
        const gateway = page.frameLocator('iframe[title="결제창"]');
        return { gateway, card: gateway.frameLocator('iframe[title="스마트로 결제창"]') };
      }

      /** Fills the simulator's card form, found by its labels as a buyer would. */
      async function fillCard(form: Page | FrameLocator, cardNumber: string) {
        await form.getByLabel('카드사').selectOption({ label: '신한카드' });
        await form.getByLabel('카드번호').fill(cardNumber);
        await form.getByLabel('유효기간').fill(EXPIRY);
        await form.getByLabel('할부').selectOption({ label: '일시불' });
      }

      /** The shop's product page; `/?pay_method=trans` makes its buttons pay by bank transfer. */
      async function openShop(page: Page, path = '/') {
        await page.goto(new URL(path, system.shopUrl).toString());
        await page.getByRole('heading', { name: '상품' }).waitFor();
        await page.waitForFunction(() => typeof window.IMP?.request_pay === 'function');
      }

      async function startPcPayment(page: Page) {
        await openShop(page);
        await page.getByRole('button', { name: `${MUG.name} 결제하기` }).click();
        await page.getByRole('dialog', { name: '결제창' }).waitFor();
        const windows = pcWindows(page);
        await windows.card.getByLabel('카드번호').waitFor();
        return windows;
      }

      /** The order's merchant_uid from the receipt URL, and what the shop recorded for it. */
      async function shopOrder(page: Page) {
        const merchantUid = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
        const res = await fetch(`${system.shopUrl}/api/orders/${merchantUid}`);
        return (await res.json()) as { merchant_uid: string; status: string; amount: number; imp_uid: string | null; fail_reason: string | null };
      }

      it('PC: pays 1,004원 by card in the nested iframes and the shop shows the verified receipt', async () => {
        const page = await newPage();
        const { card } = await startPcPayment(page);
        await expect(card.getByText(MUG.label).first().textContent()).resolves.toContain('1,004');
        await fillCard(card, APPROVED_CARD);
        await shot(page, 'pc', 'card-filled');
        await card.getByRole('button', { name: '결제하기' }).click();

        await page.waitForURL(/\/order\/order[A-Za-z0-9]+$/, STEP);
        await page.getByRole('heading', { name: '결제 완료' }).waitFor();
        expect(new URL(page.url()).origin).toBe(new URL(system.shopUrl).origin);
        const text = await page.locator('main').innerText();
        expect(text).toContain(MUG.name);
        expect(text).toContain(MUG.label);
        await shot(page, 'pc', 'receipt');

        const order = await shopOrder(page);
        expect(order).toMatchObject({ status: 'paid', amount: 1004 });
        expect(order.imp_uid).toMatch(/^imp_\d{12}$/);
        expect(text).toContain(order.imp_uid);

        const rest = await restClient(system);
        const { status, body } = await rest.get(`/payments/${order.imp_uid}?include_sandbox=true`);
        expect(status).toBe(200);
        const payment = body.response;
        expect(payment).toMatchObject({ status: 'paid', amount: 1004, merchant_uid: order.merchant_uid, pay_method: 'card' });
        expect(payment.card_number).toContain('*');
        expect(payment.card_number).not.toContain('4242424242424242');
        expect(text).toContain(payment.card_number);
        // The simulator's approval carries an 8-digit AuthCode; the receipt must show it.
        expect(payment.apply_num).toMatch(/^\d{8}$/);
        expect(text).toContain(payment.apply_num);
        expect(pageErrors(page)).toEqual([]);
      });

      it('PC: a declined card ends as 결제 실패 with the decline reason', async () => {
        const page = await newPage();
        const { card } = await startPcPayment(page);
        await fillCard(card, DECLINED_CARD);
        await card.getByRole('button', { name: '결제하기' }).click();

        await page.waitForURL(/\/order\/order[A-Za-z0-9]+$/, STEP);
        await page.getByRole('heading', { name: '결제 실패' }).waitFor();
        await shot(page, 'pc-decline', 'result');
        const order = await shopOrder(page);
        expect(order.status).toBe('failed');
        expect(order.imp_uid).toMatch(/^imp_\d{12}$/);

        const { body } = await (await restClient(system)).get(`/payments/${order.imp_uid}?include_sandbox=true`);
        expect(body.response.status).toBe('failed');
        expect(body.response.fail_reason).toBeTruthy();
        expect(await page.locator('main').innerText()).toContain(body.response.fail_reason);
        expect(order.fail_reason).toBe(body.response.fail_reason);
      });

      it('PC: an amount changed in the browser is paid but never accepted by the shop', async () => {
        const page = await newPage();
        await openShop(page);
        // The classic forgery: the buyer rewrites request_pay's amount in devtools.
        await page.evaluate(() => {
          const original = window.IMP!.request_pay;
          window.IMP!.request_pay = (params, cb) => original({ ...params, amount: 100 }, cb);
        });
        await page.getByRole('button', { name: `${MUG.name} 결제하기` }).click();
        const { card } = pcWindows(page);
        await fillCard(card, APPROVED_CARD);
        await card.getByRole('button', { name: '결제하기' }).click();

        await page.waitForURL(/\/order\/order[A-Za-z0-9]+$/, STEP);
        await page.getByRole('heading', { name: '결제 금액 불일치' }).waitFor();
        await shot(page, 'tamper', 'result');
        const order = await shopOrder(page);
        expect(order).toMatchObject({ status: 'amount_mismatch', amount: 1004 });
        const { body } = await (await restClient(system)).get(`/payments/${order.imp_uid}?include_sandbox=true`);
        expect(body.response).toMatchObject({ status: 'paid', amount: 100 });
      });

      it('mobile: full-page windows, redirect back with imp_success=true, receipt 결제 완료', async () => {
        const page = await newPage(MOBILE_CONTEXT);
        const navigations: string[] = [];
        page.on('request', (r) => {
          if (r.isNavigationRequest() && r.frame() === page.mainFrame()) navigations.push(r.url());
        });
        await openShop(page);
        await page.getByRole('button', { name: `${MUG.name} 결제하기` }).click();

        await page.waitForURL((url) => url.origin === new URL(system.simulatorUrl).origin, STEP);
        await page.getByLabel('카드번호').waitFor();
        expect(await page.locator('iframe').count()).toBe(0);
        await fillCard(page, APPROVED_CARD);
        await shot(page, 'mobile', 'card-page');
        await page.getByRole('button', { name: '결제하기' }).click();

        await page.waitForURL(/\/order\/order[A-Za-z0-9]+$/, STEP);
        await page.getByRole('heading', { name: '결제 완료' }).waitFor();
        await shot(page, 'mobile', 'receipt');
        // shop → gateway window → Smartro (simulator) card page → … → shop /order/complete → receipt
        const origins = navigations.map((u) => new URL(u).origin);
        expect(navigations.some((u) => u.startsWith(`${system.gatewayUrl}/checkout/`))).toBe(true);
        expect(origins.indexOf(new URL(system.gatewayUrl).origin)).toBeLessThan(origins.indexOf(new URL(system.simulatorUrl).origin));
        const redirects = navigations.filter((u) => u.startsWith(`${system.shopUrl}/order/complete`));
        expect(redirects).toHaveLength(1);
        const back = new URL(redirects[0]);
        expect(back.origin).toBe(new URL(system.shopUrl).origin);
        expect(back.searchParams.get('imp_success')).toBe('true');
        const order = await shopOrder(page);
        expect(back.searchParams.get('merchant_uid')).toBe(order.merchant_uid);
        expect(back.searchParams.get('imp_uid')).toBe(order.imp_uid);
        expect(order).toMatchObject({ status: 'paid', amount: 1004 });

        const { body } = await (await restClient(system)).get(`/payments/${order.imp_uid}?include_sandbox=true`);
        expect(body.response).toMatchObject({ status: 'paid', amount: 1004, channel: 'mobile' });
        expect(pageErrors(page)).toEqual([]);
      });

      it('mobile: a declined card redirects with imp_success=false and the shop shows 결제 실패', async () => {
        const page = await newPage(MOBILE_CONTEXT);
        await openShop(page);
        await page.getByRole('button', { name: `${MUG.name} 결제하기` }).click();
        await page.getByLabel('카드번호').waitFor();
        await fillCard(page, DECLINED_CARD);
        const [redirect] = await Promise.all([
          page.waitForRequest((r) => r.isNavigationRequest() && r.url().includes('/order/complete'), STEP),
          page.getByRole('button', { name: '결제하기' }).click(),
        ]);
        const back = new URL(redirect.url());
        expect(back.searchParams.get('imp_success')).toBe('false');
        expect(back.searchParams.get('error_code')).toBeTruthy();
        expect(back.searchParams.get('error_msg')).toBeTruthy();

        await page.waitForURL(/\/order\/order[A-Za-z0-9]+$/, STEP);
        await page.getByRole('heading', { name: '결제 실패' }).waitFor();
        await shot(page, 'mobile-decline', 'result');
        const order = await shopOrder(page);
        expect(order.status).toBe('failed');
        const { body } = await (await restClient(system)).get(`/payments/${back.searchParams.get('imp_uid')}?include_sandbox=true`);
        expect(body.response.status).toBe('failed');
        expect(body.response.fail_reason).toBeTruthy();
        expect(await page.locator('main').innerText()).toContain(body.response.fail_reason);
      });

      /** Fills the simulator's bank transfer form, found by its labels as a buyer would. */
      async function fillBank(form: Page | FrameLocator, account: string) {
        await form.getByLabel('은행 선택').selectOption({ label: '신한은행' });
        await form.getByLabel('출금 계좌번호').fill(account);
      }

      /** What the gateway says about the shop's order, checked as a merchant would. */
      async function v1PaymentOf(impUid: string) {
        const { status, body } = await (await restClient(system)).get(`/payments/${impUid}?include_sandbox=true`);
        expect(status).toBe(200);
        return body.response;
      }

      it('PC trans: pays 1,004원 by 신한은행 transfer in the nested iframes; the receipt and V1 show the bank', async () => {
        const page = await newPage();
        await openShop(page, '/?pay_method=trans');
        await page.getByRole('button', { name: `${MUG.name} 결제하기` }).click();
        await page.getByRole('dialog', { name: '결제창' }).waitFor();
        const { card: smartro } = pcWindows(page);
        await smartro.getByLabel('은행 선택').waitFor();
        expect(await smartro.getByLabel('카드번호').count()).toBe(0);
        await fillBank(smartro, '110-123-456789');
        await shot(page, 'pc-trans', 'bank-filled');
        await smartro.getByRole('button', { name: '결제하기' }).click();

        await page.waitForURL(/\/order\/order[A-Za-z0-9]+$/, STEP);
        await page.getByRole('heading', { name: '결제 완료' }).waitFor();
        await shot(page, 'pc-trans', 'receipt');
        const text = await page.locator('main').innerText();
        expect(text).toContain('신한은행');
        const order = await shopOrder(page);
        expect(order).toMatchObject({ status: 'paid', amount: 1004 });
        expect(await v1PaymentOf(order.imp_uid!)).toMatchObject({
          status: 'paid',
          pay_method: 'trans',
          amount: 1004,
          bank_code: '088',
          bank_name: '신한은행',
          channel: 'pc',
        });
        expect(pageErrors(page)).toEqual([]);
      });

      it('mobile trans: the bank page is a full page, redirect back with imp_success=true, receipt 결제 완료', async () => {
        const page = await newPage(MOBILE_CONTEXT);
        await openShop(page, '/?pay_method=trans');
        await page.getByRole('button', { name: `${MUG.name} 결제하기` }).click();
        await page.waitForURL((url) => url.origin === new URL(system.simulatorUrl).origin, STEP);
        await page.getByLabel('은행 선택').waitFor();
        expect(await page.locator('iframe').count()).toBe(0);
        await fillBank(page, '1234567890');
        await shot(page, 'mobile-trans', 'bank-page');
        const [redirect] = await Promise.all([
          page.waitForRequest((r) => r.isNavigationRequest() && r.url().includes('/order/complete'), STEP),
          page.getByRole('button', { name: '결제하기' }).click(),
        ]);
        expect(new URL(redirect.url()).searchParams.get('imp_success')).toBe('true');
        await page.waitForURL(/\/order\/order[A-Za-z0-9]+$/, STEP);
        await page.getByRole('heading', { name: '결제 완료' }).waitFor();
        await shot(page, 'mobile-trans', 'receipt');
        const order = await shopOrder(page);
        expect(order.status).toBe('paid');
        expect(await v1PaymentOf(order.imp_uid!)).toMatchObject({ status: 'paid', pay_method: 'trans', bank_code: '088', bank_name: '신한은행', channel: 'mobile' });
        expect(pageErrors(page)).toEqual([]);
      });

      it('mobile trans: the declining test account ends as 결제 실패 with the bank’s reason', async () => {
        const page = await newPage(MOBILE_CONTEXT);
        await openShop(page, '/?pay_method=trans');
        await page.getByRole('button', { name: `${MUG.name} 결제하기` }).click();
        await page.getByLabel('은행 선택').waitFor();
        await fillBank(page, DECLINED_BANK_ACCOUNT);
        await page.getByRole('button', { name: '결제하기' }).click();
        await page.waitForURL(/\/order\/order[A-Za-z0-9]+$/, STEP);
        await page.getByRole('heading', { name: '결제 실패' }).waitFor();
        const order = await shopOrder(page);
        expect(order.status).toBe('failed');
        const payment = await v1PaymentOf(order.imp_uid!);
        expect(payment).toMatchObject({ status: 'failed', pay_method: 'trans', fail_reason: '잔액이 부족합니다' });
        expect(await page.locator('main').innerText()).toContain('잔액이 부족합니다');
      });

      it('PC phone: pays by phone in the nested iframes (the shop sends digital: false)', async () => {
        const page = await newPage();
        await openShop(page, '/?pay_method=phone');
        await page.getByRole('button', { name: `${MUG.name} 결제하기` }).click();
        await page.getByRole('dialog', { name: '결제창' }).waitFor();
        const { card: smartro } = pcWindows(page);
        await smartro.getByLabel('통신사').selectOption({ label: 'KT' });
        await smartro.getByLabel('휴대폰 번호').fill('010-2222-3333');
        await shot(page, 'pc-phone', 'phone-filled');
        await smartro.getByRole('button', { name: '결제하기' }).click();

        await page.waitForURL(/\/order\/order[A-Za-z0-9]+$/, STEP);
        await page.getByRole('heading', { name: '결제 완료' }).waitFor();
        const order = await shopOrder(page);
        expect(order.status).toBe('paid');
        expect(await v1PaymentOf(order.imp_uid!)).toMatchObject({ status: 'paid', pay_method: 'phone', amount: 1004, channel: 'pc', bank_code: null });
        expect(pageErrors(page)).toEqual([]);
      });

      it('invalid request: a bad merchant_uid answers at once, opens no window and creates nothing', async () => {
        const page = await newPage();
        await openShop(page);
        const merchantUid = `order-${Date.now()}`;
        const rsp = await page.evaluate(
          ({ channelKey, merchantUid }) =>
            window.IMP!.request_pay({
              channelKey,
              pay_method: 'card',
              merchant_uid: merchantUid,
              name: '결 머그컵',
              amount: 1004,
              buyer_name: '홍길동',
              buyer_tel: '010-1234-5678',
              buyer_email: 'buyer@example.com',
            }),
          { channelKey: system.demo.channelKey, merchantUid },
        );
        expect(rsp).toMatchObject({ imp_uid: null, merchant_uid: merchantUid });
        expect(rsp.success).toBeFalsy();
        expect(rsp.error_code).toBeTruthy();
        expect(rsp.error_msg).toContain('merchant_uid');
        expect(await page.locator('iframe').count()).toBe(0);
        expect(await page.getByRole('dialog').count()).toBe(0);

        const { status } = await (await restClient(system)).get(`/payments/find/${merchantUid}?include_sandbox=true`);
        expect(status).toBe(404);
      });

      it('invalid request from the shop UI: the error is shown on the product page', async () => {
        const page = await newPage();
        await openShop(page);
        await page.getByLabel('전화번호').fill('');
        await page.getByRole('button', { name: `${MUG.name} 결제하기` }).click();
        const alert = page.getByRole('alert');
        await alert.waitFor();
        expect(await alert.innerText()).toContain('buyer_tel');
        expect(await page.locator('iframe').count()).toBe(0);
        expect(new URL(page.url()).pathname).toBe('/');
        await shot(page, 'invalid', 'alert');
        // The buttons are usable again for a second try.
        expect(await page.getByRole('button', { name: `${MUG.name} 결제하기` }).isEnabled()).toBe(true);
      });
    });
  }
});
