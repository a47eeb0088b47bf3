import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test/support/databases';
import { createGatewayHarness, type GatewayHarness } from '../../../../test/support/gateway-harness';
import { v1EnvelopeErrors, v1SchemaErrors } from '../../../../test/support/openapi';
import { RECEIPT_MID, startReceiptSimulator } from '../../../../test/support/receipt-simulator';
import { unixSeconds } from '../../../domain/clock';
import { DECLINED_RECEIPT_IDENTITY, LATE_RECEIPT_IDENTITY } from '../../../simulators/smartro/receipts';
import type { SmartroSimulator } from '../../../simulators/smartro/server';
import type { ChannelRecord } from '../../../store/types';

forEachDatabase((_name, getStore) => {
  describe('POST|GET|DELETE /receipts/{imp_uid} against the Smartro simulator', () => {
    let h: GatewayHarness;
    let token: string;
    let sim: SmartroSimulator;
    let simUrl: string;
    let channel: ChannelRecord;
    beforeAll(async () => {
      h = await createGatewayHarness(getStore());
      token = await h.token();
      ({ sim, simUrl, channel } = await startReceiptSimulator(h, { hangMs: 3000 }));
    });
    afterAll(async () => {
      await sim.close();
      await h.close();
    });

    const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
      h.app.inject({ method, url, headers: { Authorization: `Bearer ${token}`, ...headers }, ...(payload === undefined ? {} : { payload: payload as string }) });
    const paidTransfer = (amount = 11000) => h.seedPayment({ channelId: channel.id, payMethod: 'trans', amount, merchantUid: `rcpt${Math.floor(Math.random() * 1e9)}` });
    const now = () => unixSeconds(h.clock.now());

    it('issues a receipt of a paid bank transfer, answers it on GET, refuses a second, cancels it with DELETE and issues again', async () => {
      const payment = await paidTransfer();
      const issued = await call('POST', `/receipts/${payment.impUid}`, { identifier: '010-1234-5678', identifier_type: 'phone', buyer_name: '김결제', buyer_tel: '01099998888' });
      expect(issued.statusCode).toBe(200);
      expect(v1SchemaErrors('post', '/receipts/{imp_uid}', 200, issued.json())).toEqual([]);
      const receipt = issued.json().response;
      expect(issued.json()).toEqual({
        code: 0,
        message: null,
        response: {
          imp_uid: payment.impUid,
          receipt_tid: expect.stringMatching(new RegExp(`^${RECEIPT_MID}0701\\d{16}$`)),
          apply_num: expect.stringMatching(/^\d{9}$/),
          type: 'person',
          amount: 11000,
          vat: 1000,
          receipt_url: `${simUrl}/issue/IssueLoader.jsp?TID=${receipt.receipt_tid}&type=2`,
          applied_at: now(),
          cancelled_at: 0,
        },
      });
      const page = await fetch(receipt.receipt_url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(receipt.apply_num);

      const got = await call('GET', `/receipts/${payment.impUid}`);
      expect(got.json()).toEqual(issued.json());
      const cashReceiptIssued = async () => (await call('GET', `/payments/${payment.impUid}`)).json().response.cash_receipt_issued;
      expect(await cashReceiptIssued()).toBe(true);
      expect(v1SchemaErrors('get', '/receipts/{imp_uid}', 200, got.json())).toEqual([]);

      const second = await call('POST', `/receipts/${payment.impUid}`, { identifier: '01012345678' });
      expect(second.statusCode).toBe(400);
      expect(second.json()).toEqual({ code: 1, message: '이미 현금영수증이 발급된 거래입니다. 다시 발급하려면 먼저 DELETE로 발급을 취소해 주세요.', response: null });

      h.clock.advance(60_000);
      const revoked = await call('DELETE', `/receipts/${payment.impUid}`);
      expect(revoked.statusCode).toBe(200);
      expect(v1SchemaErrors('delete', '/receipts/{imp_uid}', 200, revoked.json())).toEqual([]);
      expect(revoked.json().response).toEqual({ ...receipt, cancelled_at: now() });
      expect(await cashReceiptIssued()).toBe(false);
      expect((await call('GET', `/receipts/${payment.impUid}`)).json().response).toEqual({ ...receipt, cancelled_at: now() });
      const again = await call('DELETE', `/receipts/${payment.impUid}`);
      expect(again.statusCode).toBe(400);
      expect(again.json()).toEqual({ code: 1, message: '이미 발급 취소된 현금영수증입니다.', response: null });

      const reissued = await call('POST', `/receipts/${payment.impUid}`, { identifier: '01012345678' });
      expect(reissued.statusCode).toBe(200);
      expect(reissued.json().response.receipt_tid).not.toBe(receipt.receipt_tid);
      expect(reissued.json().response.cancelled_at).toBe(0);
    });

    it('takes a form body, falls back to the payment buyer, and issues a 지출증빙 receipt to a business number with the given VAT', async () => {
      const payment = await paidTransfer(22000);
      const res = await call('POST', `/receipts/${payment.impUid}`, 'identifier=123-45-67890&type=company&vat_amount=1500&tax_free=5000', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().response).toMatchObject({ imp_uid: payment.impUid, type: 'company', amount: 22000, vat: 1500 });
      expect(v1SchemaErrors('post', '/receipts/{imp_uid}', 200, res.json())).toEqual([]);
      // The identifier is kept sealed and masked, never in the clear.
      const stored = await h.store.receipts.findActive(h.merchant.id, { impUid: payment.impUid });
      expect(stored).toMatchObject({ identifierType: 'business', identifierMasked: '123*****90', buyerName: '홍길동', buyerTel: '010-1234-5678', taxFree: 5000 });
      expect(JSON.stringify(stored)).not.toContain('1234567890');
    });

    it('refuses what cannot have a receipt, in the V1 envelope naming the field and the rule, writing nothing', async () => {
      const card = await h.seedPayment({ channelId: channel.id });
      const ready = await h.seedPayment({ channelId: channel.id, payMethod: 'trans', status: 'ready' });
      const transfer = await paidTransfer();
      // V1: business refusals answer code 1, bad parameters and unknown resources -1.
      const cases: [string, unknown, number, number, string][] = [
        [card.impUid, { identifier: '01012345678' }, 400, 1, 'imp_uid: 현금영수증은 현금성 결제(계좌이체·가상계좌)에만 발급할 수 있습니다.'],
        [ready.impUid, { identifier: '01012345678' }, 400, 1, 'imp_uid: 결제완료(paid) 상태인 결제건에만 현금영수증을 발급할 수 있습니다.'],
        ['imp_000000000000', { identifier: '01012345678' }, 404, -1, '존재하지 않는 결제정보입니다.'],
        [transfer.impUid, {}, 400, -1, 'identifier: 필수 입력값입니다'],
        [transfer.impUid, { identifier: '0101234' }, 400, -1, 'identifier: 휴대폰 번호(10~11자리), 사업자등록번호(10자리), 주민등록번호(13자리) 또는 현금영수증 카드번호(18자리)여야 합니다'],
        [transfer.impUid, { identifier: '01012345678', identifier_type: 'person' }, 400, -1, 'identifier: 주민등록번호는 13자리 숫자여야 합니다'],
        [transfer.impUid, { identifier: '1234567890', identifier_type: 'business' }, 400, -1, 'type: 사업자등록번호로는 소득공제용(person)을 발급할 수 없습니다. type을 company로 보내 주세요'],
        [transfer.impUid, { identifier: '01012345678', identifier_type: 'email' }, 400, -1, 'identifier_type: 허용된 값(person, business, phone, taxcard) 중 하나여야 합니다'],
        [transfer.impUid, { identifier: '01012345678', tax_free: 20000 }, 400, -1, 'tax_free: 0 이상 발급금액(11000) 이하여야 합니다'],
      ];
      for (const [impUid, payload, status, code, message] of cases) {
        const res = await call('POST', `/receipts/${impUid}`, payload);
        expect({ payload, status: res.statusCode, body: res.json() }).toEqual({ payload, status, body: { code, message, response: null } });
        expect(v1EnvelopeErrors(res.json())).toEqual([]);
      }
      for (const p of [card, ready, transfer]) expect(await h.store.receipts.findActive(h.merchant.id, { impUid: p.impUid })).toBeNull();
      const none = await call('GET', `/receipts/${transfer.impUid}`);
      expect(none.statusCode).toBe(404);
      expect(none.json()).toEqual({ code: -1, message: '현금영수증 발급 내역이 존재하지 않습니다.', response: null });
      expect((await call('DELETE', `/receipts/${transfer.impUid}`)).statusCode).toBe(404);
      const anonymous = await h.app.inject({ method: 'GET', url: `/receipts/${transfer.impUid}` });
      expect(anonymous.statusCode).toBe(401);
      expect(v1SchemaErrors('get', '/receipts/{imp_uid}', 401, anonymous.json())).toEqual([]);
    });

    it('answers a PG decline as a 400 with its code, records it, and a later request may issue', async () => {
      const payment = await paidTransfer();
      const declined = await call('POST', `/receipts/${payment.impUid}`, { identifier: DECLINED_RECEIPT_IDENTITY });
      expect(declined.statusCode).toBe(400);
      expect(declined.json()).toEqual({ code: 1, message: '현금영수증 발급에 실패했습니다. [R710] 국세청에 등록할 수 없는 현금영수증 식별번호입니다', response: null });
      expect((await call('GET', `/receipts/${payment.impUid}`)).statusCode).toBe(404);
      const issued = await call('POST', `/receipts/${payment.impUid}`, { identifier: '01012345678' });
      expect(issued.statusCode).toBe(200);
    });

    it('leaves a receipt whose answer was lost unissued, and the same request again resolves it to the receipt the PG issued', async () => {
      const payment = await paidTransfer();
      const lost = await call('POST', `/receipts/${payment.impUid}`, { identifier: LATE_RECEIPT_IDENTITY });
      expect(lost.statusCode).toBe(504);
      expect(lost.json()).toEqual({
        code: -1,
        message: 'PG사 응답을 받지 못해 현금영수증 처리 결과를 확인하지 못했습니다. 같은 요청을 다시 보내면 PG사에 결과를 다시 확인합니다.',
        response: null,
      });
      expect(v1EnvelopeErrors(lost.json())).toEqual([]);
      expect(await h.store.receipts.findActive(h.merchant.id, { impUid: payment.impUid })).toMatchObject({ state: 'issuing', receiptTid: null, applyNum: null });
      expect((await call('GET', `/receipts/${payment.impUid}`)).statusCode).toBe(404);

      const retried = await call('POST', `/receipts/${payment.impUid}`, { identifier: LATE_RECEIPT_IDENTITY });
      expect(retried.statusCode).toBe(200);
      expect(retried.json().response).toMatchObject({ imp_uid: payment.impUid, amount: 11000, cancelled_at: 0 });
      expect(await h.store.receipts.findActive(h.merchant.id, { impUid: payment.impUid })).toMatchObject({ state: 'issued', receiptTid: retried.json().response.receipt_tid });

      // The cancel's answer is lost too: the receipt stays issued (cancelling) until a DELETE hears the PG.
      const lostCancel = await call('DELETE', `/receipts/${payment.impUid}`);
      expect(lostCancel.statusCode).toBe(504);
      expect(await h.store.receipts.findActive(h.merchant.id, { impUid: payment.impUid })).toMatchObject({ state: 'cancelling', cancelledAt: null });
      expect((await call('GET', `/receipts/${payment.impUid}`)).json().response).toEqual(retried.json().response);
      const cancelled = await call('DELETE', `/receipts/${payment.impUid}`);
      expect(cancelled.statusCode).toBe(200);
      expect(cancelled.json().response).toEqual({ ...retried.json().response, cancelled_at: now() });
      expect(await h.store.receipts.findActive(h.merchant.id, { impUid: payment.impUid })).toBeNull();
    });
  });
}, { per: 'file' });
