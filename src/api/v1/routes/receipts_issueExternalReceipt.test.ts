import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test/support/databases';
import { createGatewayHarness, type GatewayHarness } from '../../../../test/support/gateway-harness';
import { v1EnvelopeErrors, v1SchemaErrors } from '../../../../test/support/openapi';
import { RECEIPT_MID, startReceiptSimulator } from '../../../../test/support/receipt-simulator';
import { unixSeconds } from '../../../domain/clock';
import type { SmartroSimulator } from '../../../simulators/smartro/server';
import type { ChannelRecord } from '../../../store/types';

forEachDatabase((_name, getStore) => {
  describe('POST|GET|DELETE /receipts/external/{merchant_uid} against the Smartro simulator', () => {
    let h: GatewayHarness;
    let token: string;
    let sim: SmartroSimulator;
    let simUrl: string;
    let channel: ChannelRecord;
    beforeAll(async () => {
      h = await createGatewayHarness(getStore());
      token = await h.token();
      ({ sim, simUrl, channel } = await startReceiptSimulator(h));
    });
    afterAll(async () => {
      await sim.close();
      await h.close();
    });

    const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
      h.app.inject({ method, url, headers: { Authorization: `Bearer ${token}`, ...headers }, ...(payload === undefined ? {} : { payload: payload as string }) });
    const sale = () => ({ channel_key: channel.channelKey, name: '현장 판매', amount: 5500, identifier: '01012345678', buyer_name: '김현금', buyer_tel: '010-5555-6666' });

    it('issues a receipt of an external cash sale, answers it on GET and cancels it with DELETE', async () => {
      const issued = await call('POST', '/receipts/external/shop20261126A1', { ...sale(), pay_method: 'vbank' });
      expect(issued.statusCode).toBe(200);
      expect(v1SchemaErrors('post', '/receipts/external/{merchant_uid}', 200, issued.json())).toEqual([]);
      const receipt = issued.json().response;
      expect(receipt).toEqual({
        merchant_uid: 'shop20261126A1',
        receipt_tid: expect.stringMatching(new RegExp(`^${RECEIPT_MID}0701\\d{16}$`)),
        apply_num: expect.stringMatching(/^\d{9}$/),
        type: 'person',
        amount: 5500,
        vat: 500,
        receipt_url: `${simUrl}/issue/IssueLoader.jsp?TID=${receipt.receipt_tid}&type=2`,
        applied_at: unixSeconds(h.clock.now()),
        cancelled_at: 0,
      });
      const got = await call('GET', '/receipts/external/shop20261126A1');
      expect(got.json()).toEqual(issued.json());
      expect(v1SchemaErrors('get', '/receipts/external/{merchant_uid}', 200, got.json())).toEqual([]);
      expect((await call('POST', '/receipts/external/shop20261126A1', sale())).statusCode).toBe(400);

      const revoked = await call('DELETE', '/receipts/external/shop20261126A1');
      expect(revoked.statusCode).toBe(200);
      expect(v1SchemaErrors('delete', '/receipts/external/{merchant_uid}', 200, revoked.json())).toEqual([]);
      expect(revoked.json().response).toEqual({ ...receipt, cancelled_at: unixSeconds(h.clock.now()) });
    });

    it('takes a form body', async () => {
      const form = new URLSearchParams({ ...sale(), amount: '3300', type: 'company', identifier: '1234567890' }).toString();
      const res = await call('POST', '/receipts/external/shopform1', form, { 'content-type': 'application/x-www-form-urlencoded' });
      expect(res.statusCode).toBe(200);
      expect(res.json().response).toMatchObject({ merchant_uid: 'shopform1', type: 'company', amount: 3300, vat: 300 });
    });

    it('refuses bad requests naming the field and the rule, and writes nothing', async () => {
      const { buyer_tel: _tel, ...noTel } = sale();
      const { name: _name, ...noName } = sale();
      const cases: [string, unknown, number, number, string][] = [
        ['shop-1', sale(), 400, -1, 'merchant_uid: 스마트로는 영문·숫자만으로 된 40자 이내의 주문번호만 허용합니다 (특수문자 불가)'],
        ['shopnotel', noTel, 400, -1, 'buyer_tel: 스마트로 현금영수증 발급에는 구매자 전화번호가 필요합니다'],
        ['shopnoname', noName, 400, -1, 'name: 필수 입력값입니다'],
        ['shopzero', { ...sale(), amount: 0 }, 400, -1, 'amount: 1 이상이어야 합니다'],
        ['shopcard', { ...sale(), pay_method: 'card' }, 400, -1, 'pay_method: 허용된 값(trans, vbank) 중 하나여야 합니다'],
        ['shopnokey', { ...sale(), channel_key: 'channel-key-nope' }, 400, 1, 'channel_key: 해당 채널 키로 등록된 채널이 없습니다'],
      ];
      for (const [merchantUid, payload, status, code, message] of cases) {
        const res = await call('POST', `/receipts/external/${merchantUid}`, payload);
        expect({ merchantUid, status: res.statusCode, body: res.json() }).toEqual({ merchantUid, status, body: { code, message, response: null } });
        expect(v1EnvelopeErrors(res.json())).toEqual([]);
        expect(await h.store.receipts.findActive(h.merchant.id, { merchantUid })).toBeNull();
      }
      const none = await call('GET', '/receipts/external/shopnever');
      expect(none.statusCode).toBe(404);
      expect(v1EnvelopeErrors(none.json())).toEqual([]);
      expect((await call('DELETE', '/receipts/external/shopnever')).statusCode).toBe(404);
    });
  });
}, { per: 'file' });
