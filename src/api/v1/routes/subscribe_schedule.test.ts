import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeBillingCharger } from '../../../../test/support/billing-charger';
import { forEachDatabase } from '../../../../test/support/databases';
import { createGatewayHarness, type GatewayHarness } from '../../../../test/support/gateway-harness';
import { newBillingCustomerInput } from '../../../store/test-fixtures';
import { v1EnvelopeErrors, v1PagedScheduleErrors, v1SchemaErrors } from '../../../../test/support/openapi';
import { Envelope, V1PagedSchedulesSchema, V1PaymentSchema, V1ScheduleSchema } from '../responses';
import { Type } from '@sinclair/typebox';

type Method = 'GET' | 'POST' | 'PUT';
type Answer = { status: number; body: { code: number; message: string | null; response: any } };

const own = (schema: Parameters<typeof Value.Errors>[0], body: unknown) => [...Value.Errors(schema, body)].map((e) => `gyeol: ${e.path} ${e.message}`);

/**
 * The schedule endpoints over the gateway (app.inject), each answer checked against PortOne's
 * official V1 schema and gyeol's own; runs are made by the service's runDue with the harness
 * clock moved, the charges by a stand-in BillingCharger (the real one is tested end to end in
 * test/integration/schedules.test.ts).
 */
forEachDatabase(
  (_db, getStore) => {
    let h: GatewayHarness;
    let charger: FakeBillingCharger;
    let token: string;
    const nowSeconds = () => Math.floor(h.clock.now().getTime() / 1000);

    beforeAll(async () => {
      h = await createGatewayHarness(getStore(), {
        billingCharger: (store, clock) => {
          charger = new FakeBillingCharger(store, clock);
          return charger;
        },
      });
      token = await h.token();
      for (const customerUid of ['cust_a', 'cust_b']) {
        await h.store.billingCustomers.save(
          newBillingCustomerInput(h.merchant.id, h.channel.id, { customerUid, pgId: 'gyeolsim01', billingKeySealed: 'sealed', customerTel: '010-1234-5678', customerAddr: null, customerPostcode: null, insertedAt: h.clock.now(), updatedAt: h.clock.now() }),
        );
      }
    });
    afterAll(async () => h.close());

    /** One call; the answer checked against the official schema of `specPath` (or the bare envelope / the paged reading). */
    async function call(method: Method, url: string, specPath: string | 'envelope' | 'paged', payload?: unknown, options: { form?: boolean; as?: string } = {}): Promise<Answer> {
      const res = await h.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${options.as ?? token}`, ...(options.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        ...(payload === undefined ? {} : { payload: payload as string | object }),
      });
      const body = res.json();
      const errors =
        specPath === 'envelope' ? v1EnvelopeErrors(body) : specPath === 'paged' ? v1PagedScheduleErrors(body) : v1SchemaErrors(method, specPath, res.statusCode, body);
      expect({ url, errors }).toEqual({ url, errors: [] });
      return { status: res.statusCode, body };
    }

    const schedule = (merchantUid: string, at: number, extra: Record<string, unknown> = {}) => ({
      merchant_uid: merchantUid,
      schedule_at: at,
      amount: 5000,
      name: '월 구독',
      buyer_name: '홍길동',
      buyer_email: 'buyer@example.com',
      buyer_tel: '010-1234-5678',
      ...extra,
    });

    describe('POST /subscribe/payments/schedule', () => {
      it('schedules (JSON) and answers each ScheduleResult: waiting, no imp_uid, times 0', async () => {
        const at = nowSeconds() + 600;
        const res = await call('POST', '/subscribe/payments/schedule', '/subscribe/payments/schedule', {
          customer_uid: 'cust_a',
          schedules: [schedule('json001', at, { custom_data: { plan: 'basic' } }), schedule('json002', at + 60, { currency: 'KRW' })],
        });
        expect(res.status).toBe(200);
        expect(own(Envelope(Type.Array(V1ScheduleSchema)), res.body)).toEqual([]);
        expect(res.body.response).toEqual([
          {
            customer_uid: 'cust_a',
            merchant_uid: 'json001',
            imp_uid: null,
            pg_provider: null,
            pg_id: null,
            customer_id: 'member01',
            schedule_at: at,
            executed_at: 0,
            revoked_at: 0,
            amount: 5000,
            currency: 'KRW',
            name: '월 구독',
            buyer_name: '홍길동',
            buyer_email: 'buyer@example.com',
            buyer_tel: '010-1234-5678',
            buyer_addr: null,
            buyer_postcode: null,
            custom_data: '{"plan":"basic"}',
            schedule_status: 'scheduled',
            payment_status: null,
            fail_reason: null,
          },
          expect.objectContaining({ merchant_uid: 'json002', schedule_at: at + 60, custom_data: null }),
        ]);
      });

      it('takes a form body (schedules[0][merchant_uid]=…)', async () => {
        const at = nowSeconds() + 600;
        const form = new URLSearchParams({
          customer_uid: 'cust_b',
          'schedules[0][merchant_uid]': 'form001',
          'schedules[0][schedule_at]': String(at),
          'schedules[0][amount]': '1200',
          'schedules[0][name]': '폼 구독',
          'schedules[1][merchant_uid]': 'form002',
          'schedules[1][schedule_at]': String(at + 1),
          'schedules[1][amount]': '1300',
          'schedules[1][name]': '폼 구독 2',
        }).toString();
        const res = await call('POST', '/subscribe/payments/schedule', '/subscribe/payments/schedule', form, { form: true });
        expect(res.body.code).toBe(0);
        // Missing buyer fields come from the customer (V1).
        expect(res.body.response.map((s: any) => [s.merchant_uid, s.amount, s.buyer_tel])).toEqual([
          ['form001', 1200, '010-1234-5678'],
          ['form002', 1300, '010-1234-5678'],
        ]);
      });

      it('answers V1’s refusals: unknown customer (200, code 1), card data (501), a taken merchant_uid (code 1), a bad field (400 naming it)', async () => {
        const at = nowSeconds() + 600;
        const unknown = await call('POST', '/subscribe/payments/schedule', '/subscribe/payments/schedule', { customer_uid: 'nobody', schedules: [schedule('x001', at)] });
        expect(unknown).toEqual({ status: 200, body: { code: 1, message: '등록된 고객정보가 없습니다.', response: null } });
        const card = await call('POST', '/subscribe/payments/schedule', 'envelope', { customer_uid: 'nobody', card_number: '5239-0000-0000-9001', expiry: '2030-12', birth: '900101', schedules: [schedule('x001', at)] });
        expect(card.status).toBe(501);
        expect(card.body).toMatchObject({ code: 1, response: null });
        expect(card.body.message).toContain('API 방식 빌링키 발급을 지원하지 않');
        const taken = await call('POST', '/subscribe/payments/schedule', '/subscribe/payments/schedule', { customer_uid: 'cust_a', schedules: [schedule('json001', at)] });
        expect(taken.body).toEqual({ code: 1, message: '이미 결제예약에 사용된 주문번호(merchant_uid)입니다: json001', response: null });
        const missing = await call('POST', '/subscribe/payments/schedule', 'envelope', { customer_uid: 'cust_a', schedules: [{ schedule_at: at, amount: 1000 }] });
        expect(missing).toEqual({ status: 400, body: { code: -1, message: 'schedules.0.merchant_uid: 필수 입력값입니다', response: null } });
        const special = await call('POST', '/subscribe/payments/schedule', 'envelope', { customer_uid: 'cust_a', schedules: [schedule('order-1', at)] });
        expect(special.status).toBe(400);
        expect(special.body.message).toContain('schedules[0] merchant_uid:');
        const none = await call('POST', '/subscribe/payments/schedule', 'envelope', { customer_uid: 'cust_a', schedules: [] });
        expect(none.status).toBe(400);
        expect(none.body.message).toContain('schedules');
      });
    });

    describe('reading, moving and revoking', () => {
      it('GET one by merchant_uid; 404 for none, and for another store’s', async () => {
        const one = await call('GET', '/subscribe/payments/schedule/json001', '/subscribe/payments/schedule/{merchant_uid}');
        expect(one.status).toBe(200);
        expect(own(Envelope(V1ScheduleSchema), one.body)).toEqual([]);
        expect(one.body.response).toMatchObject({ merchant_uid: 'json001', schedule_status: 'scheduled' });
        const none = await call('GET', '/subscribe/payments/schedule/nothing', '/subscribe/payments/schedule/{merchant_uid}');
        expect(none).toEqual({ status: 404, body: { code: -1, message: '존재하지 않는 결제예약입니다.', response: null } });
        const other = await h.otherMerchant();
        const res = await h.app.inject({ method: 'POST', url: '/users/getToken', payload: { imp_key: other.apiKey, imp_secret: other.apiSecret } });
        const otherToken = res.json().response.access_token as string;
        expect((await call('GET', '/subscribe/payments/schedule/json001', '/subscribe/payments/schedule/{merchant_uid}', undefined, { as: otherToken })).status).toBe(404);
        const notTheirs = await call('POST', '/subscribe/payments/unschedule', '/subscribe/payments/unschedule', { merchant_uid: 'json001' }, { as: otherToken });
        expect(notTheirs.body).toMatchObject({ code: 1, message: '취소할 예약결제 기록이 존재하지 않습니다.' });
      });

      it('lists a window paged, newest first or (sorting=scheduled) oldest first, by status; refuses a window over 3 months', async () => {
        const from = nowSeconds();
        const to = from + 3600;
        const page = await call('GET', `/subscribe/payments/schedule?schedule_from=${from}&schedule_to=${to}&limit=2`, 'paged');
        expect(own(Envelope(V1PagedSchedulesSchema), page.body)).toEqual([]);
        expect(page.body.response).toMatchObject({ total: 4, previous: 0, next: 2 });
        expect(page.body.response.list.map((s: any) => s.merchant_uid)).toEqual(['json002', 'form002']);
        const oldest = await call('GET', `/subscribe/payments/schedule?schedule_from=${from}&schedule_to=${to}&sorting=scheduled&page=2&limit=2`, 'paged');
        expect(oldest.body.response).toMatchObject({ total: 4, previous: 1, next: 0 });
        expect(oldest.body.response.list.map((s: any) => s.merchant_uid)).toEqual(['form002', 'json002']);
        const revokedOnly = await call('GET', `/subscribe/payments/schedule?schedule_from=${from}&schedule_to=${to}&schedule_status=revoked`, 'paged');
        expect(revokedOnly.body.response).toEqual({ total: 0, previous: 0, next: 0, list: [] });
        const tooLong = await call('GET', `/subscribe/payments/schedule?schedule_from=${from}&schedule_to=${from + 93 * 86_400}`, 'envelope');
        expect(tooLong.status).toBe(400);
        expect(tooLong.body.message).toContain('schedule_to: schedule_from부터 최대 3개월');
        const noFrom = await call('GET', `/subscribe/payments/schedule?schedule_to=${to}`, 'envelope');
        expect(noFrom).toEqual({ status: 400, body: { code: -1, message: 'schedule_from: 필수 입력값입니다', response: null } });
        const badStatus = await call('GET', `/subscribe/payments/schedule?schedule_from=${from}&schedule_to=${to}&schedule_status=paid`, 'envelope');
        expect(badStatus.status).toBe(400);
      });

      it('lists a customer’s schedules on both V1 paths, with the hyphenated schedule-status', async () => {
        const from = nowSeconds();
        for (const path of ['/subscribe/payments/schedule/customers/cust_b', '/subscribe/customers/cust_b/schedules']) {
          const res = await call('GET', `${path}?from=${from}&to=${from + 3600}`, 'paged');
          expect(res.body.response).toMatchObject({ total: 2, previous: 0, next: 0 });
          expect(res.body.response.list.map((s: any) => s.merchant_uid)).toEqual(['form002', 'form001']);
          const scheduled = await call('GET', `${path}?from=${from}&to=${from + 3600}&schedule-status=scheduled`, 'paged');
          expect(scheduled.body.response.total).toBe(2);
          const executed = await call('GET', `${path}?from=${from}&to=${from + 3600}&schedule-status=executed`, 'paged');
          expect(executed.body.response.total).toBe(0);
        }
        const missing = await call('GET', `/subscribe/customers/cust_b/schedules?from=${from}`, 'envelope');
        expect(missing).toEqual({ status: 400, body: { code: -1, message: 'to: 필수 입력값입니다', response: null } });
      });

      it('PUT moves a waiting schedule; 400 for a past time; 404 for none', async () => {
        const at = nowSeconds() + 1200;
        const moved = await call('PUT', '/subscribe/payments/schedule/form001', '/subscribe/payments/schedule/{merchant_uid}', { schedule_at: at });
        expect(moved.body.response).toMatchObject({ merchant_uid: 'form001', schedule_at: at, schedule_status: 'scheduled' });
        const past = await call('PUT', '/subscribe/payments/schedule/form001', '/subscribe/payments/schedule/{merchant_uid}', { schedule_at: nowSeconds() - 10 });
        expect(past).toEqual({ status: 400, body: { code: -1, message: 'schedule_at: 현재 시각보다 과거일 수 없습니다', response: null } });
        expect((await call('PUT', '/subscribe/payments/schedule/none', '/subscribe/payments/schedule/{merchant_uid}', { schedule_at: at })).status).toBe(404);
        expect((await call('PUT', '/subscribe/payments/schedule/form001', '/subscribe/payments/schedule/{merchant_uid}', {})).status).toBe(400);
      });

      it('unschedules by a merchant_uid string, an array, a form list, or a customer; nothing left answers code 1', async () => {
        const at = nowSeconds() + 900;
        await call('POST', '/subscribe/payments/schedule', '/subscribe/payments/schedule', {
          customer_uid: 'cust_a',
          schedules: ['un1', 'un2', 'un3', 'un4', 'un5'].map((m, i) => schedule(m, at + i)),
        });
        const byString = await call('POST', '/subscribe/payments/unschedule', '/subscribe/payments/unschedule', { merchant_uid: 'un1' });
        expect(own(Envelope(Type.Array(V1ScheduleSchema)), byString.body)).toEqual([]);
        expect(byString.body.response).toEqual([expect.objectContaining({ merchant_uid: 'un1', schedule_status: 'revoked', revoked_at: nowSeconds() })]);
        const byArray = await call('POST', '/subscribe/payments/unschedule', '/subscribe/payments/unschedule', { customer_uid: 'cust_a', merchant_uid: ['un2', 'un3'] });
        expect(byArray.body.response.map((s: any) => s.merchant_uid)).toEqual(['un2', 'un3']);
        const byForm = await call('POST', '/subscribe/payments/unschedule', '/subscribe/payments/unschedule', 'merchant_uid%5B%5D=un4&merchant_uid%5B%5D=un1', { form: true });
        expect(byForm.body.response.map((s: any) => s.merchant_uid)).toEqual(['un4']);
        const again = await call('POST', '/subscribe/payments/unschedule', '/subscribe/payments/unschedule', { merchant_uid: ['un1', 'un2'] });
        expect(again).toEqual({ status: 200, body: { code: 1, message: '취소할 예약결제 기록이 존재하지 않습니다.', response: null } });
        const neither = await call('POST', '/subscribe/payments/unschedule', 'envelope', {});
        expect(neither.status).toBe(400);
        expect(neither.body.message).toContain('customer_uid');
        // A revoked schedule cannot be moved.
        const put = await call('PUT', '/subscribe/payments/schedule/un1', '/subscribe/payments/schedule/{merchant_uid}', { schedule_at: at + 60 });
        expect(put.status).toBe(400);
        expect(put.body.message).toContain('취소된 결제예약입니다');
      });
    });

    describe('after the runs', () => {
      it('shows a paid run (imp_uid, executed_at, payment_status) and a declined one (fail_reason); retries the declined one and reschedules a revoked one', async () => {
        const at = nowSeconds() + 30;
        charger.outcomes.set('runpay1', 'paid');
        charger.outcomes.set('rundecl1', 'declined');
        await call('POST', '/subscribe/payments/schedule', '/subscribe/payments/schedule', { customer_uid: 'cust_a', schedules: [schedule('runpay1', at), schedule('rundecl1', at)] });
        h.clock.set(at * 1000);
        // Everything due so far runs (the earlier tests' waiting schedules are due too).
        await h.services.schedules.runDue(50);

        const paid = await call('GET', '/subscribe/payments/schedule/runpay1', '/subscribe/payments/schedule/{merchant_uid}');
        expect(paid.body.response).toMatchObject({ schedule_status: 'executed', payment_status: 'paid', executed_at: at, pg_provider: 'smartro_v2', pg_id: 'gyeolsim01', fail_reason: null });
        const payment = await call('GET', `/payments/${paid.body.response.imp_uid}`, '/payments/{imp_uid}');
        expect(payment.body.response).toMatchObject({ merchant_uid: 'runpay1', status: 'paid', customer_uid: 'cust_a', customer_uid_usage: 'payment.scheduled', channel: 'api' });

        const declined = await call('GET', '/subscribe/payments/schedule/rundecl1', '/subscribe/payments/schedule/{merchant_uid}');
        expect(declined.body.response).toMatchObject({ schedule_status: 'executed', payment_status: 'failed', fail_reason: '[3051] 한도초과(테스트)', imp_uid: expect.stringMatching(/^imp_\d{12}$/) });
        const executed = await call('GET', `/subscribe/customers/cust_a/schedules?from=${at - 3600}&to=${at + 3600}&schedule-status=executed`, 'paged');
        expect(executed.body.response.list.map((s: any) => s.merchant_uid)).toEqual(expect.arrayContaining(['runpay1', 'rundecl1']));

        // A paid run cannot be retried or rescheduled.
        const noRetry = await call('POST', '/subscribe/payments/schedule/runpay1/retry', '/subscribe/payments/schedule/{merchant_uid}/retry');
        expect(noRetry.status).toBe(400);
        expect(noRetry.body.message).toContain('이미 결제가 승인된 결제예약입니다');
        expect((await call('POST', '/subscribe/payments/schedule/runpay1/reschedule', '/subscribe/payments/schedule/{merchant_uid}/reschedule', { schedule_at: at + 600 })).status).toBe(400);
        expect((await call('POST', '/subscribe/payments/schedule/none/retry', '/subscribe/payments/schedule/{merchant_uid}/retry')).status).toBe(404);

        // The declined one, retried now: the answer is the new payment.
        charger.outcomes.set('rundecl1', 'paid');
        const retried = await call('POST', '/subscribe/payments/schedule/rundecl1/retry', '/subscribe/payments/schedule/{merchant_uid}/retry');
        expect(own(Envelope(V1PaymentSchema), retried.body)).toEqual([]);
        expect(retried.body.response).toMatchObject({ merchant_uid: 'rundecl1', status: 'paid', customer_uid_usage: 'payment.scheduled' });
        expect(retried.body.response.imp_uid).not.toBe(declined.body.response.imp_uid);
        expect((await call('GET', '/subscribe/payments/schedule/rundecl1', '/subscribe/payments/schedule/{merchant_uid}')).body.response).toMatchObject({
          schedule_status: 'executed',
          payment_status: 'paid',
          imp_uid: retried.body.response.imp_uid,
          fail_reason: null,
        });

        // A revoked one, rescheduled: waiting again.
        const revoked = await call('GET', '/subscribe/payments/schedule/un2', '/subscribe/payments/schedule/{merchant_uid}');
        expect(revoked.body.response.schedule_status).toBe('revoked');
        const rescheduled = await call('POST', '/subscribe/payments/schedule/un2/reschedule', '/subscribe/payments/schedule/{merchant_uid}/reschedule', { schedule_at: at + 600 });
        expect(rescheduled.body.response).toMatchObject({ merchant_uid: 'un2', schedule_status: 'scheduled', schedule_at: at + 600, revoked_at: 0 });
        const pastTime = await call('POST', '/subscribe/payments/schedule/un3/reschedule', '/subscribe/payments/schedule/{merchant_uid}/reschedule', { schedule_at: at - 600 });
        expect(pastTime.status).toBe(400);

        // A retry whose PG answer is lost: 504 naming the payment (as `again`); the run stays in progress.
        charger.outcomes.set('un3', 'unknown');
        const lost = await call('POST', '/subscribe/payments/schedule/un3/retry', 'envelope');
        expect(lost.status).toBe(504);
        expect(lost.body).toMatchObject({ code: -1, response: null });
        expect(lost.body.message).toMatch(/imp_uid: imp_\d{12}/);
        expect((await call('GET', '/subscribe/payments/schedule/un3', '/subscribe/payments/schedule/{merchant_uid}')).body.response).toMatchObject({ schedule_status: 'scheduled', imp_uid: null, payment_status: null });
      });
    });
  },
  { per: 'file' },
);
