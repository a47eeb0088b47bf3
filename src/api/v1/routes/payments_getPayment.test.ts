import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { forEachDatabase } from '../../../../test/support/databases';
import { createGatewayHarness, type GatewayHarness } from '../../../../test/support/gateway-harness';
import { v1SchemaErrors } from '../../../../test/support/openapi';
import { newReceiptIntent } from '../../../store/test-fixtures';

forEachDatabase((_name, getStore) => {
  describe('GET /payments/{imp_uid}', () => {
    let h: GatewayHarness;
    let token: string;
    beforeAll(async () => {
      h = await createGatewayHarness(getStore());
      token = await h.token();
    });
    afterAll(async () => h.close());

    it('returns a paid payment in V1 shape, valid against the V1 schema', async () => {
      const payment = await h.seedPayment({ amount: 1004 });
      const res = await h.app.inject({ method: 'GET', url: `/payments/${payment.impUid}`, headers: { Authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(v1SchemaErrors('get', '/payments/{imp_uid}', 200, body)).toEqual([]);
      expect(body.code).toBe(0);
      expect(body.response).toMatchObject({
        imp_uid: payment.impUid,
        merchant_uid: payment.merchantUid,
        status: 'paid',
        amount: 1004,
        cancel_amount: 0,
        currency: 'KRW',
        pay_method: 'card',
        pg_provider: 'smartro_v2',
        pg_id: 'gyeolsim01',
        card_name: '신한카드',
        card_number: '42424242****424*',
        apply_num: '12345678',
        custom_data: '{"cart":1}',
        fail_reason: null,
        sandbox: true,
        failed_at: 0,
        cancelled_at: 0,
      });
      expect(body.response.paid_at).toBe(Math.floor(h.clock.now().getTime() / 1000));
    });

    it('serializes a payment once per version, and answers each change at once — the payment, a cancellation, a cash receipt, test-payment visibility', async () => {
      const payment = await h.seedPayment({ payMethod: 'trans', sandbox: true });
      const get = async (query = '') => {
        const res = await h.app.inject({ method: 'GET', url: `/payments/${payment.impUid}${query}`, headers: { Authorization: token } });
        return { status: res.statusCode, body: res.json(), type: res.headers['content-type'] };
      };
      const fullReads = vi.spyOn(h.store.payments, 'findByImpUid');
      try {
        const first = await get();
        const again = await get();
        expect(again).toEqual(first);
        expect(again.type).toBe('application/json; charset=utf-8');
        expect(fullReads).toHaveBeenCalledTimes(1); // the second answer was the kept one
        expect(first.body.response).toMatchObject({ status: 'paid', cancel_amount: 0, cancel_history: [], cash_receipt_issued: false });

        // A cancellation: reserved and settled through the store, as the cancel service does.
        const reserved = await h.store.cancellations.reserve(
          { storeId: payment.storeId, paymentId: payment.id, cancellationId: 'cncl_00000000000000000042', kind: 'cancel', amount: 400, taxFree: 0, vatAmount: null, reason: '부분 취소', enableWebhook: false, refundSealed: null, requestedAt: h.clock.now(), reconcileAfter: h.clock.now() },
          { status: 'paid', checksum: null },
        );
        if (!reserved.ok) throw new Error('reservation refused');
        await h.store.cancellations.settle(reserved.cancellation, { state: 'done', pgTid: 'cancel-tid-42', receiptUrl: null, code: '2001', message: '취소 성공', cancelledAt: h.clock.now(), at: h.clock.now() });
        const cancelled = await get();
        expect(cancelled.body.response).toMatchObject({ status: 'paid', cancel_amount: 400, cancel_history: [{ amount: 400, pg_tid: 'cancel-tid-42', reason: '부분 취소' }] });
        expect(fullReads).toHaveBeenCalledTimes(2);

        // A cash receipt is a row of its own; the payment's answer still changes with it.
        const receipt = await h.store.receipts.insertIntent(newReceiptIntent(payment, { amount: 600, vat: 55, createdAt: h.clock.now() }));
        expect((await get()).body.response.cash_receipt_issued).toBe(false);
        await h.store.receipts.transition(payment.storeId, receipt!.id, 'issuing', 'issued', { receiptTid: 'r-42', applyNum: '42', receiptUrl: null, appliedAt: h.clock.now() }, h.clock.now());
        expect((await get()).body.response.cash_receipt_issued).toBe(true);

        // A kept answer of a test payment is not shown to a lookup that excludes them.
        expect((await get('?include_sandbox=false')).status).toBe(404);
        expect((await get()).status).toBe(200);
      } finally {
        fullReads.mockRestore();
      }
    });

    it('accepts the token as Bearer, bare Authorization and X-ImpTokenHeader', async () => {
      const payment = await h.seedPayment();
      for (const headers of [{ Authorization: `Bearer ${token}` }, { Authorization: token }, { 'X-ImpTokenHeader': token }]) {
        const res = await h.app.inject({ method: 'GET', url: `/payments/${payment.impUid}`, headers });
        expect(res.statusCode, JSON.stringify(headers)).toBe(200);
        expect(res.json().response.imp_uid).toBe(payment.impUid);
      }
    });

    it('shows a failed payment with its fail_reason and a ready one with zero times', async () => {
      const failed = await h.seedPayment({ status: 'failed' });
      const ready = await h.seedPayment({ status: 'ready' });
      const f = (await h.app.inject({ method: 'GET', url: `/payments/${failed.impUid}`, headers: { Authorization: token } })).json();
      expect(v1SchemaErrors('get', '/payments/{imp_uid}', 200, f)).toEqual([]);
      expect(f.response).toMatchObject({ status: 'failed', fail_reason: '카드사 승인 거절', paid_at: 0 });
      expect(f.response.failed_at).toBeGreaterThan(0);
      const r = (await h.app.inject({ method: 'GET', url: `/payments/${ready.impUid}`, headers: { Authorization: token } })).json();
      expect(v1SchemaErrors('get', '/payments/{imp_uid}', 200, r)).toEqual([]);
      expect(r.response).toMatchObject({ status: 'ready', paid_at: 0, failed_at: 0, pg_tid: null });
    });

    it('answers 404 with V1 message for an unknown imp_uid', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/payments/imp_000000000000', headers: { Authorization: token } });
      expect(res.statusCode).toBe(404);
      const body = res.json();
      expect(body).toEqual({ code: -1, message: '존재하지 않는 결제정보입니다.', response: null });
      expect(v1SchemaErrors('get', '/payments/{imp_uid}', 404, body)).toEqual([]);
    });

    it('answers 401 without a token or with a wrong one', async () => {
      const payment = await h.seedPayment();
      for (const headers of [{}, { Authorization: 'Bearer deadbeef' }, { 'X-ImpTokenHeader': 'nope' }, { Authorization: 'Bearer ' }]) {
        const res = await h.app.inject({ method: 'GET', url: `/payments/${payment.impUid}`, headers });
        expect(res.statusCode, JSON.stringify(headers)).toBe(401);
        const body = res.json();
        expect(body).toMatchObject({ code: -1, response: null });
        expect(v1SchemaErrors('get', '/payments/{imp_uid}', 401, body)).toEqual([]);
      }
    });
  });
}, { per: 'file' });
