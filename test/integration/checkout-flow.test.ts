import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli';
import { SecretBox } from '../../src/services/secrets';
import { startTestSystem, systemDatabases, restClient, type TestSystem } from '../support/system';
import { v1SchemaErrors } from '../support/openapi';
import { until } from '../support/processes';
import { NEVER_ANSWERS_CARD } from '../../src/simulators/smartro/cards';
import { authenticateCard, newMerchantUid, openMobileWindow, payMobile, returnToGateway } from './flow';

/**
 * The whole card flow over real HTTP between the gateway, the Smartro simulator and the demo
 * shop's origin, on each database: every test card, the PG timeout, a forged SignValue and two
 * windows racing for one order.
 */
describe.each(systemDatabases())('checkout over HTTP (%s)', (db) => {
  let system: TestSystem;
  let rest: Awaited<ReturnType<typeof restClient>>;
  beforeAll(async () => {
    // The reconciler is left idle here (its own tests are in reconciler.test.ts), so an open outcome stays open.
    system = await startTestSystem({ db, pgTimeoutMs: 1500, simulatorHangMs: 4000, env: { GYEOL_RECONCILE_INTERVAL_MS: '600000' } });
    rest = await restClient(system);
  });
  afterAll(async () => system?.close());

  it('approves 4242… and redirects to m_redirect_url with imp_success=true; the payment is paid', async () => {
    const result = await payMobile(system, { card: '4242 4242 4242 4242', amount: 1004 });
    expect(result.redirect.origin + result.redirect.pathname).toBe(`${system.shopUrl}/order/complete`);
    expect(result.query).toEqual({ imp_uid: result.impUid, merchant_uid: result.merchantUid, imp_success: 'true' });

    const { status, body } = await rest.get(`/payments/${result.impUid}`);
    expect(status).toBe(200);
    expect(v1SchemaErrors('get', '/payments/{imp_uid}', 200, body)).toEqual([]);
    expect(body.response).toMatchObject({
      status: 'paid',
      amount: 1004,
      pg_provider: 'smartro_v2',
      pg_id: 'gyeolsim01',
      pg_tid: result.tid,
      channel: 'mobile',
      sandbox: true,
      fail_reason: null,
    });
    expect(body.response.pg_tid).toHaveLength(30);
    expect(body.response.card_number).toContain('*');
    expect(body.response.card_number).not.toContain('4242424242424242');
    expect(body.response.apply_num).toMatch(/^\d+$/);
    expect(body.response.card_name).toBeTruthy();
    expect(body.response.paid_at).toBeGreaterThan(0);

    const found = await rest.get(`/payments/find/${result.merchantUid}/paid`);
    expect(found.body.response.imp_uid).toBe(result.impUid);
  });

  it.each([
    ['4000 0000 0000 0002', '3051'],
    ['4000 0000 0000 9995', '3052'],
    ['4000 0000 0000 9987', '3053'],
    ['4000 0000 0000 0119', '9999'],
  ])('turns card %s into a failed payment with the PG code %s and its reason', async (card, code) => {
    const result = await payMobile(system, { card });
    expect(result.query).toMatchObject({ imp_uid: result.impUid, merchant_uid: result.merchantUid, imp_success: 'false', error_code: code });
    expect(result.query.error_msg).toBeTruthy();
    const { body } = await rest.get(`/payments/${result.impUid}`);
    expect(v1SchemaErrors('get', '/payments/{imp_uid}', 200, body)).toEqual([]);
    expect(body.response).toMatchObject({ status: 'failed', fail_reason: result.query.error_msg, paid_at: 0 });
    expect(body.response.failed_at).toBeGreaterThan(0);
  });

  it('lets the buyer pay the same order again after a decline', async () => {
    const merchantUid = newMerchantUid();
    const declined = await payMobile(system, { card: '4000 0000 0000 0002', merchantUid });
    expect(declined.query.imp_success).toBe('false');
    const paid = await payMobile(system, { card: '4242 4242 4242 4242', merchantUid });
    expect(paid.query.imp_success).toBe('true');
    expect(paid.impUid).not.toBe(declined.impUid);
    // and once paid, the order is refused before any window opens
    await expect(openMobileWindow(system, { merchantUid })).rejects.toThrow('이미 결제가 완료된');
  });

  it('leaves a payment unpaid when the PG does not answer in time, and holds the order until it is known', async () => {
    const result = await payMobile(system, { card: NEVER_ANSWERS_CARD });
    expect(result.query).toMatchObject({ imp_success: 'false', error_code: 'PG_TIMEOUT' });
    const { body } = await rest.get(`/payments/${result.impUid}`);
    expect(body.response).toMatchObject({ status: 'ready', paid_at: 0, pg_tid: result.tid });
    await expect(openMobileWindow(system, { merchantUid: result.merchantUid })).rejects.toThrow('진행 중인 결제');
  });

  it('never approves two windows of one order: the second is refused without asking the PG', async () => {
    const merchantUid = newMerchantUid();
    const first = await openMobileWindow(system, { merchantUid });
    const second = await openMobileWindow(system, { merchantUid });
    const [authA, authB] = await Promise.all([authenticateCard(first, '4242424242424242'), authenticateCard(second, '4242424242424242')]);
    const [a, b] = await Promise.all([returnToGateway(authA.returnUrl, authA.fields), returnToGateway(authB.returnUrl, authB.fields)]);
    const outcomes = [a, b].map((url) => url.searchParams.get('imp_success')).sort();
    expect(outcomes).toEqual(['false', 'true']);
    const loser = a.searchParams.get('imp_success') === 'false' ? a : b;
    // Refused as "already paid" or "in progress", depending on how far the winner had got.
    expect(['MERCHANT_UID_ALREADY_PAID', 'PAYMENT_IN_PROGRESS']).toContain(loser.searchParams.get('error_code'));
    const paid = await rest.get(`/payments/find/${merchantUid}/paid`);
    expect(paid.status).toBe(200);
    const loserPayment = await rest.get(`/payments/${loser.searchParams.get('imp_uid')}`);
    expect(loserPayment.body.response.status).toBe('failed');
    // The loser's Tid was never sent to urlCallApproval.do: the simulator knows no approval of it.
    const loserTid = loser === a ? authA.fields.Tid : authB.fields.Tid;
    const inquiry = await fetch(`${system.simulatorUrl}/payment/approval/approvalInquiry.do`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Tid: loserTid, TrAuthKey: (loser === a ? authA : authB).fields.TrAuthKey }),
    });
    expect(((await inquiry.json()) as { ResultCode: string }).ResultCode).not.toBe('3001');
  });

  it('answers a double submit of one window with one approval and the same result twice', async () => {
    const opened = await openMobileWindow(system);
    const auth = await authenticateCard(opened, '4242424242424242');
    const [a, b] = await Promise.all([returnToGateway(auth.returnUrl, auth.fields), returnToGateway(auth.returnUrl, auth.fields)]);
    expect(a.toString()).toBe(b.toString());
    expect(a.searchParams.get('imp_success')).toBe('true');
    const { body } = await rest.get(`/payments/${opened.impUid}`);
    expect(body.response.status).toBe('paid');
  });

  it('shows 결제 확인 중, never a new card form, in a window whose payment is being approved', async () => {
    const opened = await openMobileWindow(system);
    const auth = await authenticateCard(opened, NEVER_ANSWERS_CARD);
    const returned = returnToGateway(auth.returnUrl, auth.fields);
    // Wait until the gateway has claimed the approval (the PG call then hangs until the PG timeout).
    await until(
      'the approval to be requested',
      async () => {
        const list = await rest.get('/gyeol/payments/in-approval');
        const open = list.body.response as { imp_uid: string; approval_state: string }[];
        return open.some((p) => p.imp_uid === opened.impUid && p.approval_state === 'requested') ? true : null;
      },
      4000,
    );
    const page = await (await fetch(opened.windowUrl)).text();
    expect(page).toContain('결제 확인 중');
    expect(page).not.toContain('gyeol-launch');
    expect(page).toMatch(/http-equiv="refresh" content="2; url=\/checkout\//);
    expect((await returned).searchParams.get('error_code')).toBe('PG_TIMEOUT');
  });

  it('lets operators list payments whose outcome is open and ask the PG now, over REST and from the CLI', async () => {
    const listed = await payMobile(system, { card: NEVER_ANSWERS_CARD });
    const asked = await payMobile(system, { card: NEVER_ANSWERS_CARD });
    const auth = { Authorization: `Bearer ${rest.token}` };

    const list = await rest.get('/gyeol/payments/in-approval');
    expect(list.status).toBe(200);
    const open = (list.body.response as { imp_uid: string; approval_state: string; status: string; reconcile_after: number }[]).filter((p) =>
      [listed.impUid, asked.impUid].includes(p.imp_uid),
    );
    expect(open.map((p) => [p.imp_uid, p.status, p.approval_state]).sort()).toEqual(
      [[listed.impUid, 'ready', 'unknown'], [asked.impUid, 'ready', 'unknown']].sort(),
    );
    expect(open.every((p) => p.reconcile_after > 0)).toBe(true);

    const inquiry = await fetch(`${system.gatewayUrl}/gyeol/payments/${asked.impUid}/inquiry`, { method: 'POST', headers: auth });
    expect(inquiry.status).toBe(200);
    expect(((await inquiry.json()) as { response: unknown }).response).toMatchObject({ imp_uid: asked.impUid, status: 'failed', approval_state: 'declined', reconcile_after: 0 });
    const unknown = await fetch(`${system.gatewayUrl}/gyeol/payments/imp_000000000000/inquiry`, { method: 'POST', headers: auth });
    expect(unknown.status).toBe(404);
    expect((await fetch(`${system.gatewayUrl}/gyeol/payments/in-approval`)).status).toBe(401);

    const lines: string[] = [];
    const out = (text: string) => lines.push(text);
    expect(await runCli(['payments', 'in-approval', '--store', system.demo.impCode], { env: system.env, out })).toBe(0);
    expect(lines.join('\n')).toContain(listed.impUid);
    expect(lines.join('\n')).not.toContain(asked.impUid);
    lines.length = 0;
    expect(await runCli(['payments', 'inquire', listed.impUid, '--store', system.demo.impCode], { env: system.env, out })).toBe(0);
    expect(lines.join('\n')).toMatch(new RegExp(`^${listed.impUid}\\s+${listed.merchantUid}\\s+failed\\s+declined`));
    expect((await rest.get(`/payments/${listed.impUid}`)).body.response.status).toBe('failed');
    lines.length = 0;
    expect(await runCli(['payments', 'in-approval', '--store', 'imp00000000'], { env: system.env, out })).toBe(2);
    expect(lines.join('\n')).toContain('--store');
  });

  it('records escrow as Smartro processed it', async () => {
    const escrow = await payMobile(system, { card: '4242 4242 4242 4242', params: { escrow: true } });
    expect(escrow.query.imp_success).toBe('true');
    expect((await rest.get(`/payments/${escrow.impUid}`)).body.response).toMatchObject({ status: 'paid', escrow: true });
    const plain = await payMobile(system, { card: '4242 4242 4242 4242' });
    expect((await rest.get(`/payments/${plain.impUid}`)).body.response).toMatchObject({ status: 'paid', escrow: false });
  });

  it('refuses a billing-key request (customer_uid) that breaks Smartro\'s billing rules before any window opens', async () => {
    await expect(openMobileWindow(system, { params: { customer_uid: 'cust01' } })).rejects.toThrow('customer_id: 빌링키 발급에는 구매자 ID');
  });

  it('sends tax_free and vat_amount to Smartro and keeps them with the payment', async () => {
    const result = await payMobile(system, { card: '4242 4242 4242 4242', amount: 1100, params: { tax_free: 100 } });
    expect(result.query.imp_success).toBe('true');
    const sim = (await (await fetch(`${system.simulatorUrl}/sim/transactions?moid=${result.merchantUid}`)).json()) as { transactions: Record<string, unknown>[] };
    // 1000 taxable: VAT 91 (1/11, rounded half up), supply value 909.
    expect(sim.transactions).toEqual([expect.objectContaining({ amount: 1100, taxFreeAmt: 100, vatAmt: 91, taxAmt: 909, approval: 'approved' })]);
    const store = await system.store.stores.findByImpCode(system.demo.impCode);
    expect(await system.store.payments.findByImpUid(store!.id, result.impUid)).toMatchObject({ amount: 1100, taxFree: 100, vatAmount: null });
  });

  describe('with an approval host that forges SignValue', () => {
    let forger: http.Server;
    let channelKey: string;
    beforeAll(async () => {
      // Relays to the simulator and flips one character of the SignValue of its answer.
      forger = http.createServer(async (req, res) => {
        let body = '';
        for await (const chunk of req) body += chunk;
        const upstream = await fetch(`${system.simulatorUrl}${req.url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        const answer = (await upstream.json()) as Record<string, string>;
        answer.SignValue = (answer.SignValue[0] === 'A' ? 'B' : 'A') + answer.SignValue.slice(1);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      });
      await new Promise<void>((resolve) => forger.listen(0, '127.0.0.1', resolve));
      const demoStore = await system.store.stores.findByImpCode(system.demo.impCode);
      const demoChannel = await system.store.channels.findByChannelKey(demoStore!.id, system.demo.channelKey);
      const secrets = JSON.parse(new SecretBox('test-instance-secret-0123456789').open(demoChannel!.secretsEnc));
      const channel = await system.services.provisioning.createChannel({
        storeId: demoStore!.id,
        name: 'forged approvals',
        pgProvider: 'smartro_v2',
        pgId: demoChannel!.pgId,
        testMode: true,
        isDefault: false,
        settings: { jsBaseUrl: system.simulatorUrl, apiBaseUrl: `http://127.0.0.1:${(forger.address() as AddressInfo).port}` },
        secrets,
      });
      channelKey = channel.channelKey;
    });
    afterAll(() => new Promise<void>((resolve) => forger.close(() => resolve())));

    it('treats the answer as a fault: the payment is not paid and the buyer is told', async () => {
      const result = await payMobile(system, { card: '4242 4242 4242 4242', channelKey });
      expect(result.query).toMatchObject({ imp_success: 'false', error_code: 'PG_FAULT' });
      const { body } = await rest.get(`/payments/${result.impUid}`);
      expect(body.response.status).not.toBe('paid');
      expect(body.response.paid_at).toBe(0);
    });
  });
});
