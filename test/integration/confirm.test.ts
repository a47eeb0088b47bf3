import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { signWebhook } from '../../src/services/webhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { forEachDatabase } from '../support/databases';
import { createGatewayHarness } from '../support/gateway-harness';
import { restClient, startTestSystem, systemDatabases, type TestSystem } from '../support/system';
import { newMerchantUid, payMobile } from './flow';

/**
 * The merchant's confirm step (issue 6, reference §4.3): right before approval gyeol POSTs
 * `{imp_uid, merchant_uid, amount}` to the store's confirm_url; only HTTP 200 lets the PG be asked.
 */

interface ConfirmCall {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Answer = { status: number; body?: string; contentType?: string; delayMs?: number } | 'hang';

/** A merchant's confirm_url on 127.0.0.1 answering as `answer` says. */
async function confirmReceiver(answer: Answer) {
  const calls: ConfirmCall[] = [];
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    calls.push({ path: req.url ?? '/', headers: req.headers, body });
    if (answer === 'hang') return;
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    if (answer.contentType) res.setHeader('content-type', answer.contentType);
    res.writeHead(answer.status).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/shop/confirm`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The checkout's return wait in these tests: a confirm step may take longer than it. */
const RETURN_WAIT_MS = 1500;

const refusedWith = (detail: string) => `고객사 요청에 의해 결제를 중단합니다. (상세사유: ${detail})`;

describe.each(systemDatabases())('confirm_url over HTTP (%s)', (db) => {
  let system: TestSystem;
  let storeId: number;
  let rest: Awaited<ReturnType<typeof restClient>>;
  const receivers: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    system = await startTestSystem({ db, env: { GYEOL_RECONCILE_INTERVAL_MS: '600000', GYEOL_RETURN_WAIT_MS: String(RETURN_WAIT_MS) } });
    storeId = (await system.store.stores.findByImpCode(system.demo.impCode))!.id;
    rest = await restClient(system);
  });
  afterEach(async () => {
    await system.services.webhooks.updateSettings(storeId, { confirmEnabled: false, confirmUrl: null });
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });
  afterAll(async () => system?.close());

  async function confirmAnswering(answer: Answer) {
    const receiver = await confirmReceiver(answer);
    receivers.push(receiver);
    await system.services.webhooks.updateSettings(storeId, { confirmUrl: receiver.url, confirmEnabled: true });
    return receiver;
  }

  /** The simulator's record of one order's transactions (what the PG was asked). */
  async function pgTransactions(merchantUid: string): Promise<{ tid: string; approval: string }[]> {
    const res = await fetch(`${system.simulatorUrl}/sim/transactions?moid=${encodeURIComponent(merchantUid)}`);
    return ((await res.json()) as { transactions: { tid: string; approval: string }[] }).transactions;
  }

  it('asks confirm_url with exactly {imp_uid, merchant_uid, amount} and approves on 200', async () => {
    const receiver = await confirmAnswering({ status: 200, body: '{"result":"ok"}', contentType: 'application/json' });
    const result = await payMobile(system, { card: '4242 4242 4242 4242', amount: 1004 });
    expect(result.query).toEqual({ imp_uid: result.impUid, merchant_uid: result.merchantUid, imp_success: 'true' });

    expect(receiver.calls).toHaveLength(1);
    expect(receiver.calls[0].path).toBe('/shop/confirm');
    expect(receiver.calls[0].headers['content-type']).toBe('application/json');
    expect(JSON.parse(receiver.calls[0].body)).toEqual({ imp_uid: result.impUid, merchant_uid: result.merchantUid, amount: 1004 });
    // Signed with the store's webhook secret, as webhooks are.
    const { secret } = await system.services.webhooks.settings(storeId);
    const { headers, body: sent } = receiver.calls[0];
    expect(headers['webhook-id']).toMatch(/^cfm_/);
    expect(headers['webhook-signature']).toBe(signWebhook(secret, String(headers['webhook-id']), Number(headers['webhook-timestamp']), sent));

    const { body } = await rest.get(`/payments/${result.impUid}`);
    expect(body.response).toMatchObject({ status: 'paid', amount: 1004, fail_reason: null });
    expect(await pgTransactions(result.merchantUid)).toEqual([expect.objectContaining({ tid: result.tid, approval: 'approved' })]);
  });

  it('refuses with the merchant’s reason: the payment fails and the PG is never asked to approve', async () => {
    const receiver = await confirmAnswering({ status: 400, body: JSON.stringify({ reason: '재고 부족' }), contentType: 'application/json' });
    const result = await payMobile(system, { card: '4242 4242 4242 4242' });
    expect(receiver.calls).toHaveLength(1);
    expect(result.query).toMatchObject({ imp_uid: result.impUid, merchant_uid: result.merchantUid, imp_success: 'false', error_code: 'CONFIRM_REFUSED' });
    expect(result.query.error_msg).toBe(refusedWith('재고 부족'));

    const { body } = await rest.get(`/payments/${result.impUid}`);
    expect(body.response).toMatchObject({ status: 'failed', fail_reason: refusedWith('재고 부족'), paid_at: 0 });
    expect(body.response.failed_at).toBeGreaterThan(0);
    // Authenticated in the PG's window, never sent for approval.
    expect(await pgTransactions(result.merchantUid)).toEqual([expect.objectContaining({ tid: result.tid, approval: 'pending' })]);
  });

  it.each<[string, Answer]>([
    ['400 without a body', { status: 400 }],
    ['500 with text', { status: 500, body: 'Internal Server Error', contentType: 'text/plain' }],
    ['JSON whose reason is not a string', { status: 409, body: '{"reason":{"code":1}}', contentType: 'application/json' }],
    ['JSON with an empty reason', { status: 400, body: '{"reason":""}', contentType: 'application/json' }],
    ['204 (only 200 proceeds)', { status: 204 }],
    ['a redirect (not followed)', { status: 302, body: '' }],
  ])('fails the payment with 상세사유 알 수 없음 on %s', async (_name, answer) => {
    const receiver = await confirmAnswering(answer);
    const result = await payMobile(system, { card: '4242 4242 4242 4242' });
    expect(receiver.calls).toHaveLength(1);
    expect(result.query).toMatchObject({ imp_success: 'false', error_code: 'CONFIRM_REFUSED', error_msg: refusedWith('알 수 없음') });
    const { body } = await rest.get(`/payments/${result.impUid}`);
    expect(body.response).toMatchObject({ status: 'failed', fail_reason: refusedWith('알 수 없음') });
    expect(await pgTransactions(result.merchantUid)).toEqual([expect.objectContaining({ tid: result.tid, approval: 'pending' })]);
  });

  it('fails the payment with 알 수 없음 when confirm_url cannot be reached', async () => {
    const receiver = await confirmAnswering({ status: 200 });
    await receiver.close();
    const result = await payMobile(system, { card: '4242 4242 4242 4242' });
    expect(result.query).toMatchObject({ imp_success: 'false', error_code: 'CONFIRM_REFUSED', error_msg: refusedWith('알 수 없음') });
    expect(await pgTransactions(result.merchantUid)).toEqual([expect.objectContaining({ tid: result.tid, approval: 'pending' })]);
  });

  it('holds nothing after a refusal: the same order is paid once the merchant accepts', async () => {
    const merchantUid = newMerchantUid();
    await confirmAnswering({ status: 400, body: '{"reason":"재고 부족"}' });
    const refused = await payMobile(system, { card: '4242 4242 4242 4242', merchantUid });
    expect(refused.query.imp_success).toBe('false');

    await confirmAnswering({ status: 200 });
    const paid = await payMobile(system, { card: '4242 4242 4242 4242', merchantUid });
    expect(paid.query.imp_success).toBe('true');
    expect((await rest.get(`/payments/${paid.impUid}`)).body.response.status).toBe('paid');
  });

  it('waits for a confirm step longer than the return wait: the window gets the result, never 결제 확인 중', async () => {
    const receiver = await confirmAnswering({ status: 200, delayMs: RETURN_WAIT_MS + 1000 });
    // returnToGateway (in payMobile) insists on the redirect to m_redirect_url; 결제 확인 중 would be a 200 page.
    const result = await payMobile(system, { card: '4242 4242 4242 4242' });
    expect(receiver.calls).toHaveLength(1);
    expect(result.query).toEqual({ imp_uid: result.impUid, merchant_uid: result.merchantUid, imp_success: 'true' });
  });

  it('does not call confirm_url while the confirm step is off', async () => {
    const receiver = await confirmAnswering({ status: 400 });
    await system.services.webhooks.updateSettings(storeId, { confirmEnabled: false });
    const result = await payMobile(system, { card: '4242 4242 4242 4242' });
    expect(result.query.imp_success).toBe('true');
    expect(receiver.calls).toHaveLength(0);
  });

  it('refuses a confirm_url that points at the gateway itself, without calling it', async () => {
    await system.services.webhooks.updateSettings(storeId, { confirmUrl: `${system.gatewayUrl}/users/getToken`, confirmEnabled: true });
    const result = await payMobile(system, { card: '4242 4242 4242 4242' });
    expect(result.query).toMatchObject({ imp_success: 'false', error_code: 'CONFIRM_REFUSED', error_msg: refusedWith('알 수 없음') });
    expect(await pgTransactions(result.merchantUid)).toEqual([expect.objectContaining({ tid: result.tid, approval: 'pending' })]);
  });
});

/**
 * The timeout, with the confirm budget shortened through the services' settings: a confirm_url
 * that never answers fails the payment within the budget, before anything is claimed. The harness's
 * channel points at a PG host that does not exist, so had the PG been asked, the failure would be a
 * PG fault instead.
 */
forEachDatabase((_db, getStore) => {
  it('fails the payment with 알 수 없음 when confirm_url hangs past the timeout, without claiming or asking the PG', async () => {
    const h = await createGatewayHarness(getStore(), { confirmTimeoutMs: 400 });
    const receiver = await confirmReceiver('hang');
    try {
      await h.services.webhooks.updateSettings(h.merchant.id, { confirmUrl: receiver.url, confirmEnabled: true });
      const payment = await h.seedPayment({ status: 'ready', amount: 5000 });
      const resolved = await h.services.channels.openById(h.merchant.id, h.channel.id);

      const started = Date.now();
      const outcome = await h.services.approvals.approve(payment, resolved, 'gyeolsim0101012611261200001234', { TrAuthKey: 'x' });
      const elapsed = Date.now() - started;

      expect(elapsed).toBeGreaterThanOrEqual(390);
      expect(elapsed).toBeLessThan(3000);
      expect(receiver.calls).toHaveLength(1);
      expect(JSON.parse(receiver.calls[0].body)).toEqual({ imp_uid: payment.impUid, merchant_uid: payment.merchantUid, amount: 5000 });
      expect(outcome).toMatchObject({ kind: 'settled', error: { code: 'CONFIRM_REFUSED', message: refusedWith('알 수 없음') } });
      expect(outcome.payment).toMatchObject({
        status: 'failed',
        failCode: 'CONFIRM_REFUSED',
        failReason: refusedWith('알 수 없음'),
        approvalState: 'none',
        pgTid: null,
      });
    } finally {
      await receiver.close();
      await h.close();
    }
  });
});
