/**
 * End-to-end: a real Chromium buys from the demo shop with each easy pay (`/?pay_method=kakaopay`,
 * …) through the SDK, the gateway window and the Smartro simulator's easy-pay window, on PC
 * (nested iframes) and mobile (redirects), then checks the result as a merchant would, with the
 * V1 REST API: `pay_method` and `emb_pg_provider` are the easy pay asked for.
 */
import type { Browser, BrowserContext, FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EASY_PAY_METHODS, type EasyPayMethod } from '../../src/domain/payment';
import { SIM_EASY_PAYS, type SimEasyPayBrand } from '../../src/simulators/smartro/easypay';
import { SMARTRO_EASY_PAY_METHODS } from '../../src/connectors/smartro/wire';
import { artifactPath, hasChromium, launchBrowser, MOBILE_CONTEXT } from '../support/browser';
import { restClient, startTestSystem, systemDatabases, type TestSystem } from '../support/system';

const STEP = { timeout: 15_000 };
const MUG = { name: '결 머그컵', amount: 1004 };
/** How each PC payment is funded: KakaoPay by a registered Shinhan card, the others by the brand's money. */
const SHINHAN = { label: '신한카드 50612345****067*', cardName: '신한', cardNumber: '50612345****067*' };

function brandOf(payMethod: EasyPayMethod): SimEasyPayBrand {
  const brand = SIM_EASY_PAYS.find((b) => b.payMethod === SMARTRO_EASY_PAY_METHODS[payMethod]);
  if (!brand) throw new Error(`no simulator brand for ${payMethod}`);
  return brand;
}

describe.skipIf(!hasChromium)('e2e easy pays through the demo shop', () => {
  for (const db of systemDatabases()) {
    describe(db, () => {
      let system: TestSystem;
      let browser: Browser;
      const contexts: BrowserContext[] = [];
      const shot = (page: Page, scenario: string, step: string) =>
        page.screenshot({ path: artifactPath(`e2e-easypay-${db}-${scenario}-${step}.png`), fullPage: true });

      beforeAll(async () => {
        [system, browser] = await Promise.all([startTestSystem({ db }), launchBrowser()]);
      });
      afterAll(async () => {
        await Promise.allSettled(contexts.map((c) => c.close()));
        await browser?.close();
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

      /** Opens the shop with its buttons set to this easy pay and presses the mug's 결제하기. */
      async function buyMug(page: Page, payMethod: EasyPayMethod) {
        await page.goto(new URL(`/?pay_method=${payMethod}`, system.shopUrl).toString());
        await page.getByRole('heading', { name: '상품' }).waitFor();
        await page.waitForFunction(() => typeof window.IMP?.request_pay === 'function');
        await page.getByRole('button', { name: `${MUG.name} 결제하기` }).click();
      }

      /** Smartro's window inside the gateway's overlay (PC). */
      const pcSmartro = (page: Page): FrameLocator => page.frameLocator('iframe[title="결제창"]').frameLocator('iframe[title="스마트로 결제창"]');

      /** Signs in to the brand's window and picks how to pay, found by their labels as a buyer would. */
      async function fillEasyPay(form: Page | FrameLocator, brand: SimEasyPayBrand, funding: string) {
        await form.getByRole('heading', { name: brand.name }).waitFor();
        await form.getByLabel(`${brand.name} 로그인`, { exact: false }).fill(brand.login === 'phone' ? '010-2222-3333' : 'gyeolbuyer');
        await form.getByLabel('결제수단').selectOption({ label: funding });
      }

      async function shopOrder(page: Page) {
        const merchantUid = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
        const res = await fetch(`${system.shopUrl}/api/orders/${merchantUid}`);
        return (await res.json()) as { merchant_uid: string; status: string; amount: number; imp_uid: string | null; fail_reason: string | null };
      }

      async function v1PaymentOf(impUid: string) {
        const { status, body } = await (await restClient(system)).get(`/payments/${impUid}?include_sandbox=true`);
        expect(status).toBe(200);
        return body.response;
      }

      for (const payMethod of EASY_PAY_METHODS) {
        const brand = brandOf(payMethod);
        const byCard = payMethod === 'kakaopay';
        it(`PC ${payMethod}: pays in the ${brand.name} window (${byCard ? 'a registered card' : brand.moneyName}); receipt and V1 name the easy pay`, async () => {
          const page = await newPage();
          await buyMug(page, payMethod);
          await page.getByRole('dialog', { name: '결제창' }).waitFor();
          const smartro = pcSmartro(page);
          await fillEasyPay(smartro, brand, byCard ? SHINHAN.label : brand.moneyName);
          await shot(page, `pc-${payMethod}`, 'window');
          await smartro.getByRole('button', { name: '결제하기' }).click();

          await page.waitForURL(/\/order\/order[A-Za-z0-9]+$/, STEP);
          await page.getByRole('heading', { name: '결제 완료' }).waitFor();
          await shot(page, `pc-${payMethod}`, 'receipt');
          const text = await page.locator('main').innerText();
          expect(text).toContain(brand.name);
          const order = await shopOrder(page);
          expect(order).toMatchObject({ status: 'paid', amount: MUG.amount });
          expect(await v1PaymentOf(order.imp_uid!)).toMatchObject({
            status: 'paid',
            amount: MUG.amount,
            pay_method: payMethod,
            emb_pg_provider: payMethod,
            channel: 'pc',
            card_name: byCard ? SHINHAN.cardName : null,
            card_number: byCard ? SHINHAN.cardNumber : null,
          });
          expect(text.includes(SHINHAN.cardNumber)).toBe(byCard);
          expect(page.errors).toEqual([]);
        });
      }

      for (const payMethod of EASY_PAY_METHODS) {
        const brand = brandOf(payMethod);
        it(`mobile ${payMethod}: the ${brand.name} window is a full page, redirect back with imp_success=true, receipt 결제 완료`, async () => {
          const page = await newPage(MOBILE_CONTEXT);
          await buyMug(page, payMethod);
          await page.waitForURL((url) => url.origin === new URL(system.simulatorUrl).origin, STEP);
          await fillEasyPay(page, brand, brand.moneyName);
          expect(await page.locator('iframe').count()).toBe(0);
          await shot(page, `mobile-${payMethod}`, 'window');
          const [redirect] = await Promise.all([
            page.waitForRequest((r) => r.isNavigationRequest() && r.url().includes('/order/complete'), STEP),
            page.getByRole('button', { name: '결제하기' }).click(),
          ]);
          expect(new URL(redirect.url()).searchParams.get('imp_success')).toBe('true');
          await page.waitForURL(/\/order\/order[A-Za-z0-9]+$/, STEP);
          await page.getByRole('heading', { name: '결제 완료' }).waitFor();
          await shot(page, `mobile-${payMethod}`, 'receipt');
          expect(await page.locator('main').innerText()).toContain(brand.name);
          const order = await shopOrder(page);
          expect(order.status).toBe('paid');
          expect(await v1PaymentOf(order.imp_uid!)).toMatchObject({
            status: 'paid',
            pay_method: payMethod,
            emb_pg_provider: payMethod,
            channel: 'mobile',
            card_number: null,
          });
          expect(page.errors).toEqual([]);
        });
      }

      it('PC payco: 취소 in the PAYCO window ends as 결제 실패 with the buyer’s cancel as the reason', async () => {
        const brand = brandOf('payco');
        const page = await newPage();
        await buyMug(page, 'payco');
        const smartro = pcSmartro(page);
        await smartro.getByRole('heading', { name: brand.name }).waitFor();
        await smartro.getByRole('button', { name: '취소' }).click();

        await page.waitForURL(/\/order\/order[A-Za-z0-9]+$/, STEP);
        await page.getByRole('heading', { name: '결제 실패' }).waitFor();
        await shot(page, 'pc-payco-cancel', 'result');
        const order = await shopOrder(page);
        expect(order.status).toBe('failed');
        const payment = await v1PaymentOf(order.imp_uid!);
        expect(payment).toMatchObject({ status: 'failed', pay_method: 'payco', emb_pg_provider: null, paid_at: 0 });
        expect(payment.fail_reason).toContain('사용자가 결제를 취소하셨습니다');
        expect(await page.locator('main').innerText()).toContain(payment.fail_reason);
      });
    });
  }
});
