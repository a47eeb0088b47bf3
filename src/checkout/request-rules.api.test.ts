/**
 * The parameter rules through the real checkout API (`POST /checkout/sessions`): a refused
 * request creates nothing, a merchant_uid longer than Smartro's Moid opens a window whose Moid is
 * its first 40 characters, and the merchant's fields come back from `GET /payments`.
 * The rules themselves, one row each, are in src/connectors/smartro/request-rules.table.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachDatabase } from '../../test/support/databases';
import { createGatewayHarness, type GatewayHarness } from '../../test/support/gateway-harness';

const MERCHANT_ORIGIN = 'http://shop.test:4002';

forEachDatabase((_name, getStore) => {
  describe('payment request rules through the checkout API', () => {
    let h: GatewayHarness;
    beforeAll(async () => {
      h = await createGatewayHarness(getStore());
    });
    afterAll(async () => h.close());

    const params = (overrides: Record<string, unknown> = {}) => ({
      channelKey: h.channel.channelKey,
      pay_method: 'card',
      merchant_uid: `order${Math.floor(Math.random() * 1e9)}`,
      name: '결 머그컵',
      amount: 1004,
      buyer_name: '홍길동',
      buyer_tel: '010-1234-5678',
      buyer_email: 'buyer@example.com',
      ...overrides,
    });

    const open = (p: Record<string, unknown>) =>
      h.app.inject({
        method: 'POST',
        url: '/checkout/sessions',
        headers: { origin: MERCHANT_ORIGIN, 'content-type': 'application/json' },
        payload: { user_code: h.merchant.impCode, params: p, mode: 'pc', page_url: `${MERCHANT_ORIGIN}/` },
      });

    it('refuses a request that breaks a rule with a 400 naming the field and the rule, and creates nothing', async () => {
      // The harness clock stands at 2026-11-26 12:00 in Korea.
      const cases: Array<[Record<string, unknown>, string, string]> = [
        [{ period: { from: '20261231', to: '20260101' } }, 'period', '시작일(from)은 종료일(to)보다 늦을 수 없습니다'],
        [{ vbank_due: '20261125' }, 'vbank_due', '이미 지난 시각입니다'],
        [{ amount: 1004.5 }, 'amount', 'KRW는 소수점 이하 단위가 없어 정수 금액만 입력할 수 있습니다'],
        [{ bypass: { cashReceiptType: 'corporate' } }, 'bypass.customerIdentifier', 'corporate는 사업자등록번호(10자리)가 필요합니다'],
        [{ display: { card_quota: [3] } }, 'display.card_quota', '지원하지 않는 파라미터입니다'],
        [{ language: 'zh' }, 'language', '스마트로 결제창은 ko, en만 지원합니다'],
        [{ card: { direct: { code: '999', quota: 0 } } }, 'card.direct.code', '스마트로에서 직접 호출할 수 없는 카드사 코드입니다'],
      ];
      for (const [overrides, field, rule] of cases) {
        const p = params(overrides);
        const res = await open(p);
        expect(res.statusCode, field).toBe(400);
        const body = res.json();
        expect(body.code, field).not.toBe(0);
        expect(body.response).toMatchObject({ success: false, imp_uid: null, merchant_uid: p.merchant_uid, error_code: 'INVALID_PARAMETER' });
        expect(body.response.error_msg, field).toContain(field);
        expect(body.response.error_msg, field).toContain(rule);
        expect(await h.store.payments.findByMerchantUid(h.merchant.id, p.merchant_uid), field).toBeNull();
      }
    });

    it('keeps a merchant_uid longer than 40 whole and opens a window whose Moid is its first 40 characters', async () => {
      const uid = `${'Z9'.repeat(20)}${Math.floor(Math.random() * 1e9)}`;
      const res = await open(params({ merchant_uid: uid }));
      expect(res.statusCode).toBe(200);
      const opened = res.json().response;
      const payment = await h.store.payments.findByImpUid(h.merchant.id, opened.imp_uid);
      expect(payment?.merchantUid).toBe(uid);

      const page = await h.app.inject({ method: 'GET', url: new URL(opened.window_url).pathname });
      expect(page.statusCode).toBe(200);
      const launchJson = /<script type="application\/json" id="gyeol-launch">([^<]*)<\/script>/.exec(page.body)?.[1];
      expect(launchJson).toBeDefined();
      const launch = JSON.parse(launchJson ?? 'null') as { launch: { data: { fields: Record<string, string> } } };
      expect(launch.launch.data.fields.Moid).toBe('Z9'.repeat(20));
    });

    it('stores name, buyer fields, custom_data, notice_url, vbank_due and period, and GET /payments returns the V1 ones', async () => {
      const p = params({
        name: '결 머그컵 외 1건',
        buyer_addr: '서울특별시 중구 세종대로 110',
        buyer_postcode: '04524',
        custom_data: { cart: [1, 2], note: '한글' },
        notice_url: ['https://shop.example/hook1', 'https://shop.example/hook2'],
        vbank_due: '2026-12-01',
        period: { from: '20261201', to: '20261231' },
      });
      const res = await open(p);
      expect(res.statusCode).toBe(200);
      const impUid = res.json().response.imp_uid as string;

      const stored = await h.store.payments.findByImpUid(h.merchant.id, impUid);
      expect(stored?.noticeUrl).toBe('["https://shop.example/hook1","https://shop.example/hook2"]');
      expect(stored?.passThrough.vbankDue).toBe('20261201235959');
      expect(stored?.passThrough.period).toEqual({ from: '20261201', to: '20261231' });

      const token = await h.token();
      const got = await h.app.inject({ method: 'GET', url: `/payments/${impUid}`, headers: { authorization: token } });
      expect(got.statusCode).toBe(200);
      expect(got.json().response).toMatchObject({
        imp_uid: impUid,
        merchant_uid: p.merchant_uid,
        name: '결 머그컵 외 1건',
        buyer_name: '홍길동',
        buyer_tel: '010-1234-5678',
        buyer_email: 'buyer@example.com',
        buyer_addr: '서울특별시 중구 세종대로 110',
        buyer_postcode: '04524',
        custom_data: '{"cart":[1,2],"note":"한글"}',
      });
    });
  });
}, { per: 'file' });
