import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test/support/databases';
import { createGatewayHarness, type GatewayHarness } from '../../../../test/support/gateway-harness';
import { v1SchemaErrors } from '../../../../test/support/openapi';
import { newImpUid } from '../../../domain/ids';
import { EMPTY_PASS_THROUGH } from '../../../domain/payment';
import { decide } from '../../../domain/payment-transitions';

/** PUT /vbanks/{imp_uid} on an API issue whose answer is still being confirmed (no account yet). */
forEachDatabase((_name, getStore) => {
  describe('PUT /vbanks/{imp_uid} before the account is known', () => {
    let h: GatewayHarness;
    let token: string;
    beforeAll(async () => {
      h = await createGatewayHarness(getStore());
      token = await h.token();
    });
    afterAll(async () => h.close());

    it('answers 400: not a ready account yet (발급 확인 중)', async () => {
      const payment = await h.store.payments.insert({
        storeId: h.merchant.id,
        channelId: h.channel.id,
        impUid: newImpUid(),
        merchantUid: 'pendingissue1',
        pgProvider: 'smartro_v2',
        pgId: h.channel.pgId,
        payMethod: 'vbank',
        channel: 'api',
        sandbox: true,
        escrow: false,
        name: null,
        amount: 5000,
        taxFree: null,
        vatAmount: null,
        currency: 'KRW',
        status: 'ready',
        buyerName: '홍길동',
        buyerEmail: 'a@example.com',
        buyerTel: '010',
        buyerAddr: null,
        buyerPostcode: null,
        customData: null,
        noticeUrl: null,
        customerUid: null,
        customerUidUsage: null,
        userAgent: null,
        passThrough: { ...EMPTY_PASS_THROUGH, vbankDue: '20991231235959' },
        startedAt: h.clock.now(),
      });
      const claim = decide(payment, { type: 'approval-requested', pgTid: null, pgAuthSealed: 'sealed', at: h.clock.now(), reconcileAfter: h.clock.now() });
      if (!claim.ok) throw new Error(claim.reason);
      expect((await h.store.payments.apply(payment.storeId, payment.id, claim)).ok).toBe(true);

      const res = await h.app.inject({ method: 'PUT', url: `/vbanks/${payment.impUid}`, headers: { Authorization: token }, payload: { vbank_due: 4_102_444_800 } });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ code: 1, message: '입금대기(ready) 상태의 가상계좌가 아닙니다 (현재 상태: ready, 발급 확인 중)', response: null });
      expect(v1SchemaErrors('put', '/vbanks/{imp_uid}', 400, res.json())).toEqual([]);
    });
  });
}, { per: 'file' });
