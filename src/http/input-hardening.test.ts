import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../store/types';
import { forEachDatabase } from '../../test/support/databases';
import { createGatewayHarness, type GatewayHarness } from '../../test/support/gateway-harness';
import { BYPASS_MAX_BYTES, CUSTOM_DATA_MAX_BYTES } from '../domain/request-pay';
import { MAX_NESTING_DEPTH } from './limits';

const MERCHANT_ORIGIN = 'http://shop.test:4002';

/**
 * The real store with a counter on every repository call and transaction, so a test can show
 * that a refused request never reached the database.
 */
function countingStore(store: Store): { store: Store; calls: () => number } {
  let calls = 0;
  const countRepo = <T extends object>(repo: T): T =>
    new Proxy(repo, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  const counted: Store = {
    ...store,
    dialect: store.dialect,
    stores: countRepo(store.stores),
    channels: countRepo(store.channels),
    payments: countRepo(store.payments),
    checkoutSessions: countRepo(store.checkoutSessions),
    accessTokens: countRepo(store.accessTokens),
    transaction: (work) => {
      calls++;
      return store.transaction(work);
    },
    migrate: () => store.migrate(),
    close: () => store.close(),
  };
  return { store: counted, calls: () => calls };
}

forEachDatabase(
  (_name, getStore) => {
    describe('input hardening on every gateway route', () => {
      let h: GatewayHarness;
      let dbCalls: () => number;
      beforeAll(async () => {
        const counting = countingStore(getStore());
        dbCalls = counting.calls;
        h = await createGatewayHarness(counting.store);
      });
      afterAll(async () => h.close());

      const sessionBody = (params: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
        user_code: h.merchant.impCode,
        params: {
          channelKey: h.channel.channelKey,
          pay_method: 'card',
          merchant_uid: `order${Math.floor(Math.random() * 1e9)}`,
          name: '결 머그컵',
          amount: 1004,
          buyer_tel: '010-1234-5678',
          ...params,
        },
        mode: 'pc',
        page_url: `${MERCHANT_ORIGIN}/`,
        ...extra,
      });
      const openSession = (payload: Record<string, unknown>) =>
        h.app.inject({
          method: 'POST',
          url: '/checkout/sessions',
          headers: { origin: MERCHANT_ORIGIN, 'content-type': 'application/json' },
          payload,
        });

      describe('control characters', () => {
        let callsBefore: number;
        let seededMerchantUid: string;
        beforeEach(async () => {
          // A payment to look up by its merchant_uid, so that lookup would reach the store if allowed.
          seededMerchantUid = (await h.seedPayment({ merchantUid: `seed${Math.floor(Math.random() * 1e9)}` })).merchantUid;
          callsBefore = dbCalls();
        });

        const expectV1Refusal = (res: { statusCode: number; json(): unknown }, field: string, codePoint = 'U+0000') => {
          expect(res.statusCode, field).toBe(400);
          expect(res.json(), field).toEqual({
            code: -1,
            message: `${field}: 제어 문자(${codePoint})를 포함할 수 없습니다`,
            response: null,
          });
          expect(dbCalls(), `${field}: no database call`).toBe(callsBefore);
        };

        it('refuses NUL in imp_key, as JSON and as a form, and issues no token', async () => {
          const json = await h.app.inject({
            method: 'POST',
            url: '/users/getToken',
            payload: { imp_key: `${h.apiKey}\u0000`, imp_secret: h.apiSecret },
          });
          expectV1Refusal(json, 'imp_key');
          const form = await h.app.inject({
            method: 'POST',
            url: '/users/getToken',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            payload: `imp_key=${encodeURIComponent(h.apiKey)}%00&imp_secret=${encodeURIComponent(h.apiSecret)}`,
          });
          expectV1Refusal(form, 'imp_key');
          expect(await h.store.accessTokens.findLatestValid(h.merchant.id, h.clock.now())).toBeNull();
        });

        it('refuses NUL in the imp_uid and merchant_uid path params and in a query array', async () => {
          const token = await h.token();
          callsBefore = dbCalls();
          const headers = { authorization: `Bearer ${token}` };
          expectV1Refusal(await h.app.inject({ method: 'GET', url: '/payments/imp_0000%00', headers }), 'imp_uid');
          expectV1Refusal(await h.app.inject({ method: 'GET', url: `/payments/find/${seededMerchantUid}%00`, headers }), 'merchant_uid');
          expectV1Refusal(await h.app.inject({ method: 'GET', url: '/payments?imp_uid[]=imp_1&imp_uid[]=imp_%00', headers }), 'imp_uid[1]');
          // DEL and the other C0 controls are refused too; tab, LF and CR are ordinary text.
          expectV1Refusal(await h.app.inject({ method: 'GET', url: '/payments/imp_0000%7F', headers }), 'imp_uid', 'U+007F');
          expectV1Refusal(await h.app.inject({ method: 'GET', url: '/payments/imp_0000%1B', headers }), 'imp_uid', 'U+001B');
          const tab = await h.app.inject({ method: 'GET', url: `/payments/find/${seededMerchantUid}%09`, headers });
          expect(tab.statusCode).toBe(404);
        });

        it('refuses NUL in the checkout session fields with the SDK failure envelope and creates no payment', async () => {
          const cases: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
            ['user_code', {}, { user_code: 'imp\u000012345678' }],
            ['params.channelKey', { channelKey: 'channel-key-\u0000' }, {}],
            ['params.name', { name: '결 머그컵\u0000' }, {}],
            ['params.buyer_addr', { buyer_addr: '서울\u0000특별시' }, {}],
            ['params.custom_data.note', { custom_data: { note: 'a\u0000b' } }, {}],
          ];
          for (const [field, params, extra] of cases) {
            const body = sessionBody(params, extra);
            const merchantUid = (body.params as { merchant_uid: string }).merchant_uid;
            callsBefore = dbCalls();
            const res = await openSession(body);
            const message = `${field}: 제어 문자(U+0000)를 포함할 수 없습니다`;
            expect(res.statusCode, field).toBe(400);
            expect(res.headers['access-control-allow-origin'], field).toBe(MERCHANT_ORIGIN);
            expect(res.json(), field).toEqual({
              code: -1,
              message,
              response: {
                success: false,
                imp_success: false,
                imp_uid: null,
                merchant_uid: merchantUid,
                error_code: 'INVALID_PARAMETER',
                error_msg: message,
              },
            });
            expect(dbCalls(), `${field}: no database call`).toBe(callsBefore);
            expect(await h.store.payments.findByMerchantUid(h.merchant.id, merchantUid), field).toBeNull();
          }
        });

        it('names a key that holds a control character without echoing it raw', async () => {
          const res = await openSession(sessionBody({ 'bad\u0001key': 'x' }));
          expect(res.statusCode).toBe(400);
          expect(res.json().message).toBe('params.bad\\u0001key: 제어 문자(U+0001)를 포함할 수 없습니다');
        });
      });

      describe('nesting depth', () => {
        const nested = (levels: number) => `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;

        it('refuses JSON 10,000 levels deep with a 400 naming the rule, on REST and on checkout', async () => {
          const callsBefore = dbCalls();
          for (const payload of [nested(10_000), `${'['.repeat(10_000)}${']'.repeat(10_000)}`]) {
            const rest = await h.app.inject({
              method: 'POST',
              url: '/users/getToken',
              headers: { 'content-type': 'application/json' },
              payload,
            });
            expect(rest.statusCode).toBe(400);
            expect(rest.json()).toEqual({
              code: -1,
              message: `body: 객체·배열은 최대 ${MAX_NESTING_DEPTH}단계까지만 중첩할 수 있습니다`,
              response: null,
            });
          }
          const checkout = await h.app.inject({
            method: 'POST',
            url: '/checkout/sessions',
            headers: { origin: MERCHANT_ORIGIN, 'content-type': 'application/json' },
            payload: `{"user_code":"x","params":${nested(10_000)}}`,
          });
          expect(checkout.statusCode).toBe(400);
          expect(checkout.json()).toMatchObject({ code: -1, response: { success: false, error_code: 'INVALID_PARAMETER' } });
          expect(checkout.json().message).toContain(`최대 ${MAX_NESTING_DEPTH}단계`);
          expect(dbCalls()).toBe(callsBefore);
        });

        it('takes the limit itself but not one level more; brackets inside strings do not count', async () => {
          const atLimit = await h.app.inject({
            method: 'POST',
            url: '/users/getToken',
            headers: { 'content-type': 'application/json' },
            payload: `{"imp_key":"${'['.repeat(100)}","imp_secret":"x","extra":${nested(MAX_NESTING_DEPTH - 1)}}`,
          });
          // Past the nesting check, the credentials are what is wrong.
          expect(atLimit.statusCode).toBe(401);
          const overLimit = await h.app.inject({
            method: 'POST',
            url: '/users/getToken',
            headers: { 'content-type': 'application/json' },
            payload: `{"imp_key":"k","imp_secret":"x","extra":${nested(MAX_NESTING_DEPTH)}}`,
          });
          expect(overLimit.statusCode).toBe(400);
          expect(overLimit.json().message).toContain(`최대 ${MAX_NESTING_DEPTH}단계`);
        });

        it('refuses a form key nested past the limit, naming it', async () => {
          const res = await h.app.inject({
            method: 'POST',
            url: '/users/getToken',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            payload: `imp_key=k&imp_secret=s&extra${'[a]'.repeat(10_000)}=1`,
          });
          expect(res.statusCode).toBe(400);
          expect(res.json()).toEqual({
            code: -1,
            message: `extra: 객체·배열은 최대 ${MAX_NESTING_DEPTH}단계까지만 중첩할 수 있습니다`,
            response: null,
          });
        });
      });

      describe('custom_data and bypass size limits', () => {
        it('takes custom_data up to the limit and refuses one byte more, counting UTF-8 bytes of its JSON', async () => {
          // {"note":"…"} is 11 bytes of JSON around the note.
          const fits = sessionBody({ custom_data: { note: 'x'.repeat(CUSTOM_DATA_MAX_BYTES - 11) } });
          const ok = await openSession(fits);
          expect(ok.statusCode).toBe(200);
          const stored = await h.store.payments.findByImpUid(h.merchant.id, ok.json().response.imp_uid);
          expect(stored?.customData).toHaveLength(CUSTOM_DATA_MAX_BYTES);

          // Korean text is 3 bytes a character: a third as many characters hit the same limit.
          const tooBig = sessionBody({ custom_data: { note: '결'.repeat(Math.ceil((CUSTOM_DATA_MAX_BYTES - 10) / 3)) } });
          const merchantUid = (tooBig.params as { merchant_uid: string }).merchant_uid;
          const res = await openSession(tooBig);
          expect(res.statusCode).toBe(400);
          expect(res.json().message).toBe('custom_data: 최대 16KiB(16384바이트, JSON 직렬화 기준)까지 입력할 수 있습니다');
          expect(await h.store.payments.findByMerchantUid(h.merchant.id, merchantUid)).toBeNull();

          const asString = await openSession(sessionBody({ custom_data: 'y'.repeat(CUSTOM_DATA_MAX_BYTES + 1) }));
          expect(asString.statusCode).toBe(400);
          expect(asString.json().message).toContain('custom_data: 최대 16KiB');
        });

        it('takes bypass up to the limit and refuses one byte more', async () => {
          // {"smartro_v2":{"note":"…"}} is 26 bytes of JSON around the note.
          const fits = await openSession(sessionBody({ bypass: { smartro_v2: { note: 'x'.repeat(BYPASS_MAX_BYTES - 26) } } }));
          expect(fits.statusCode).toBe(200);
          const tooBig = sessionBody({ bypass: { smartro_v2: { note: 'x'.repeat(BYPASS_MAX_BYTES - 25) } } });
          const merchantUid = (tooBig.params as { merchant_uid: string }).merchant_uid;
          const res = await openSession(tooBig);
          expect(res.statusCode).toBe(400);
          expect(res.json().message).toBe('bypass: 최대 4KiB(4096바이트, JSON 직렬화 기준)까지 입력할 수 있습니다');
          expect(await h.store.payments.findByMerchantUid(h.merchant.id, merchantUid)).toBeNull();
        });
      });
    });
  },
  { per: 'file' },
);
