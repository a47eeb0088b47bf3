import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CANCEL_PATH } from '../../src/connectors/smartro/wire';
import { startReceiver } from '../support/receiver';
import { v1SchemaErrors } from '../support/openapi';
import { restClient, startTestSystem, systemDatabases, type TestSystem } from '../support/system';
import { authenticateBank, issueVbank, openMobileWindow, payMobile, returnToGateway } from './flow';
import { CHECK_CARD } from '../../src/simulators/smartro/cards';

const CARD = '4242 4242 4242 4242';

/**
 * `POST /payments/cancel` and `DELETE /vbanks` over real HTTP: the gateway asks the Smartro
 * simulator's `cancel.do` (AES envelope, HashData, CancelSeq), on each database.
 */
describe.each(systemDatabases())('cancels over HTTP (%s)', (db) => {
  let system: TestSystem;
  let rest: Awaited<ReturnType<typeof restClient>>;
  let storeId: number;
  /** When set, the next cancel.do answer is lost after Smartro acted on it (the connection "drops"). */
  let loseNextCancelAnswer = false;
  const receivers: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    const pgFetch: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (loseNextCancelAnswer && String(input).endsWith(CANCEL_PATH)) {
        loseNextCancelAnswer = false;
        await res.text();
        throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
      }
      return res;
    };
    system = await startTestSystem({ db, pgFetch, simulatorNotifyRetryMs: 100, simulatorRefundDelayMs: 60_000, env: { GYEOL_WEBHOOK_INTERVAL_MS: '100', GYEOL_RECONCILE_INTERVAL_MS: '200' } });
    rest = await restClient(system);
    storeId = (await system.store.stores.findByImpCode(system.demo.impCode))!.id;
  });
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    await system.services.webhooks.updateSettings(storeId, { testUrl: null, liveUrl: null });
  });
  afterAll(async () => system?.close());

  async function cancel(body: Record<string, unknown>, options: { form?: boolean } = {}) {
    const answer = await rest.send('POST', '/payments/cancel', body, options);
    expect(v1SchemaErrors('post', '/payments/cancel', 200, answer.body), JSON.stringify(answer.body)).toEqual([]);
    return answer;
  }

  async function paid(amount = 10_000, card = CARD) {
    const result = await payMobile(system, { card, amount });
    expect(result.query.imp_success).toBe('true');
    return result;
  }

  /**
   * The webhooks about these payments, each once: delivery is at least once (a loaded machine may
   * resend one, same webhook-id), and an earlier test's event may be dispatched to this test's URL.
   */
  const about = (impUids: string[]) => <T extends { headers: Record<string, unknown>; body: string }>(all: T[]): T[] =>
    [...new Map(all.filter((h) => impUids.includes(JSON.parse(h.body).imp_uid)).map((h) => [String(h.headers['webhook-id']), h])).values()];

  async function simulatorCancels(tid: string) {
    const { transactions } = (await (await fetch(`${system.simulatorUrl}/sim/transactions?tid=${tid}`)).json()) as { transactions: { cancelledAmount: number }[] };
    return transactions[0]?.cancelledAmount;
  }

  it('cancels a card payment in full: cancelled, cancel_history with cancellation_id, a webhook only with enable_webhook', async () => {
    const hook = await startReceiver();
    receivers.push(hook);
    await system.services.webhooks.updateSettings(storeId, { testUrl: hook.url });
    const payment = await paid(10_000);
    const distinct = about([payment.impUid]);
    await hook.until((all) => distinct(all).length >= 1);

    const { status, body } = await cancel({ imp_uid: payment.impUid, reason: '고객 변심', enable_webhook: true });
    expect(status).toBe(200);
    expect(body.code).toBe(0);
    const v1 = body.response;
    expect(v1).toMatchObject({ imp_uid: payment.impUid, status: 'cancelled', amount: 10_000, cancel_amount: 10_000, cancel_reason: '고객 변심' });
    expect(v1.cancelled_at).toBeGreaterThan(0);
    expect(v1.cancel_history).toHaveLength(1);
    const [entry] = v1.cancel_history;
    expect(entry).toMatchObject({ amount: 10_000, reason: '고객 변심', cancelled_at: v1.cancelled_at });
    expect(entry.cancellation_id).toMatch(/^cncl_[A-Za-z0-9]{20}$/);
    expect(entry.pg_tid).toMatch(/^gyeolsim01/);
    expect(entry.pg_tid).not.toBe(payment.tid);
    expect(v1.cancel_receipt_urls).toEqual(entry.receipt_url ? [entry.receipt_url] : []);
    expect(await rest.payment(payment.impUid)).toEqual(v1);
    expect(await simulatorCancels(payment.tid)).toBe(10_000);

    const hooks = distinct(await hook.until((all) => distinct(all).length >= 2));
    expect(JSON.parse(hooks[1]!.body)).toEqual({ imp_uid: payment.impUid, merchant_uid: payment.merchantUid, status: 'cancelled', cancellation_id: entry.cancellation_id });

    // Once cancelled, nothing more to cancel (V1: HTTP 200, code 1), and no webhook without enable_webhook.
    const again = await cancel({ imp_uid: payment.impUid });
    expect(again).toEqual({ status: 200, body: { code: 1, message: '이미 전액취소된 주문입니다.', response: null } });
    const quiet = await paid(5_000);
    const quietHooks = about([quiet.impUid]);
    await hook.until((all) => quietHooks(all).length >= 1);
    expect((await cancel({ merchant_uid: quiet.merchantUid })).body.response.status).toBe('cancelled');
    await system.webhookWorker.runOnce();
    expect(quietHooks(hook.received).map((h) => JSON.parse(h.body).status)).toEqual(['paid']);
  });

  it('cancels part, then the rest (form body): paid until nothing is left, a checksum guards each', async () => {
    const payment = await paid(10_000);
    const wrong = await cancel({ imp_uid: payment.impUid, amount: 3_000, checksum: 9_000 }, { form: true });
    expect(wrong.body).toEqual({ code: 1, message: 'checksum: 취소 가능 잔액(10000)과 일치하지 않습니다.', response: null });
    expect((await rest.payment(payment.impUid)).cancel_amount).toBe(0);

    const part = await cancel({ imp_uid: payment.impUid, amount: 3_000, checksum: 10_000, reason: '부분 반품' }, { form: true });
    expect(part.body.response).toMatchObject({ status: 'paid', cancel_amount: 3_000 });
    expect(part.body.response.cancel_history).toHaveLength(1);

    const over = await cancel({ imp_uid: payment.impUid, amount: 7_001 });
    expect(over.body).toEqual({ code: 1, message: 'amount: 취소 가능 잔액(7000)보다 큰 금액은 취소할 수 없습니다.', response: null });

    const rest1 = await cancel({ imp_uid: payment.impUid, checksum: 7_000 });
    expect(rest1.body.response).toMatchObject({ status: 'cancelled', cancel_amount: 10_000 });
    expect(rest1.body.response.cancel_history.map((h: { amount: number }) => h.amount)).toEqual([3_000, 7_000]);
    expect(new Set(rest1.body.response.cancel_history.map((h: { pg_tid: string }) => h.pg_tid)).size).toBe(2);
    expect(await simulatorCancels(payment.tid)).toBe(10_000);
  });

  it('never cancels more than is left when many cancels arrive at once', async () => {
    const payment = await paid(5_000);
    const answers = await Promise.all(Array.from({ length: 8 }, () => cancel({ imp_uid: payment.impUid, amount: 1_000 })));
    expect(answers.filter((a) => a.body.code === 0)).toHaveLength(5);
    // A late one finds nothing left, or the payment already fully cancelled.
    for (const refused of answers.filter((a) => a.body.code !== 0)) expect(refused.body.message).toMatch(/^amount: 취소 가능 잔액|^이미 전액취소된 주문입니다/);
    const v1 = await rest.payment(payment.impUid);
    expect(v1).toMatchObject({ status: 'cancelled', cancel_amount: 5_000 });
    expect(v1.cancel_history).toHaveLength(5);
    expect(await simulatorCancels(payment.tid)).toBe(5_000);
  });

  it('a check card refuses a partial cancel at Smartro: code 1 with its reason, nothing held, a full cancel still works', async () => {
    const payment = await paid(8_000, CHECK_CARD);
    const partial = await cancel({ imp_uid: payment.impUid, amount: 1_000 });
    expect(partial.body.code).toBe(1);
    expect(partial.body.message).toContain('체크카드');
    const stored = await system.store.payments.findByImpUid(storeId, payment.impUid);
    expect(stored).toMatchObject({ status: 'paid', cancelAmount: 0, cancelReserved: 0 });
    expect((await cancel({ imp_uid: payment.impUid })).body.response).toMatchObject({ status: 'cancelled', cancel_amount: 8_000 });
  });

  it('refuses bad input naming the field, and unknown payments as V1 does', async () => {
    const payment = await paid(3_000);
    expect(await cancel({})).toEqual({ status: 400, body: { code: -1, message: 'imp_uid: imp_uid 또는 merchant_uid 중 하나는 입력해야 합니다', response: null } });
    expect(await cancel({ imp_uid: 'imp_000000000000' })).toEqual({ status: 200, body: { code: 1, message: '취소할 결제건이 존재하지 않습니다.', response: null } });
    const fraction = await cancel({ imp_uid: payment.impUid, amount: 10.5 });
    expect(fraction.status).toBe(400);
    expect(fraction.body.message).toMatch(/^amount: /);
    const taxFree = await cancel({ imp_uid: payment.impUid, amount: 1_000, tax_free: 2_000 });
    expect(taxFree.body.message).toContain('tax_free');
    expect((await rest.payment(payment.impUid)).cancel_amount).toBe(0);
  });

  it('a bank transfer refund needs the refund account, then goes through', async () => {
    const opened = await openMobileWindow(system, { amount: 4_000, params: { pay_method: 'trans' } });
    const auth = await authenticateBank(opened, { bankCode: '004', account: '12345678901' });
    await returnToGateway(auth.returnUrl, auth.fields);
    const missing = await cancel({ imp_uid: opened.impUid });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toBe(
      'refund_holder: 계좌이체 환불에는 예금주가 필요합니다 / refund_bank: 계좌이체 환불에는 환불 은행 코드가 필요합니다 / refund_account: 계좌이체 환불에는 환불 계좌번호가 필요합니다 / refund_tel: 계좌이체 환불에는 예금주 연락처가 필요합니다',
    );
    const done = await cancel({ imp_uid: opened.impUid, refund_holder: '홍길동', refund_bank: '004', refund_account: '123-456-78901', refund_tel: '010-1234-5678' });
    expect(done.body.response).toMatchObject({ status: 'cancelled', cancel_amount: 4_000 });
  });

  it('a paid virtual account refund stays pending until Smartro notifies it, then is cancelled (webhook with enable_webhook)', async () => {
    const hook = await startReceiver();
    receivers.push(hook);
    await system.services.webhooks.updateSettings(storeId, { testUrl: hook.url });
    const issued = await issueVbank(system, '2099-12-31');
    const distinct = about([issued.impUid]);
    const deposit = await fetch(`${system.simulatorUrl}/sim/vbank/${issued.tid}/deposit`, { method: 'POST' });
    expect(deposit.status).toBe(201);
    await hook.until((all) => distinct(all).length >= 2);

    const refund = { refund_holder: '홍길동', refund_bank: '088', refund_account: '110123456789', refund_tel: '01012345678' };
    const pending = await cancel({ imp_uid: issued.impUid, enable_webhook: true, ...refund });
    expect(pending.body.code).toBe(0);
    expect(pending.body.message).toContain('환불 완료 통보');
    expect(pending.body.response).toMatchObject({ status: 'paid', cancel_amount: 0, cancel_history: [] });
    // What the pending refund holds is not cancellable again.
    expect((await cancel({ imp_uid: issued.impUid, ...refund })).body.message).toMatch(/^amount: 취소 가능 잔액이 없습니다/);

    const {
      transactions: [simulated],
    } = (await (await fetch(`${system.simulatorUrl}/sim/transactions?tid=${issued.tid}`)).json()) as { transactions: { cancels: { tid: string; refundedAt: string | null }[] }[] };
    expect(simulated!.cancels).toEqual([expect.objectContaining({ refundedAt: null })]);
    const complete = await fetch(`${system.simulatorUrl}/sim/refunds/${simulated!.cancels[0]!.tid}/complete`, { method: 'POST' });
    expect(complete.status).toBeLessThan(300);
    const hooks = distinct(await hook.until((all) => distinct(all).length >= 3));
    const v1 = await rest.payment(issued.impUid);
    expect(v1).toMatchObject({ status: 'cancelled', cancel_amount: 1004 });
    expect(JSON.parse(hooks[2]!.body)).toEqual({ imp_uid: issued.impUid, merchant_uid: issued.merchantUid, status: 'cancelled', cancellation_id: v1.cancel_history[0].cancellation_id });
  });

  it('DELETE /vbanks revokes an unpaid account: failed, and the bank takes no deposit on it', async () => {
    const issued = await issueVbank(system, '2099-12-31');
    const { status, body } = await rest.send('DELETE', `/vbanks/${issued.impUid}`);
    expect(status).toBe(200);
    expect(v1SchemaErrors('delete', '/vbanks/{imp_uid}', 200, body)).toEqual([]);
    expect(body.response).toMatchObject({ status: 'failed', cancel_amount: 0, vbank_num: expect.any(String) });
    expect(body.response.fail_reason).toContain('가상계좌 말소');
    expect((await fetch(`${system.simulatorUrl}/sim/vbank/${issued.tid}/deposit`, { method: 'POST' })).status).toBeGreaterThanOrEqual(400);
    const again = await rest.send('DELETE', `/vbanks/${issued.impUid}`);
    expect(again.status).toBe(400);
    expect(again.body.code).toBe(1);
    const card = await paid(1_000);
    expect((await rest.send('DELETE', `/vbanks/${card.impUid}`)).status).toBe(400);
  });

  it('a cancel whose answer is lost is re-sent by the reconciler with the same CancelSeq: cancelled once', async () => {
    const payment = await paid(6_000);
    loseNextCancelAnswer = true;
    const lost = await cancel({ imp_uid: payment.impUid, amount: 2_000 });
    expect(lost.body.code).toBe(1);
    expect(lost.body.message).toContain('취소 결과를 아직 확인하지 못했습니다');
    // Smartro did cancel; gyeol holds the amount until it knows.
    expect(await simulatorCancels(payment.tid)).toBe(2_000);
    expect((await cancel({ imp_uid: payment.impUid, checksum: 6_000 })).body.message).toMatch(/^checksum: 취소 가능 잔액\(4000\)/);

    const deadline = Date.now() + 20_000;
    let v1 = await rest.payment(payment.impUid);
    while (v1.cancel_amount === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      v1 = await rest.payment(payment.impUid);
    }
    expect(v1).toMatchObject({ status: 'paid', cancel_amount: 2_000 });
    expect(v1.cancel_history).toHaveLength(1);
    expect(await simulatorCancels(payment.tid)).toBe(2_000);
  });
});
