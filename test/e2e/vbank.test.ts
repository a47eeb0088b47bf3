/**
 * End-to-end: a real Chromium buys from the demo shop with a virtual account, on PC (iframes) and
 * mobile (full pages): the account is issued in Smartro's window (simulator), the shop shows 입금
 * 대기 with it, the buyer presses 입금하기 on the simulator's /sim/vbank page, the deposit
 * notification makes the payment `paid`, and the shop shows 결제 완료. A webhook receiver hears
 * `ready` then `paid`, once each, also when the notification comes again.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SmartroCredentials } from '../../src/connectors/smartro/credentials';
import { signValue } from '../../src/connectors/smartro/crypto';
import { artifactPath, hasChromium, launchBrowser, MOBILE_CONTEXT } from '../support/browser';
import { until } from '../support/processes';
import { startReceiver } from '../support/receiver';
import { restClient, startTestSystem, systemDatabases, type TestSystem } from '../support/system';

const STEP = { timeout: 15_000 };
/** A whole purchase, deposit and repeat in a browser: well under 15 s alone, more on a loaded machine. */
const SCENARIO_TIMEOUT_MS = 90_000;
const MUG = { name: '결 머그컵', amount: 1004, label: '1,004원' };
const HOLDER = '결 시뮬레이터 가맹점';

describe.skipIf(!hasChromium)('e2e virtual account through the demo shop', () => {
  for (const db of systemDatabases()) {
    describe(db, () => {
      let system: TestSystem;
      let browser: Browser;
      let hook: Awaited<ReturnType<typeof startReceiver>>;
      let storeId: number;
      let rest: Awaited<ReturnType<typeof restClient>>;
      const contexts: BrowserContext[] = [];
      const shot = (page: Page, scenario: string, step: string) =>
        page.screenshot({ path: artifactPath(`e2e-vbank-${db}-${scenario}-${step}.png`), fullPage: true });

      beforeAll(async () => {
        [system, browser, hook] = await Promise.all([startTestSystem({ db, env: { GYEOL_WEBHOOK_INTERVAL_MS: '100' } }), launchBrowser(), startReceiver()]);
        storeId = (await system.store.stores.findByImpCode(system.demo.impCode))!.id;
        rest = await restClient(system);
        // The demo channel is a test channel: its webhooks go to the store's test URL.
        await system.services.webhooks.updateSettings(storeId, { testUrl: hook.url });
      });
      afterAll(async () => {
        await Promise.allSettled(contexts.map((c) => c.close()));
        await browser?.close();
        await hook?.close();
        await system?.close();
      });

      async function newPage(options: Parameters<Browser['newContext']>[0] = {}): Promise<Page> {
        const context = await browser.newContext({ locale: 'ko-KR', ...options });
        contexts.push(context);
        context.setDefaultTimeout(STEP.timeout);
        return watched(await context.newPage());
      }
      /** Collects the page errors of `page` (on any origin): a page error is a bug worth failing for. */
      function watched(page: Page): Page {
        const errors: string[] = [];
        page.on('pageerror', (err) => errors.push(err.message));
        (page as Page & { errors: string[] }).errors = errors;
        return page;
      }
      const pageErrors = (page: Page) => (page as Page & { errors: string[] }).errors;

      async function openShop(page: Page) {
        await page.goto(new URL('/?pay_method=vbank', system.shopUrl).toString());
        await page.getByRole('heading', { name: '상품' }).waitFor();
        await page.waitForFunction(() => typeof window.IMP?.request_pay === 'function');
      }

      /** What the gateway says about a payment, as a merchant asks, checked against PortOne's V1 schema. */
      const v1PaymentOf = (impUid: string) => rest.payment(impUid, '?include_sandbox=true');

      async function shopOrder(page: Page) {
        const merchantUid = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
        const res = await fetch(`${system.shopUrl}/api/orders/${merchantUid}`);
        return (await res.json()) as { merchant_uid: string; status: string; amount: number; imp_uid: string | null };
      }

      /** The `status` of every webhook the receiver got about one payment, in order. */
      const webhookStatuses = (impUid: string) =>
        hook.received.map((r) => JSON.parse(r.body) as { imp_uid: string; status: string }).filter((b) => b.imp_uid === impUid).map((b) => b.status);

      /** The shop's 입금 대기 page: shows the issued account and the V1 payment behind it (ready). */
      async function expectAwaitingDeposit(page: Page, scenario: string) {
        await page.waitForURL(/\/order\/order[A-Za-z0-9]+$/, STEP);
        await page.getByRole('heading', { name: '입금 대기' }).waitFor();
        await shot(page, scenario, 'awaiting-deposit');
        const order = await shopOrder(page);
        expect(order).toMatchObject({ status: 'awaiting_deposit', amount: MUG.amount });
        const ready = await v1PaymentOf(order.imp_uid!);
        expect(ready).toMatchObject({ status: 'ready', pay_method: 'vbank', amount: MUG.amount, merchant_uid: order.merchant_uid, vbank_code: '088', vbank_name: '신한은행', vbank_holder: HOLDER, paid_at: 0 });
        expect(ready.vbank_num).toMatch(/^7\d{13}$/);
        const text = await page.locator('main').innerText();
        for (const shown of ['신한은행', ready.vbank_num, HOLDER, MUG.label]) expect(text).toContain(shown);
        // The deadline the shop asked for (three days ahead, 23:59:59 Korea time), as the shop shows it.
        const deadline = new Date(ready.vbank_date * 1000 + 9 * 60 * 60 * 1000).toISOString().slice(0, 16).replace('T', ' ');
        expect(deadline).toMatch(/ 23:59$/);
        expect(text).toContain(deadline);
        return { order, ready };
      }

      /** Presses 입금하기 for the account on the simulator's /sim/vbank page, in the browser. */
      async function depositInBrowser(page: Page, vbankNum: string, scenario: string) {
        await page.goto(new URL('/sim/vbank', system.simulatorUrl).toString());
        const row = page.locator('tr', { hasText: vbankNum });
        await row.getByRole('button', { name: '입금하기' }).click();
        await page.waitForURL(new URL('/sim/vbank', system.simulatorUrl).toString(), STEP);
        await row.getByText('입금 완료').waitFor();
        await shot(page, scenario, 'deposited');
      }

      /** Waits until the deposit notification has made the payment paid at the gateway. */
      const untilPaid = (impUid: string) =>
        until('the deposit notification to pay the payment', async () => {
          const payment = await v1PaymentOf(impUid);
          return payment.status === 'paid' ? payment : null;
        }, STEP.timeout);

      /** 입금 확인 on the shop's page asks the REST API again: 결제 완료 with the account. */
      async function expectReceipt(page: Page, orderUrl: string, vbankNum: string, scenario: string) {
        if (page.url() !== orderUrl) await page.goto(orderUrl);
        await page.getByRole('heading', { name: '입금 대기' }).waitFor();
        await page.getByRole('button', { name: '입금 확인' }).click();
        await page.getByRole('heading', { name: '결제 완료' }).waitFor();
        await shot(page, scenario, 'receipt');
        const text = await page.locator('main').innerText();
        expect(text).toContain(`신한은행 ${vbankNum}`);
        expect(text).toContain(MUG.label);
        expect((await shopOrder(page)).status).toBe('paid');
      }

      it('PC: the account is issued in the iframes, 입금 대기, 입금하기 on /sim/vbank, 결제 완료; webhooks ready then paid once, also after 재통보', async () => {
        const page = await newPage();
        await openShop(page);
        await page.getByRole('button', { name: `${MUG.name} 결제하기` }).click();
        await page.getByRole('dialog', { name: '결제창' }).waitFor();
        const smartro = page.frameLocator('iframe[title="결제창"]').frameLocator('iframe[title="스마트로 결제창"]');
        await smartro.getByLabel('입금 은행 선택').selectOption({ label: '신한은행' });
        await smartro.getByRole('button', { name: '계좌 발급' }).click();

        const { order, ready } = await expectAwaitingDeposit(page, 'pc');
        expect(ready.channel).toBe('pc');
        const orderUrl = page.url();

        const simulator = watched(await page.context().newPage());
        await depositInBrowser(simulator, ready.vbank_num, 'pc');
        const paid = await untilPaid(order.imp_uid!);
        expect(paid).toMatchObject({ status: 'paid', pay_method: 'vbank', amount: MUG.amount, vbank_num: ready.vbank_num, failed_at: 0 });
        expect(paid.paid_at).toBeGreaterThan(0);
        await expectReceipt(page, orderUrl, ready.vbank_num, 'pc');

        await hook.until(() => webhookStatuses(order.imp_uid!).length >= 2);
        expect(webhookStatuses(order.imp_uid!)).toEqual(['ready', 'paid']);

        // Smartro's 재통보 through the simulator's control API: acknowledged, nothing changes.
        const again = await fetch(`${system.simulatorUrl}/sim/vbank/${paid.pg_tid}/notify`, { method: 'POST' });
        expect(await again.json()).toEqual({ tid: paid.pg_tid, acknowledged: true });
        await system.webhookWorker.runOnce();
        expect(await v1PaymentOf(order.imp_uid!)).toEqual(paid);
        expect(webhookStatuses(order.imp_uid!)).toEqual(['ready', 'paid']);
        expect(await system.services.webhooks.listDeliveries(storeId, { impUid: order.imp_uid! })).toHaveLength(2);
        expect(pageErrors(page)).toEqual([]);
        expect(pageErrors(simulator)).toEqual([]);
      }, SCENARIO_TIMEOUT_MS);

      it('mobile: the account is issued on the full page, 입금 대기 after the redirect, 입금하기, 결제 완료; a re-posted signed notification changes nothing', async () => {
        const page = await newPage(MOBILE_CONTEXT);
        await openShop(page);
        await page.getByRole('button', { name: `${MUG.name} 결제하기` }).click();
        await page.waitForURL((url) => url.origin === new URL(system.simulatorUrl).origin, STEP);
        await page.getByLabel('입금 은행 선택').selectOption({ label: '신한은행' });
        expect(await page.locator('iframe').count()).toBe(0);
        const [redirect] = await Promise.all([
          page.waitForRequest((r) => r.isNavigationRequest() && r.url().includes('/order/complete'), STEP),
          page.getByRole('button', { name: '계좌 발급' }).click(),
        ]);
        expect(new URL(redirect.url()).searchParams.get('imp_success')).toBe('true');

        const { order, ready } = await expectAwaitingDeposit(page, 'mobile');
        expect(ready.channel).toBe('mobile');
        const orderUrl = page.url();

        await depositInBrowser(page, ready.vbank_num, 'mobile');
        const paid = await untilPaid(order.imp_uid!);
        expect(paid).toMatchObject({ status: 'paid', pay_method: 'vbank', amount: MUG.amount, vbank_num: ready.vbank_num });
        await expectReceipt(page, orderUrl, ready.vbank_num, 'mobile');

        await hook.until(() => webhookStatuses(order.imp_uid!).length >= 2);
        expect(webhookStatuses(order.imp_uid!)).toEqual(['ready', 'paid']);

        // The same deposit notification, signed with the channel's key, posted again to the gateway.
        const [channel] = await system.store.channels.findAllByPgId('smartro_v2', system.demo.mid);
        const merchantKey = (system.services.channels.open(channel).credentials as SmartroCredentials).merchantKey;
        const notification = {
          Mid: system.demo.mid,
          Tid: paid.pg_tid,
          Moid: order.merchant_uid,
          Amt: String(MUG.amount),
          PayMethod: 'VBANK',
          ResultCode: '4110',
          ResultMsg: '가상계좌 입금 완료',
          AuthDate: new Date(paid.paid_at * 1000 + 9 * 60 * 60 * 1000).toISOString().slice(2, 19).replace(/[-T:]/g, ''),
          SignValue: signValue(paid.pg_tid, '4110', merchantKey),
        };
        const repeated = await fetch(`${system.gatewayUrl}/pg/smartro/notify`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
          body: new URLSearchParams(notification),
        });
        expect(repeated.status).toBe(200);
        expect(await repeated.text()).toBe('OK');
        await system.webhookWorker.runOnce();
        expect(await v1PaymentOf(order.imp_uid!)).toEqual(paid);
        expect(webhookStatuses(order.imp_uid!)).toEqual(['ready', 'paid']);
        expect(await system.services.webhooks.listDeliveries(storeId, { impUid: order.imp_uid! })).toHaveLength(2);
        expect(pageErrors(page)).toEqual([]);
      }, SCENARIO_TIMEOUT_MS);
    });
  }
});
