// POST /subscribe/payments/again and GET /subscribe/customers/{customer_uid}/payments through
// app.inject() on each database, with the Smartro simulator over real HTTP as the PG: the V1
// answers (checked against the official schema), the refusals that create nothing, and the list.
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSmartroSimulator, type SmartroSimulator } from '../../../simulators/smartro/server';
import type { ChannelRecord } from '../../../store/types';
import { registerCustomer, simTransactions, TEST_SSP_MALL_ID, type TestCustomer } from '../../../../test/support/billing';
import { forEachDatabase } from '../../../../test/support/databases';
import { createGatewayHarness, type GatewayHarness } from '../../../../test/support/gateway-harness';
import { v1EnvelopeErrors, v1SchemaErrors } from '../../../../test/support/openapi';

let sim: SmartroSimulator;
let simUrl: string;
beforeAll(async () => {
  sim = buildSmartroSimulator({ assetDir: mkdtempSync(path.join(tmpdir(), 'gyeol-sim-')), hangMs: 200 });
  // The harness channel's MID and merchant key.
  sim.registerMerchant('gyeolsim01', { merchantKey: 'k'.repeat(48), cancelPassword: '123456' });
  await sim.listen({ port: 0, host: '127.0.0.1' });
  simUrl = `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}`;
});
afterAll(async () => sim?.close());

let serial = 0;
const uid = (prefix: string) => `${prefix}${Date.now()}${++serial}`;

forEachDatabase(
  (_name, getStore) => {
    describe('POST /subscribe/payments/again', () => {
      let h: GatewayHarness;
      let token: string;
      let channel: ChannelRecord;
      beforeAll(async () => {
        h = await createGatewayHarness(getStore());
        token = await h.token();
        const saved = await h.store.channels.updateSettings(h.merchant.id, h.channel.id, { jsBaseUrl: simUrl, apiBaseUrl: simUrl, receiptBaseUrl: simUrl, sspMallId: TEST_SSP_MALL_ID });
        channel = saved!;
      });
      afterAll(async () => h.close());

      const customer = (c: TestCustomer, on = channel) => registerCustomer({ store: h.store, services: h.services, secretBox: h.secretBox, simulatorUrl: simUrl, now: h.clock.now() }, on, c);
      const again = (payload: Record<string, unknown> | string, form = false) =>
        h.app.inject({
          method: 'POST',
          url: '/subscribe/payments/again',
          headers: { Authorization: `Bearer ${token}`, 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
          payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
        });
      const body = (customerUid: string, overrides: Record<string, unknown> = {}) => ({
        customer_uid: customerUid,
        merchant_uid: uid('sub'),
        amount: 9900,
        name: '월간 구독',
        buyer_name: '김구독',
        buyer_email: 'sub@example.com',
        buyer_tel: '010-9876-5432',
        ...overrides,
      });
      const paymentsOf = async (merchantUid: string) => (await h.store.payments.listByMerchantUid(h.merchant.id, merchantUid, { includeSandbox: true }, { sorting: '-started', offset: 0, limit: 10 })).payments;

      it('charges the key (JSON): code 0, a paid api card payment with the card and slip, as GET /payments shows it; one charge at the PG', async () => {
        const c = await customer({ customerUid: uid('cust') });
        const req = body(c.customerUid, { custom_data: { plan: 'monthly' }, buyer_addr: '서울시 중구', buyer_postcode: '04524' });
        const res = await again(req);
        expect(res.statusCode).toBe(200);
        expect(v1SchemaErrors('post', '/subscribe/payments/again', 200, res.json())).toEqual([]);
        const v1 = res.json().response;
        expect(res.json()).toMatchObject({ code: 0, message: null });
        expect(v1).toMatchObject({
          merchant_uid: req.merchant_uid,
          status: 'paid',
          pay_method: 'card',
          channel: 'api',
          pg_provider: 'smartro_v2',
          pg_id: 'gyeolsim01',
          amount: 9900,
          currency: 'KRW',
          name: '월간 구독',
          buyer_name: '김구독',
          buyer_email: 'sub@example.com',
          buyer_tel: '010-9876-5432',
          buyer_addr: '서울시 중구',
          buyer_postcode: '04524',
          custom_data: '{"plan":"monthly"}',
          customer_uid: c.customerUid,
          customer_uid_usage: 'payment',
          card_name: '신한',
          card_code: '366',
          card_number: '42424242****424*',
          card_quota: 0,
          fail_reason: null,
          failed_at: 0,
          escrow: false,
        });
        expect(v1.paid_at).toBeGreaterThan(0);
        expect(v1.apply_num).toMatch(/^\d{8}$/);
        expect(v1.receipt_url).toBe(`${simUrl}/issue/IssueLoader.jsp?TID=${v1.pg_tid}&type=0`);
        const read = await h.app.inject({ method: 'GET', url: `/payments/${v1.imp_uid}`, headers: { Authorization: `Bearer ${token}` } });
        expect(read.json().response).toEqual(v1);
        expect((await simTransactions(simUrl, req.merchant_uid)).map((t) => [t.tid, t.approval, t.amount])).toEqual([[v1.pg_tid, 'approved', 9900]]);
        // The key never leaves gyeol: not in the answer, not on the payment.
        const stored = await h.store.payments.findByImpUid(h.merchant.id, v1.imp_uid);
        expect(JSON.stringify(res.json())).not.toContain(h.secretBox.open(c.billingKeySealed));
        expect(stored?.pgAuthSealed).not.toContain(h.secretBox.open(c.billingKeySealed));
      });

      it('takes a form body: amounts and flags as text, notice_url[] and bypass as JSON text; without name (Smartro gets 정기결제)', async () => {
        const c = await customer({ customerUid: uid('cust') });
        const merchantUid = uid('subform');
        const form = new URLSearchParams({
          customer_uid: c.customerUid,
          merchant_uid: merchantUid,
          amount: '60000',
          tax_free: '10000',
          card_quota: '3',
          use_card_point: 'false',
          product_type: 'digital',
          buyer_name: '김구독',
          buyer_email: 'sub@example.com',
          buyer_tel: '01098765432',
          bypass: '{"smartro_v2":{"GoodsCnt":"1"}}',
          custom_data: 'plain text',
        });
        form.append('notice_url[]', 'https://merchant.example/hook1');
        form.append('notice_url[]', 'https://merchant.example/hook2');
        const res = await again(form.toString(), true);
        expect(res.statusCode).toBe(200);
        expect(v1SchemaErrors('post', '/subscribe/payments/again', 200, res.json())).toEqual([]);
        expect(res.json().response).toMatchObject({ status: 'paid', amount: 60000, card_quota: 3, name: null, custom_data: 'plain text', customer_uid_usage: 'payment' });
        const stored = await h.store.payments.findByMerchantUid(h.merchant.id, merchantUid);
        expect(stored).toMatchObject({ noticeUrl: '["https://merchant.example/hook1","https://merchant.example/hook2"]', taxFree: 10000 });
        expect(stored?.passThrough).toMatchObject({ digital: true, bypass: { smartro_v2: { GoodsCnt: '1' } }, customerId: 'member01' });
      });

      it('takes buyer_* the body leaves out from what the key was issued with', async () => {
        const c = await customer({ customerUid: uid('cust'), name: '박등록', tel: '010-2222-3333', email: 'reg@example.com' });
        const res = await again({ customer_uid: c.customerUid, merchant_uid: uid('sub'), amount: 1000, buyer_name: '직접입력' });
        expect(res.json().response).toMatchObject({ status: 'paid', buyer_name: '직접입력', buyer_tel: '010-2222-3333', buyer_email: 'reg@example.com' });
      });

      it('answers a decline with code 0 and the failed payment (fail_reason); the order is not held', async () => {
        const c = await customer({ customerUid: uid('cust'), card: '4000 0000 0000 9995' });
        const req = body(c.customerUid);
        const res = await again(req);
        expect(res.statusCode).toBe(200);
        expect(v1SchemaErrors('post', '/subscribe/payments/again', 200, res.json())).toEqual([]);
        expect(res.json()).toMatchObject({ code: 0, message: null, response: { status: 'failed', fail_reason: '잔액부족 (한도초과)', paid_at: 0, customer_uid: c.customerUid } });
        expect(res.json().response.failed_at).toBeGreaterThan(0);
        // Nothing holds the merchant_uid: another card of the buyer may pay it.
        const other = await customer({ customerUid: uid('cust') });
        expect((await again({ ...req, customer_uid: other.customerUid })).json().response).toMatchObject({ status: 'paid', merchant_uid: req.merchant_uid });
        expect((await paymentsOf(req.merchant_uid)).map((p) => p.status)).toEqual(['paid', 'failed']);
      });

      it('answers an unknown customer_uid with HTTP 200 and code -1 (as V1), creating nothing', async () => {
        const req = body('nobody01');
        const res = await again(req);
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual({ code: -1, message: '요청하신 customer_uid(nobody01)로 등록된 정보를 찾을 수 없습니다.', response: null });
        expect(v1SchemaErrors('post', '/subscribe/payments/again', 200, res.json())).toEqual([]);
        expect(await paymentsOf(req.merchant_uid)).toEqual([]);
      });

      it('refuses bad input with 400 naming the field and the rule, creating nothing and asking the PG nothing', async () => {
        const c = await customer({ customerUid: uid('cust'), name: null, tel: null, email: null });
        const other = await h.otherMerchant();
        const midTransactions = async () => ((await (await fetch(`${simUrl}/sim/transactions?mid=gyeolsim01`)).json()) as { transactions: { tid: string }[] }).transactions.map((t) => t.tid);
        const before = await midTransactions();
        const cases: [Record<string, unknown>, string][] = [
          [{ customer_uid: undefined }, 'customer_uid: 필수'],
          [{ merchant_uid: undefined }, 'merchant_uid: 필수'],
          [{ amount: undefined }, 'amount: 필수'],
          [{ amount: 0 }, 'amount: 0보다 큰 금액'],
          [{ amount: 10.5 }, 'amount: KRW는 소수점 이하 단위가 없어'],
          [{ amount: 'many' }, 'amount'],
          [{ merchant_uid: 'sub-2026-01' }, 'merchant_uid: 영문자와 숫자만'],
          [{ currency: 'USD' }, 'currency: 스마트로 빌링 결제는 KRW만'],
          [{ card_quota: 3 }, 'card_quota: 할부는 결제금액 50,000원 이상'],
          [{ card_quota: 1, amount: 60000 }, 'card_quota: 0(일시불) 또는 2~12개월'],
          [{ card_quota: 3, amount: 60000, interest_free_by_merchant: true }, 'interest_free_by_merchant'],
          [{ buyer_email: undefined }, 'buyer_email: 스마트로 API 결제에는 구매자 이메일'],
          [{ buyer_name: undefined, buyer_tel: undefined }, 'buyer_name'],
          [{ tax_free: 20000 }, 'tax_free: amount보다 클 수 없습니다'],
          [{ notice_url: 'ftp://merchant.example/hook' }, 'notice_url'],
          [{ product_type: 'service' }, 'product_type: real, digital 중 하나'],
          [{ browser_ip: 'localhost' }, 'browser_ip'],
          [{ promotion_id: 'promotion-id-1' }, 'promotion_id'],
          [{ bypass: 'not json' }, 'bypass'],
          [{ name: 'x'.repeat(41) }, 'name: 최대 40자'],
          [{ channel_key: 'channel-key-nope' }, 'channel_key: 해당 채널 키로 등록된 채널이 없습니다'],
          [{ channel_key: other.channel.channelKey }, 'channel_key: 해당 채널 키로 등록된 채널이 없습니다'],
          [{ pg: 'smartro_v2.othermid01' }, 'pg: customer_uid의 빌링키는 smartro_v2.gyeolsim01 채널에서 발급되었습니다'],
        ];
        for (const [overrides, words] of cases) {
          const req = Object.fromEntries(Object.entries(body(c.customerUid, overrides)).filter(([, v]) => v !== undefined));
          const res = await again(req);
          expect([res.statusCode, res.json().message], JSON.stringify(overrides)).toEqual([400, expect.stringContaining(words)]);
          expect(res.json().response, JSON.stringify(overrides)).toBeNull();
          expect(v1EnvelopeErrors(res.json())).toEqual([]);
          // (Without a merchant_uid there is nothing to find under '' either.)
          expect(await paymentsOf(String(req.merchant_uid ?? '')), JSON.stringify(overrides)).toEqual([]);
        }
        expect(await midTransactions()).toEqual(before);
        // The named channel is right: charged.
        expect((await again(body(c.customerUid, { channel_key: channel.channelKey, pg: 'smartro_v2.gyeolsim01' }))).json().response.status).toBe('paid');
      });

      it('refuses a charge on a channel without the ssp Mall ID billing needs (400 naming the setting)', async () => {
        const second = await h.services.provisioning.createChannel({
          storeId: h.merchant.id,
          name: 'smartro without ssp',
          pgProvider: 'smartro_v2',
          pgId: 'gyeolsim01',
          testMode: true,
          isDefault: false,
          settings: { jsBaseUrl: simUrl, apiBaseUrl: simUrl, receiptBaseUrl: simUrl },
          secrets: { merchantKey: 'k'.repeat(48), cancelPassword: '123456' },
        });
        const c = await customer({ customerUid: uid('cust') }, second);
        const req = body(c.customerUid);
        const res = await again(req);
        expect(res.statusCode).toBe(400);
        expect(res.json().message).toContain('settings.sspMallId');
        expect(await paymentsOf(req.merchant_uid)).toEqual([]);
      });

      it('refuses a merchant_uid already paid (409) without asking the PG again', async () => {
        const c = await customer({ customerUid: uid('cust') });
        const req = body(c.customerUid);
        expect((await again(req)).json().response.status).toBe('paid');
        const res = await again(req);
        expect(res.statusCode).toBe(409);
        expect(res.json()).toEqual({ code: 1, message: '이미 결제가 완료된 주문번호(merchant_uid)입니다.', response: null });
        expect(v1EnvelopeErrors(res.json())).toEqual([]);
        expect(await paymentsOf(req.merchant_uid)).toHaveLength(1);
        expect(await simTransactions(simUrl, req.merchant_uid)).toHaveLength(1);
      });

      it('two charges of one merchant_uid at the same moment: one paid, the other refused; one charge at the PG', async () => {
        const c = await customer({ customerUid: uid('cust') });
        for (let round = 0; round < 3; round++) {
          const req = body(c.customerUid);
          const answers = await Promise.all([again(req), again(req)]);
          const paid = answers.filter((a) => a.statusCode === 200);
          const refused = answers.filter((a) => a.statusCode === 409);
          expect([paid.length, refused.length]).toEqual([1, 1]);
          expect(paid[0]!.json().response.status).toBe('paid');
          expect(['이미 결제가 완료된 주문번호(merchant_uid)입니다.', '같은 주문번호(merchant_uid)로 진행 중인 결제가 있습니다.']).toContain(refused[0]!.json().message);
          expect((await simTransactions(simUrl, req.merchant_uid)).map((t) => t.approval)).toEqual(['approved']);
          expect((await paymentsOf(req.merchant_uid)).filter((p) => p.status === 'paid')).toHaveLength(1);
        }
      });
    });

    describe('GET /subscribe/customers/{customer_uid}/payments', () => {
      let h: GatewayHarness;
      let token: string;
      beforeAll(async () => {
        h = await createGatewayHarness(getStore());
        token = await h.token();
        await h.store.channels.updateSettings(h.merchant.id, h.channel.id, { jsBaseUrl: simUrl, apiBaseUrl: simUrl, receiptBaseUrl: simUrl, sspMallId: TEST_SSP_MALL_ID });
      });
      afterAll(async () => h.close());

      const get = (url: string) => h.app.inject({ method: 'GET', url, headers: { Authorization: `Bearer ${token}` } });

      it("lists the key's payments newest first, 20 a page, in V1's paged shape; another customer's are not in it", async () => {
        const channel = (await h.store.channels.findById(h.merchant.id, h.channel.id))!;
        const deps = { store: h.store, services: h.services, secretBox: h.secretBox, simulatorUrl: simUrl, now: h.clock.now() };
        const c = await registerCustomer(deps, channel, { customerUid: 'cust_list1' });
        await registerCustomer(deps, channel, { customerUid: 'cust_list2' });
        const charge = (customerUid: string, merchantUid: string) =>
          h.services.billingCharges.charge(h.merchant.id, { customer_uid: customerUid, merchant_uid: merchantUid, amount: 1000 }, { usage: 'payment', buyerIp: null });
        const made = [];
        for (let i = 0; i < 22; i++) {
          made.push(await charge(c.customerUid, `list${i}x${serial}`));
          // The list is by start time: one minute apart.
          h.clock.advance(60_000);
        }
        await charge('cust_list2', `other${serial}`);

        const first = await get(`/subscribe/customers/${c.customerUid}/payments`);
        expect(first.statusCode).toBe(200);
        expect(v1SchemaErrors('get', '/subscribe/customers/{customer_uid}/payments', 200, first.json())).toEqual([]);
        const newest = [...made].reverse();
        expect(first.json().response).toMatchObject({ total: 22, previous: 0, next: 2 });
        expect(first.json().response.list.map((p: { imp_uid: string }) => p.imp_uid)).toEqual(newest.slice(0, 20).map((p) => p.impUid));
        const second = await get(`/subscribe/customers/${c.customerUid}/payments?page=2`);
        expect(second.json().response).toMatchObject({ total: 22, previous: 1, next: 0 });
        expect(second.json().response.list.map((p: { imp_uid: string; customer_uid: string }) => [p.imp_uid, p.customer_uid])).toEqual(newest.slice(20).map((p) => [p.impUid, c.customerUid]));
        const beyond = await get(`/subscribe/customers/${c.customerUid}/payments?page=3`);
        expect([beyond.statusCode, beyond.json().message]).toEqual([400, expect.stringContaining('page')]);
        expect(v1EnvelopeErrors(beyond.json())).toEqual([]);

        // A deleted customer's payments stay listed; gyeol knowing nothing of a customer_uid is a 404.
        expect((await h.app.inject({ method: 'DELETE', url: `/subscribe/customers/${c.customerUid}`, headers: { Authorization: `Bearer ${token}` } })).statusCode).toBe(200);
        expect((await get(`/subscribe/customers/${c.customerUid}/payments`)).json().response.total).toBe(22);
        const unknown = await get('/subscribe/customers/cust_nobody/payments');
        expect(unknown.statusCode).toBe(404);
        expect(unknown.json()).toEqual({ code: -1, message: '등록된 고객정보가 없습니다.', response: null });
        expect(v1SchemaErrors('get', '/subscribe/customers/{customer_uid}/payments', 404, unknown.json())).toEqual([]);
      });

      it('answers a registered customer without payments with an empty page, and another store never sees them', async () => {
        const channel = (await h.store.channels.findById(h.merchant.id, h.channel.id))!;
        await registerCustomer({ store: h.store, services: h.services, secretBox: h.secretBox, simulatorUrl: simUrl, now: h.clock.now() }, channel, { customerUid: 'cust_empty' });
        const res = await get('/subscribe/customers/cust_empty/payments');
        expect(res.json()).toEqual({ code: 0, message: null, response: { total: 0, previous: 0, next: 0, list: [] } });
        const other = await h.otherMerchant();
        const otherToken = (await h.app.inject({ method: 'POST', url: '/users/getToken', payload: { imp_key: other.apiKey, imp_secret: other.apiSecret } })).json().response.access_token;
        const theirs = await h.app.inject({ method: 'GET', url: '/subscribe/customers/cust_empty/payments', headers: { Authorization: `Bearer ${otherToken}` } });
        expect(theirs.statusCode).toBe(404);
      });
    });
  },
  { per: 'file' },
);
