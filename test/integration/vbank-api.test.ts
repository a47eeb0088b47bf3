import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HOLDER_NOT_FOUND_ACCOUNT, HOLDER_TEST_ACCOUNTS } from '../../src/simulators/smartro/server-calls';
import { startReceiver } from '../support/receiver';
import { v1EnvelopeErrors, v1SchemaErrors, vbankHolderSchemaErrors } from '../support/openapi';
import { restClient, startTestSystem, systemDatabases, type TestSystem } from '../support/system';
import { newMerchantUid, payMobile } from './flow';

/**
 * V1 `POST /vbanks`, `PUT /vbanks/{imp_uid}` and `GET /vbanks/holder` over real HTTP between the
 * gateway and the Smartro simulator (`vacct.do`, the holder lookup), on each database. Answers are
 * checked against PortOne's official V1 schema (the holder one against its removed fragment).
 */
describe.each(systemDatabases())('virtual accounts by API over HTTP (%s)', (db) => {
  let system: TestSystem;
  let rest: Awaited<ReturnType<typeof restClient>>;
  let storeId: number;
  const receivers: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    system = await startTestSystem({ db, simulatorNotifyRetryMs: 200, env: { GYEOL_WEBHOOK_INTERVAL_MS: '100' } });
    rest = await restClient(system);
    storeId = (await system.store.stores.findByImpCode(system.demo.impCode))!.id;
  });
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    await system.services.webhooks.updateSettings(storeId, { testUrl: null, liveUrl: null });
  });
  afterAll(async () => system?.close());

  async function call(method: string, path: string, body?: unknown, form = false) {
    const res = await fetch(`${system.gatewayUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${rest.token}`, ...(body === undefined ? {} : { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' }) },
      ...(body === undefined ? {} : { body: form ? (body as string) : JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as { code: number; message: string | null; response: any } };
  }

  /** 2099-12-31 15:00:00 KST. */
  const DUE = Date.UTC(2099, 11, 31, 6, 0, 0) / 1000;
  const vbankBody = (overrides: Record<string, unknown> = {}) => ({
    channel_key: system.demo.channelKey,
    merchant_uid: newMerchantUid(),
    amount: 25000,
    vbank_code: '088',
    vbank_due: DUE,
    vbank_holder: '결상점',
    name: '결 머그컵 2개',
    buyer_name: '홍길동',
    buyer_email: 'buyer@example.com',
    buyer_tel: '010-1234-5678',
    ...overrides,
  });

  async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 10_000): Promise<T> {
    const end = Date.now() + ms;
    let value = await read();
    while (!done(value) && Date.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      value = await read();
    }
    return value;
  }

  it('issues an account (JSON): ready with vbank_*, channel api, webhook ready; a deposit on the simulator pays it, webhook paid', async () => {
    const hook = await startReceiver();
    receivers.push(hook);
    await system.services.webhooks.updateSettings(storeId, { testUrl: hook.url });
    const body = vbankBody({ custom_data: { order: 7 } });
    const res = await call('POST', '/vbanks', body);
    expect(res.status).toBe(200);
    expect(v1SchemaErrors('post', '/vbanks', 200, res.body)).toEqual([]);
    const v1 = res.body.response;
    expect(v1).toMatchObject({
      merchant_uid: body.merchant_uid,
      status: 'ready',
      pay_method: 'vbank',
      channel: 'api',
      amount: 25000,
      pg_provider: 'smartro_v2',
      vbank_code: '088',
      vbank_name: '신한은행',
      vbank_holder: '결상점',
      vbank_date: DUE,
      custom_data: '{"order":7}',
      buyer_name: '홍길동',
      paid_at: 0,
    });
    expect(v1.vbank_num).toMatch(/^7\d{13}$/);
    expect(v1.pg_tid).toMatch(new RegExp(`^${system.demo.mid}\\d{20}$`));
    expect(await rest.payment(v1.imp_uid)).toEqual(v1);

    const [ready] = await hook.until((all) => all.length >= 1);
    expect(JSON.parse(ready.body)).toEqual({ imp_uid: v1.imp_uid, merchant_uid: body.merchant_uid, status: 'ready' });

    // The simulator lists it like a window-issued account, and its bank takes the deposit.
    expect(await (await fetch(`${system.simulatorUrl}/sim/vbank`)).text()).toContain(v1.vbank_num);
    const deposit = await fetch(`${system.simulatorUrl}/sim/vbank/${v1.pg_tid}/deposit`, { method: 'POST' });
    expect(deposit.status).toBe(201);
    const paid = await until(() => rest.payment(v1.imp_uid), (p) => p.status === 'paid');
    expect(paid).toMatchObject({ status: 'paid', channel: 'api', vbank_num: v1.vbank_num });
    const hooks = await hook.until((all) => all.length >= 2);
    expect(hooks.map((h) => JSON.parse(h.body).status)).toEqual(['ready', 'paid']);

    // The order is paid now: no second account for it.
    const again = await call('POST', '/vbanks', { ...body });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ code: 1, message: '이미 결제가 완료된 주문번호(merchant_uid)입니다.', response: null });
  });

  it('takes a form body with pg instead of channel_key, notice_url[] and a deadline whose date alone is sent (23:59:59 KST)', async () => {
    const merchantUid = newMerchantUid();
    const due = Date.UTC(2099, 11, 30, 14, 59, 59) / 1000;
    const form = new URLSearchParams({
      pg: 'smartro_v2',
      merchant_uid: merchantUid,
      amount: '3000',
      vbank_code: '020',
      vbank_due: String(due),
      vbank_holder: '결상점',
      buyer_name: '김결제',
      buyer_email: 'kim@example.com',
      buyer_tel: '01098765432',
      custom_data: 'plain text',
    });
    form.append('notice_url[]', 'https://merchant.example/hook1');
    form.append('notice_url[]', 'https://merchant.example/hook2');
    const res = await call('POST', '/vbanks', form.toString(), true);
    expect(res.status).toBe(200);
    expect(v1SchemaErrors('post', '/vbanks', 200, res.body)).toEqual([]);
    expect(res.body.response).toMatchObject({ merchant_uid: merchantUid, amount: 3000, vbank_code: '020', vbank_name: '우리은행', vbank_date: due, custom_data: 'plain text' });
    const stored = await system.store.payments.findByImpUid(storeId, res.body.response.imp_uid);
    expect(stored?.noticeUrl).toBe('["https://merchant.example/hook1","https://merchant.example/hook2"]');
    const sim = await (await fetch(`${system.simulatorUrl}/sim/transactions?moid=${merchantUid}`)).json();
    expect(sim.transactions).toHaveLength(1);
  });

  it('refuses bad input with 400 naming the field and the rule, and creates nothing', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ merchant_uid: undefined }, 'merchant_uid'],
      [{ amount: undefined }, 'amount'],
      [{ vbank_code: undefined }, 'vbank_code'],
      [{ vbank_due: undefined }, 'vbank_due'],
      [{ channel_key: undefined }, 'channel_key'],
      [{ channel_key: 'channel-key-nope' }, 'channel_key'],
      [{ vbank_due: Math.floor(Date.now() / 1000) - 60 }, 'vbank_due'],
      [{ merchant_uid: 'order-with-hyphen' }, 'merchant_uid'],
      [{ vbank_holder: undefined }, 'vbank_holder'],
      [{ buyer_email: undefined }, 'buyer_email'],
      [{ buyer_name: undefined }, 'buyer_name'],
      [{ buyer_tel: undefined }, 'buyer_tel'],
      [{ vbank_code: '999' }, 'vbank_code'],
      [{ amount: 10.5 }, 'amount'],
      [{ notice_url: 'ftp://x' }, 'notice_url'],
    ];
    for (const [overrides, field] of cases) {
      const body = vbankBody();
      const payload = Object.fromEntries(Object.entries({ ...body, ...overrides }).filter(([, v]) => v !== undefined));
      const res = await call('POST', '/vbanks', payload);
      expect(res.status, JSON.stringify(overrides)).toBe(400);
      expect(res.body.message, JSON.stringify(overrides)).toContain(field);
      expect(v1EnvelopeErrors(res.body)).toEqual([]);
      expect(await system.store.payments.findByMerchantUid(storeId, String(payload.merchant_uid ?? ''))).toBeNull();
    }
  });

  it("a bank Smartro's test environment cannot issue for (KB 004): HTTP 200 with code -1 and the PG's reason; the attempt is failed", async () => {
    const body = vbankBody({ vbank_code: '004' });
    const res = await call('POST', '/vbanks', body);
    expect(res.status).toBe(200);
    expect(res.body.code).toBe(-1);
    expect(res.body.response).toBeNull();
    expect(res.body.message).toContain('테스트 환경에서 가상계좌를 발급할 수 없는 은행입니다');
    expect(v1EnvelopeErrors(res.body)).toEqual([]);
    const failed = await system.store.payments.findByMerchantUid(storeId, body.merchant_uid);
    expect(failed).toMatchObject({ status: 'failed', channel: 'api', failCode: 'V301' });
    // Nothing holds the order: another bank may be tried.
    expect((await call('POST', '/vbanks', { ...body, vbank_code: '088' })).status).toBe(200);
  });

  it('an order with an account waiting for its deposit gets no second one', async () => {
    const body = vbankBody();
    expect((await call('POST', '/vbanks', body)).status).toBe(200);
    const again = await call('POST', '/vbanks', { ...body, vbank_code: '020' });
    expect(again.status).toBe(409);
    expect(again.body.message).toBe('같은 주문번호(merchant_uid)로 진행 중인 결제가 있습니다.');
  });

  it('PUT /vbanks/{imp_uid}: 404 unknown, 400 without a change, 400 not a virtual account, 400 not ready, else 501: smartro_v2 cannot change an issued account', async () => {
    const issued = (await call('POST', '/vbanks', vbankBody())).body.response;
    const card = await payMobile(system, { card: '4242 4242 4242 4242' });
    const cases: [string, unknown, number, string][] = [
      ['imp_000000000000', { amount: 1000 }, 404, '존재하지 않는 결제정보입니다.'],
      [issued.imp_uid, {}, 400, 'amount'],
      [card.impUid, { amount: 1000 }, 400, '가상계좌 결제건이 아닙니다.'],
      [issued.imp_uid, { vbank_due: DUE + 86400 }, 501, '스마트로(smartro_v2)는 발급된 가상계좌의 입금기한·금액 변경을 지원하지 않습니다'],
    ];
    for (const [impUid, body, status, message] of cases) {
      const res = await call('PUT', `/vbanks/${impUid}`, body);
      expect([res.status, res.body.message?.includes(message)], `${impUid} ${JSON.stringify(body)}`).toEqual([status, true]);
      expect(v1EnvelopeErrors(res.body)).toEqual([]);
    }
    await fetch(`${system.simulatorUrl}/sim/vbank/${issued.pg_tid}/deposit`, { method: 'POST' });
    await until(() => rest.payment(issued.imp_uid), (p) => p.status === 'paid');
    const paid = await call('PUT', `/vbanks/${issued.imp_uid}`, { amount: 1000 });
    expect(paid.status).toBe(400);
    expect(paid.body.message).toBe('입금대기(ready) 상태의 가상계좌가 아닙니다 (현재 상태: paid)');
    expect(v1SchemaErrors('put', '/vbanks/{imp_uid}', 400, paid.body)).toEqual([]);
  });

  it("GET /vbanks/holder: the simulator's test accounts by the default channel or channel_key, 404 for an unknown account, 400 for bad input", async () => {
    const [account] = HOLDER_TEST_ACCOUNTS;
    const found = await call('GET', `/vbanks/holder?bank_code=${account.bankCode}&bank_num=${account.account.slice(0, 3)}-${account.account.slice(3)}`);
    expect(found.status).toBe(200);
    expect(found.body).toEqual({ code: 0, message: null, response: { bank_holder: account.holder } });
    expect(vbankHolderSchemaErrors(found.body)).toEqual([]);
    const byKey = await call('GET', `/vbanks/holder?bank_code=${HOLDER_TEST_ACCOUNTS[1].bankCode}&bank_num=${HOLDER_TEST_ACCOUNTS[1].account}&channel_key=${system.demo.channelKey}`);
    expect(byKey.body.response).toEqual({ bank_holder: HOLDER_TEST_ACCOUNTS[1].holder });

    const missing = await call('GET', `/vbanks/holder?bank_code=${HOLDER_NOT_FOUND_ACCOUNT.bankCode}&bank_num=${HOLDER_NOT_FOUND_ACCOUNT.account}`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ code: -1, message: '계좌정보 조회 실패: 계좌정보를 찾을 수 없습니다 (H404)', response: null });

    for (const [query, field] of [
      ['bank_num=110123456789', 'bank_code'],
      ['bank_code=088', 'bank_num'],
      ['bank_code=88&bank_num=110123456789', 'bank_code'],
      ['bank_code=088&bank_num=12', 'bank_num'],
      ['bank_code=088&bank_num=110123456789&channel_key=channel-key-nope', 'channel_key'],
    ] as const) {
      const res = await call('GET', `/vbanks/holder?${query}`);
      expect([res.status, res.body.message?.includes(field)], query).toEqual([400, true]);
      expect(v1EnvelopeErrors(res.body)).toEqual([]);
    }
  });
});
