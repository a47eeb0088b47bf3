/**
 * A billing key issued through the checkout (V1 `request_pay` with `customer_uid`), through the
 * gateway's routes with `app.inject()`, on each database. The billing window's answers are made
 * here as Smartro signs them (the browser and simulator side: test/e2e/billing-issue.test.ts and
 * test/integration/billing-issue.test.ts): forged, foreign, undecryptable and unmasked answers
 * store nothing; a verified one pays the issue payment (amount 0) and saves the customer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aesEncrypt, billIssueVerifyValue } from '../connectors/smartro/crypto';
import { SMARTRO_BILLING_WINDOW_PATH } from '../connectors/smartro/wire';
import { SecretBox } from '../services/secrets';
import type { ChannelRecord } from '../store/types';
import { forEachDatabase } from '../../test/support/databases';
import { createGatewayHarness, type GatewayHarness } from '../../test/support/gateway-harness';
import { v1SchemaErrors } from '../../test/support/openapi';

const MERCHANT_ORIGIN = 'http://shop.test:4002';
const BILLING_MID = 'gyeolbill1';
const MERCHANT_KEY = 'k'.repeat(48);
const SSP_MALL_ID = 'HARNESS00p';
/** The instance secret of test/support/gateway-harness.ts: billing keys are sealed with it. */
const HARNESS_SECRET = 'harness-instance-secret-0123456789';

let seq = 0;
const uid = (prefix: string) => `${prefix}${Date.now() % 1e9}${seq++}`;

forEachDatabase((_name, getStore) => {
  describe('billing key issue through the checkout', () => {
    let h: GatewayHarness;
    let billing: ChannelRecord;
    beforeAll(async () => {
      h = await createGatewayHarness(getStore());
      billing = await h.services.provisioning.createChannel({
        storeId: h.merchant.id,
        name: 'smartro billing',
        pgProvider: 'smartro_v2',
        pgId: BILLING_MID,
        testMode: true,
        isDefault: false,
        settings: { jsBaseUrl: 'http://simulator.test', mobileJsBaseUrl: 'http://m.simulator.test', apiBaseUrl: 'http://simulator.test', sspMallId: SSP_MALL_ID },
        secrets: { merchantKey: MERCHANT_KEY, cancelPassword: '123456' },
      });
    });
    afterAll(async () => h.close());

    const params = (overrides: Record<string, unknown> = {}) => ({
      channelKey: billing.channelKey,
      pay_method: 'card',
      merchant_uid: uid('issue'),
      name: '월간 구독',
      amount: 9900,
      customer_uid: uid('cust_'),
      customer_id: 'buyer01',
      buyer_name: '홍길동',
      buyer_tel: '010-1234-5678',
      buyer_email: 'buyer@example.com',
      ...overrides,
    });

    const open = (p: Record<string, unknown>, mode: 'pc' | 'mobile' = 'pc') =>
      h.app.inject({
        method: 'POST',
        url: '/checkout/sessions',
        headers: { origin: MERCHANT_ORIGIN, 'content-type': 'application/json' },
        payload: { user_code: h.merchant.impCode, params: p, mode, page_url: `${MERCHANT_ORIGIN}/` },
      });

    /** Opens a session and its window page; returns the billing form the launcher will post. */
    async function openWindow(p: Record<string, unknown>, mode: 'pc' | 'mobile' = 'pc') {
      const res = await open(p, mode);
      if (res.json().code !== 0) throw new Error(`session refused: ${res.body}`);
      const opened = res.json().response as { imp_uid: string; merchant_uid: string; window_url: string };
      const windowPath = new URL(opened.window_url).pathname;
      const page = await h.app.inject({ method: 'GET', url: windowPath });
      const launch = JSON.parse(/<script type="application\/json" id="gyeol-launch">([\s\S]*?)<\/script>/.exec(page.body)?.[1] ?? 'null') as {
        launch: { launcher: string; data: { kind: string; action: string; fields: Record<string, string> } };
      };
      return { ...opened, windowPath, page, data: launch.launch.data };
    }

    /** The billing window's POST to ReturnURL on success, signed as Smartro does. */
    function callback(form: Record<string, string>, overrides: Record<string, string> = {}, key = `SBK${uid('K')}`) {
      const fields = {
        PayMethod: 'CARD',
        Mid: form.MID,
        BuyerName: '홍길동',
        Moid: form.Moid,
        Tid: `${BILLING_MID}0101261126120000${String(seq++ % 10000).padStart(4, '0')}`,
        BillTokenKey: aesEncrypt(key, MERCHANT_KEY),
        MallUserId: form.MallUserID,
        ResultCode: '3001',
        ResultMsg: '빌키 발급 성공',
        MallReserved: '',
        IssuerCardCd: '06',
        IssuerCardNm: '신한',
        DisplayCardNo: '4242-****-****-4242',
        CardExpire: '203912312359',
        EncodingType: 'utf8',
        RtnUrlEncUse: 'N',
        ...overrides,
      };
      return { key, fields: { VerifyValue: billIssueVerifyValue(fields.Mid, key, fields.DisplayCardNo, fields.ResultCode), ...fields } };
    }

    const postReturn = (windowPath: string, fields: Record<string, string>) =>
      h.app.inject({ method: 'POST', url: `${windowPath}/return`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });

    /** The SDK result a PC result page hands to the merchant page. */
    const sdkResult = (body: string) =>
      (JSON.parse(/<script type="application\/json" id="gyeol-result">([\s\S]*?)<\/script>/.exec(body)?.[1] ?? 'null') as { result: Record<string, unknown> }).result;

    const v1Payment = async (impUid: string) => {
      const res = await h.app.inject({ method: 'GET', url: `/payments/${impUid}`, headers: { authorization: `Bearer ${await h.token()}` } });
      expect(v1SchemaErrors('get', '/payments/{imp_uid}', 200, res.json())).toEqual([]);
      return res.json().response;
    };

    describe('request rules (nothing is created, no window opens)', () => {
      it.each<[string, Record<string, unknown>, 'pc' | 'mobile', string, RegExp]>([
        ['pay_method other than card', { pay_method: 'trans' }, 'pc', 'pay_method', /카드\(card\)로만/],
        ['no customer_id', { customer_id: undefined }, 'pc', 'customer_id', /필수/],
        ['a customer_id over 20 characters', { customer_id: 'c'.repeat(21) }, 'pc', 'customer_id', /최대 20자/],
        ['mobile without m_redirect_url', {}, 'mobile', 'm_redirect_url', /m_redirect_url/],
        ['English', { language: 'en' }, 'pc', 'language', /한국어\(ko\)만/],
        ['a bad IsPwdPass', { bypass: { smartro_v2: { IsPwdPass: 'maybe' } } }, 'pc', 'bypass.smartro_v2.IsPwdPass', /Y 또는 N/],
      ])('refuses %s, naming the field', async (_what, overrides, mode, field, rule) => {
        const p = params(overrides);
        const res = await open(p, mode);
        expect(res.statusCode).toBe(400);
        const body = res.json();
        expect(body.code).not.toBe(0);
        expect(body.message).toContain(`${field}: `);
        expect(body.message).toMatch(rule);
        expect(body.response).toMatchObject({ success: false, imp_uid: null, merchant_uid: p.merchant_uid, error_code: 'INVALID_PARAMETER' });
        expect(await h.store.payments.findByMerchantUid(h.merchant.id, p.merchant_uid)).toBeNull();
      });

      it('refuses a channel without the ssp Mall ID with a message naming the setting', async () => {
        const p = params({ channelKey: h.channel.channelKey });
        const res = await open(p);
        expect(res.statusCode).toBe(400);
        expect(res.json().message).toBe('이 채널은 빌링키 발급에 필요한 설정이 없습니다. settings.sspMallId: 스마트로 정기결제(빌링키)에는 채널 설정의 ssp Mall ID(sspMallId)가 필요합니다');
        expect(res.json().response).toMatchObject({ error_code: 'BILLING_CHANNEL_NOT_READY', merchant_uid: p.merchant_uid });
        expect(await h.store.payments.findByMerchantUid(h.merchant.id, p.merchant_uid)).toBeNull();
      });
    });

    it('opens Smartro\'s billing window: a ready issue payment (amount 0) and the billing form, with no key in the page', async () => {
      const p = params();
      const opened = await openWindow(p);
      expect(opened.page.statusCode).toBe(200);
      expect(opened.page.body).toContain('<h1>카드 등록</h1>');
      expect(opened.page.body).not.toContain('SmartroPAY-1.0.min.js');
      expect(opened.page.body).not.toContain(MERCHANT_KEY);
      expect(opened.data).toMatchObject({
        kind: 'billing',
        action: `http://simulator.test${SMARTRO_BILLING_WINDOW_PATH}`,
        fields: { PayMethod: 'CARD', MID: BILLING_MID, Moid: p.merchant_uid, MallUserID: 'buyer01', SspMallID: SSP_MALL_ID, SecureType: 'S2', IsPwdPass: 'Y', ReturnURL: `http://gateway.test${opened.windowPath}/return` },
      });
      // The window's own CSP lets it post the form to Smartro's host.
      expect(String(opened.page.headers['content-security-policy'])).toContain('form-action \'self\' http://simulator.test');
      const payment = await h.store.payments.findByImpUid(h.merchant.id, opened.imp_uid);
      expect(payment).toMatchObject({ status: 'ready', amount: 0, customerUid: p.customer_uid, customerUidUsage: 'issue', payMethod: 'card' });

      const mobile = await openWindow(params({ m_redirect_url: `${MERCHANT_ORIGIN}/done` }), 'mobile');
      expect(mobile.data.action).toBe(`http://m.simulator.test${SMARTRO_BILLING_WINDOW_PATH}`);
    });

    it('records a verified issue: the payment paid with amount 0 and the card, the customer with the key sealed, a paid event', async () => {
      const p = params({ buyer_addr: '서울시 중구', buyer_postcode: '04524' });
      const opened = await openWindow(p);
      const { key, fields } = callback(opened.data.fields);
      const res = await postReturn(opened.windowPath, fields);
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('카드가 등록되었습니다.');
      expect(sdkResult(res.body)).toMatchObject({ success: true, imp_success: true, imp_uid: opened.imp_uid, merchant_uid: p.merchant_uid, status: 'paid', paid_amount: 0, error_code: null });

      const payment = await v1Payment(opened.imp_uid);
      expect(payment).toMatchObject({
        status: 'paid',
        amount: 0,
        pay_method: 'card',
        customer_uid: p.customer_uid,
        customer_uid_usage: 'issue',
        pg_tid: fields.Tid,
        pg_id: BILLING_MID,
        card_code: '366',
        card_name: '신한',
        card_number: '4242********4242',
        fail_reason: null,
      });
      expect(payment.paid_at).toBe(Math.floor(h.clock.now().getTime() / 1000));

      const customer = await h.store.billingCustomers.find(h.merchant.id, p.customer_uid);
      expect(customer).toMatchObject({
        channelId: billing.id,
        pgId: BILLING_MID,
        customerId: 'buyer01',
        customerName: '홍길동',
        customerTel: '010-1234-5678',
        customerEmail: 'buyer@example.com',
        customerAddr: '서울시 중구',
        customerPostcode: '04524',
        card: { cardCode: '366', cardName: '신한', cardNumber: '4242********4242' },
      });
      // Sealed at rest: the stored value is not the key, and opens to it.
      expect(customer?.billingKeySealed).not.toContain(key);
      expect(new SecretBox(HARNESS_SECRET).open(customer?.billingKeySealed ?? '')).toBe(key);
      const view = await h.app.inject({ method: 'GET', url: `/subscribe/customers/${p.customer_uid}`, headers: { authorization: `Bearer ${await h.token()}` } });
      expect(view.statusCode).toBe(200);
      expect(view.json().response).toMatchObject({ customer_uid: p.customer_uid, customer_id: 'buyer01', card_number: '4242********4242', pg_provider: 'smartro_v2' });
      expect(view.body).not.toContain(key);

      const stored = await h.store.payments.findByImpUid(h.merchant.id, opened.imp_uid);
      const events = await h.store.payments.eventsOf(h.merchant.id, stored?.id ?? -1);
      expect(events.map((e) => e.type)).toEqual(['payment.paid']);

      // A second post of the same answer (a double submit) answers the same and stores nothing more.
      const again = await postReturn(opened.windowPath, fields);
      expect(sdkResult(again.body)).toMatchObject({ success: true, imp_uid: opened.imp_uid });
      expect(await h.store.payments.eventsOf(h.merchant.id, stored?.id ?? -1)).toHaveLength(1);
      // and the order is done: another window for it is refused.
      const reopened = await open(params({ merchant_uid: p.merchant_uid }));
      expect(reopened.json().response.error_code).toBe('MERCHANT_UID_ALREADY_PAID');
    });

    it('redirects a mobile issue to m_redirect_url with imp_uid, merchant_uid and imp_success=true', async () => {
      const p = params({ m_redirect_url: `${MERCHANT_ORIGIN}/billing/done?plan=basic` });
      const opened = await openWindow(p, 'mobile');
      const res = await postReturn(opened.windowPath, callback(opened.data.fields).fields);
      expect(res.statusCode).toBe(302);
      const location = new URL(res.headers.location as string);
      expect(location.origin + location.pathname).toBe(`${MERCHANT_ORIGIN}/billing/done`);
      expect(Object.fromEntries(location.searchParams)).toEqual({ plan: 'basic', imp_uid: opened.imp_uid, merchant_uid: p.merchant_uid, imp_success: 'true' });
    });

    it('replaces the card of a customer_uid issued again, keeping when it was first issued', async () => {
      const customerUid = uid('cust_again_');
      const first = await openWindow(params({ customer_uid: customerUid }));
      await postReturn(first.windowPath, callback(first.data.fields).fields);
      const before = await h.store.billingCustomers.find(h.merchant.id, customerUid);
      h.clock.advance(60_000);
      const second = await openWindow(params({ customer_uid: customerUid, buyer_name: '김철수' }));
      const { key, fields } = callback(second.data.fields, { IssuerCardCd: '04', IssuerCardNm: '삼성', DisplayCardNo: '5555-****-****-4444' });
      const res = await postReturn(second.windowPath, fields);
      expect(sdkResult(res.body)).toMatchObject({ success: true });
      const after = await h.store.billingCustomers.find(h.merchant.id, customerUid);
      expect(after).toMatchObject({ customerName: '김철수', card: { cardCode: '365', cardName: '삼성', cardNumber: '5555********4444' } });
      expect(after?.insertedAt).toEqual(before?.insertedAt);
      expect(after?.updatedAt.getTime()).toBe((before?.updatedAt.getTime() ?? 0) + 60_000);
      expect(new SecretBox(HARNESS_SECRET).open(after?.billingKeySealed ?? '')).toBe(key);
      expect((await v1Payment(first.imp_uid)).customer_uid).toBe(customerUid);
      expect((await v1Payment(second.imp_uid)).customer_uid).toBe(customerUid);
    });

    describe('answers that store nothing: the attempt fails, no customer is saved', () => {
      it.each<[string, (f: Record<string, string>, key: string) => Record<string, string>, string]>([
        ['a forged VerifyValue', (f) => ({ ...f, VerifyValue: billIssueVerifyValue(f.Mid, 'SBKFORGED', f.DisplayCardNo, '3001') }), 'BILLING_ISSUE_UNVERIFIED'],
        ['another MID', (f, key) => ({ ...f, Mid: 'othermid01', VerifyValue: billIssueVerifyValue('othermid01', key, f.DisplayCardNo, '3001') }), 'BILLING_ISSUE_UNVERIFIED'],
        ['a key that does not decrypt under the merchant key', (f, key) => ({ ...f, BillTokenKey: aesEncrypt(key, 'Z'.repeat(48)) }), 'BILLING_ISSUE_UNVERIFIED'],
        ['an unmasked card number', (f, key) => ({ ...f, DisplayCardNo: '4242424242424242', VerifyValue: billIssueVerifyValue(f.Mid, key, '4242424242424242', '3001') }), 'BILLING_ISSUE_UNVERIFIED'],
        ['an issue of another order', (f, key) => ({ ...f, Moid: 'otherorder1', VerifyValue: billIssueVerifyValue(f.Mid, key, f.DisplayCardNo, '3001') }), 'PG_APPROVAL_MISMATCH'],
        ['an issue for another customer_id', (f) => ({ ...f, MallUserId: 'someoneelse' }), 'PG_APPROVAL_MISMATCH'],
      ])('%s', async (_what, forge, code) => {
        const p = params();
        const opened = await openWindow(p);
        const { key, fields } = callback(opened.data.fields);
        const res = await postReturn(opened.windowPath, forge(fields, key));
        expect(res.statusCode).toBe(200);
        expect(sdkResult(res.body)).toMatchObject({ success: false, imp_uid: opened.imp_uid, error_code: code });
        const payment = await v1Payment(opened.imp_uid);
        expect(payment).toMatchObject({ status: 'failed', amount: 0, customer_uid: p.customer_uid, customer_uid_usage: 'issue', paid_at: 0, card_number: null });
        expect(payment.fail_reason).toMatch(/등록하지 않았습니다/);
        expect(await h.store.billingCustomers.find(h.merchant.id, p.customer_uid)).toBeNull();
        expect(res.body).not.toContain(key);
        expect(res.body).not.toContain('4242424242424242');
      });

      it('an answer replayed into another window (its Tid already issued a payment)', async () => {
        const first = await openWindow(params({ customer_id: 'buyer02' }));
        const { fields } = callback(first.data.fields);
        expect(sdkResult((await postReturn(first.windowPath, fields)).body)).toMatchObject({ success: true });
        const p = params({ customer_id: 'buyer02' });
        const second = await openWindow(p);
        const replayed = { ...fields, Moid: second.data.fields.Moid };
        const res = await postReturn(second.windowPath, replayed);
        expect(sdkResult(res.body)).toMatchObject({ success: false, error_code: 'PG_APPROVAL_MISMATCH' });
        expect(await h.store.billingCustomers.find(h.merchant.id, p.customer_uid)).toBeNull();
      });

      it('the buyer closing the window (U999), with V1\'s user-abort message', async () => {
        const p = params();
        const opened = await openWindow(p);
        const res = await postReturn(opened.windowPath, { PayMethod: 'CARD', Mid: BILLING_MID, Moid: p.merchant_uid, MallUserId: 'buyer01', ResultCode: 'U999', ResultMsg: '사용자가 결제를 취소하셨습니다' });
        expect(sdkResult(res.body)).toMatchObject({ success: false, error_code: 'USER_CANCELLED', error_msg: '[결제포기] 사용자가 결제를 취소하셨습니다' });
        expect(await v1Payment(opened.imp_uid)).toMatchObject({ status: 'failed', fail_reason: '[결제포기] 사용자가 결제를 취소하셨습니다' });
        expect(await h.store.billingCustomers.find(h.merchant.id, p.customer_uid)).toBeNull();
      });

      it('the gateway window\'s own 닫기 before Smartro\'s window opened', async () => {
        const opened = await openWindow(params());
        const res = await postReturn(opened.windowPath, { gyeol_abort: '1' });
        expect(sdkResult(res.body)).toMatchObject({ success: false, error_code: 'USER_CANCELLED' });
      });

      it('Smartro refusing the card (an overseas card company), with its code and message', async () => {
        const p = params();
        const opened = await openWindow(p);
        const res = await postReturn(opened.windowPath, { PayMethod: 'CARD', Mid: BILLING_MID, Moid: p.merchant_uid, MallUserId: 'buyer01', ResultCode: 'B201', ResultMsg: '해외카드는 빌키를 발급할 수 없습니다' });
        expect(sdkResult(res.body)).toMatchObject({ success: false, error_code: 'B201', error_msg: '해외카드는 빌키를 발급할 수 없습니다' });
        expect(await v1Payment(opened.imp_uid)).toMatchObject({ status: 'failed', fail_reason: '해외카드는 빌키를 발급할 수 없습니다' });
        expect(await h.store.billingCustomers.find(h.merchant.id, p.customer_uid)).toBeNull();
      });
    });
  });
}, { per: 'file' });
