/**
 * The four V1 REST clients on npm, unchanged, moving money through a running system (gateway,
 * Smartro simulator, real card payments made through the window): cancels in full and in part,
 * virtual accounts issued, deposited, revoked and looked up, cash receipts, and billing-key charges
 * (`again`, and the customer's payments where a client lists them), through each client that has
 * the call. README "V1 clients from npm" says what a client cannot do.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Iamport as RestClient, Request as RestRequest } from 'iamport-rest-client-nodejs';
import { IamportConnector, functional as serverApi } from 'iamport-server-api';
import { restClient, startTestSystem, systemDatabases, type TestSystem } from '../support/system';
import { newMerchantUid, payMobile } from './flow';
import { HOLDER_TEST_ACCOUNTS } from '../../src/simulators/smartro/server-calls';
import { SecretBox } from '../../src/services/secrets';
import { enableBilling, registerCustomer, simTransactions } from '../support/billing';
import { TEST_INSTANCE_SECRET } from '../support/system';

const require = createRequire(import.meta.url);

interface IamporterResult {
  status: number;
  message: string | null;
  data: any;
  raw: unknown;
}
interface IamporterClient {
  createVbank(data: Record<string, unknown>): Promise<IamporterResult>;
  paySubscription(data: Record<string, unknown>): Promise<IamporterResult>;
  getSubscription(customerUid: string): Promise<IamporterResult>;
  deleteSubscription(customerUid: string): Promise<IamporterResult>;
  cancelByImpUid(impUid: string, extra?: Record<string, unknown>): Promise<IamporterResult>;
  cancelByMerchantUid(merchantUid: string, extra?: Record<string, unknown>): Promise<IamporterResult>;
}
const { Iamporter } = require('iamporter') as { Iamporter: new (options: { apiKey: string; secret: string; host: string }) => IamporterClient };
const Iamport = require('iamport') as {
  DEFAULT_HOST: string;
  new (options: { impKey: string; impSecret: string }): {
    payment: { cancel(p: Record<string, unknown>): Promise<any> };
    vbank: { create(p: Record<string, unknown>): Promise<any> };
    subscribe: { again(p: Record<string, unknown>): Promise<any>; schedule(p: Record<string, unknown>): Promise<any>; unschedule(p: Record<string, unknown>): Promise<any> };
    subscribe_customer: { get(p: Record<string, unknown>): Promise<any>; delete(p: Record<string, unknown>): Promise<any> };
  };
};

const CARD = '4242 4242 4242 4242';

describe.each(systemDatabases())('V1 clients from npm moving money (%s)', (db) => {
  let system: TestSystem;
  let rest: Awaited<ReturnType<typeof restClient>>;
  beforeAll(async () => {
    system = await startTestSystem({ db });
    rest = await restClient(system);
  });
  afterAll(async () => system?.close());

  const keys = () => ({ apiKey: system.demo.apiKey, apiSecret: system.demo.apiSecret });
  async function paid(amount: number) {
    const result = await payMobile(system, { card: CARD, amount });
    expect(result.query.imp_success).toBe('true');
    return result;
  }
  /** The payment as gyeol now has it, checked against PortOne's official schema. */
  const now = (impUid: string) => rest.payment(impUid);

  it('iamport-rest-client-nodejs: Payments.cancel in part, then in full', async () => {
    const payment = await paid(10_000);
    const client = new RestClient({ ...keys(), baseUrl: system.gatewayUrl });
    const part = await RestRequest.Payments.cancel({ imp_uid: payment.impUid, amount: 4_000, checksum: 10_000, reason: '부분 반품' } as never).request(client);
    // (The client reshapes the answer it hands back, e.g. times as Dates; the wire answer is checked by `now`.)
    expect(part.data.response).toMatchObject({ status: 'paid', cancel_amount: 4_000 });
    const full = await RestRequest.Payments.cancel({ imp_uid: payment.impUid } as never).request(client);
    expect(full.data.response).toMatchObject({ status: 'cancelled', cancel_amount: 10_000 });
    expect((await now(payment.impUid)).cancel_history).toHaveLength(2);
  });

  it('iamporter: cancelByImpUid in part and cancelByMerchantUid for the rest; a refusal rejects with the envelope', async () => {
    const payment = await paid(6_000);
    const client = new Iamporter({ apiKey: system.demo.apiKey, secret: system.demo.apiSecret, host: system.gatewayUrl });
    const part = await client.cancelByImpUid(payment.impUid, { amount: 1_000 });
    expect(part.data).toMatchObject({ status: 'paid', cancel_amount: 1_000 });
    const rest1 = await client.cancelByMerchantUid(payment.merchantUid);
    expect(rest1.data).toMatchObject({ status: 'cancelled', cancel_amount: 6_000 });
    // V1's business refusal is HTTP 200 with code 1: iamporter rejects it, with V1's message.
    const again = await client.cancelByImpUid(payment.impUid).then(() => null, (e: { message: string; raw?: { code: number } }) => e);
    expect(again?.message).toContain('이미 전액취소된 주문입니다');
  });

  it('iamport: payment.cancel in full', async () => {
    const payment = await paid(3_000);
    Iamport.DEFAULT_HOST = system.gatewayUrl;
    const client = new Iamport({ impKey: system.demo.apiKey, impSecret: system.demo.apiSecret });
    expect(await client.payment.cancel({ imp_uid: payment.impUid, reason: '주문 취소' })).toMatchObject({ status: 'cancelled', cancel_amount: 3_000, cancel_reason: '주문 취소' });
  });

  it('iamport-server-api: payments.cancel in part, then in full', async () => {
    const payment = await paid(5_000);
    const connector = new IamportConnector(system.gatewayUrl, { imp_key: system.demo.apiKey, imp_secret: system.demo.apiSecret });
    const part = await serverApi.payments.cancel(await connector.get(), { imp_uid: payment.impUid, amount: 2_000 } as never);
    expect(part.code).toBe(0);
    expect(part.response).toMatchObject({ status: 'paid', cancel_amount: 2_000 });
    const full = await serverApi.payments.cancel(await connector.get(), { imp_uid: payment.impUid } as never);
    expect(full.response).toMatchObject({ status: 'cancelled', cancel_amount: 5_000 });
  });

  /** 2099-12-31 15:00:00 KST. */
  const DUE = Date.UTC(2099, 11, 31, 6, 0, 0) / 1000;
  const vbankBody = (amount: number) => ({
    channel_key: system.demo.channelKey,
    merchant_uid: newMerchantUid(),
    amount,
    vbank_code: '088',
    vbank_due: DUE,
    vbank_holder: '결상점',
    name: '결 머그컵',
    buyer_name: '홍길동',
    buyer_email: 'buyer@example.com',
    buyer_tel: '010-1234-5678',
  });
  /** The bank takes the buyer's deposit (the simulator's control API) and gyeol hears of it. */
  async function deposit(impUid: string, tid: string) {
    expect((await fetch(`${system.simulatorUrl}/sim/vbank/${tid}/deposit`, { method: 'POST' })).status).toBe(201);
    const end = Date.now() + 10_000;
    while ((await now(impUid)).status !== 'paid' && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await now(impUid)).status).toBe('paid');
  }

  it('iamport-rest-client-nodejs: Vbanks.post, getHolder, delete; a cash receipt (Receipts) and an external one (External)', async () => {
    const client = new RestClient({ ...keys(), baseUrl: system.gatewayUrl });
    const { Vbanks, Receipts, External } = RestRequest;
    const issued = await Vbanks.post(vbankBody(12_000) as never).request(client);
    expect(issued.data.response).toMatchObject({ status: 'ready', pay_method: 'vbank', vbank_code: '088', channel: 'api' });
    const revoked = await Vbanks.delete({ imp_uid: issued.data.response.imp_uid } as never).request(client);
    expect(revoked.data.response).toMatchObject({ status: 'failed' });
    const [account] = HOLDER_TEST_ACCOUNTS;
    const holder = await Vbanks.getHolder({ bank_code: account!.bankCode, bank_num: account!.account } as never).request(client);
    expect(holder.data.response).toEqual({ bank_holder: account!.holder });

    const paid = await Vbanks.post(vbankBody(11_000) as never).request(client);
    await deposit(paid.data.response.imp_uid, paid.data.response.pg_tid);
    const receipt = await Receipts.postReceipt({ imp_uid: paid.data.response.imp_uid, identifier: '01012345678', identifier_type: 'phone' } as never).request(client);
    expect(receipt.data.response).toMatchObject({ imp_uid: paid.data.response.imp_uid, amount: 11_000, type: 'person' });
    expect((await Receipts.getReceipt({ imp_uid: paid.data.response.imp_uid } as never).request(client)).data.response.receipt_tid).toBe(receipt.data.response.receipt_tid);
    expect((await now(paid.data.response.imp_uid)).cash_receipt_issued).toBe(true);
    const cancelled = await Receipts.deleteReceipt({ imp_uid: paid.data.response.imp_uid } as never).request(client);
    // The client hands times back as Dates.
    expect(Number(cancelled.data.response.cancelled_at)).toBeGreaterThan(0);

    const merchantUid = newMerchantUid();
    const external = await External.postReceipt({
      merchant_uid: merchantUid,
      channel_key: system.demo.channelKey,
      name: '현장 판매',
      amount: 5_000,
      identifier: '01012345678',
      buyer_name: '홍길동',
      buyer_tel: '01012345678',
    } as never).request(client);
    expect(external.data.response).toMatchObject({ merchant_uid: merchantUid, amount: 5_000 });
    expect(Number((await External.deleteReceipt({ merchant_uid: merchantUid } as never).request(client)).data.response.cancelled_at)).toBeGreaterThan(0);
  });

  it('iamporter: createVbank', async () => {
    const client = new Iamporter({ apiKey: system.demo.apiKey, secret: system.demo.apiSecret, host: system.gatewayUrl });
    const issued = await client.createVbank(vbankBody(9_000));
    expect(issued.data).toMatchObject({ status: 'ready', pay_method: 'vbank', amount: 9_000 });
  });

  it('iamport: vbank.create', async () => {
    Iamport.DEFAULT_HOST = system.gatewayUrl;
    const client = new Iamport({ impKey: system.demo.apiKey, impSecret: system.demo.apiSecret });
    expect(await client.vbank.create(vbankBody(8_000))).toMatchObject({ status: 'ready', pay_method: 'vbank', amount: 8_000 });
  });

  it('iamport-server-api: vbanks.create, then a cash receipt on the paid account (receipts.create, at, erase)', async () => {
    const connector = new IamportConnector(system.gatewayUrl, { imp_key: system.demo.apiKey, imp_secret: system.demo.apiSecret });
    const issued = await serverApi.vbanks.create(await connector.get(), vbankBody(7_000) as never);
    expect(issued.response).toMatchObject({ status: 'ready', amount: 7_000 });
    await deposit(issued.response.imp_uid, issued.response.pg_tid!);
    const receipt = await serverApi.receipts.create(await connector.get(), issued.response.imp_uid, { identifier: '01012345678', identifier_type: 'phone' } as never);
    expect(receipt.response).toMatchObject({ imp_uid: issued.response.imp_uid, amount: 7_000 });
    const read = (await serverApi.receipts.at(await connector.get(), issued.response.imp_uid)).response as unknown as { receipt_tid: string };
    expect(read.receipt_tid).toBe((receipt.response as unknown as { receipt_tid: string }).receipt_tid);
    expect((await serverApi.receipts.erase(await connector.get(), issued.response.imp_uid)).response.cancelled_at).toBeGreaterThan(0);
  });
  // ---- billing keys: `again` (and the customer's payments where a client lists them) ----

  /** A customer whose key the simulator issued for `card`, on the demo channel made ready for billing. */
  let customers = 0;
  async function customer(card = CARD): Promise<string> {
    const storeId = (await system.store.stores.findByImpCode(system.demo.impCode))!.id;
    const channel = await enableBilling(system.store, (await system.store.channels.findByChannelKey(storeId, system.demo.channelKey))!);
    const deps = { store: system.store, services: system.services, secretBox: new SecretBox(TEST_INSTANCE_SECRET), simulatorUrl: system.simulatorUrl, now: new Date() };
    return (await registerCustomer(deps, channel, { customerUid: `npm${Date.now()}${++customers}`, card })).customerUid;
  }
  const againBody = (customerUid: string, amount: number) => ({
    customer_uid: customerUid,
    merchant_uid: newMerchantUid(),
    amount,
    name: '월간 구독',
    buyer_name: '홍길동',
    buyer_email: 'buyer@example.com',
    buyer_tel: '010-1234-5678',
  });
  const DECLINING_CARD = '4000 0000 0000 9995';

  it('iamport-rest-client-nodejs: Subscribe.again (paid, and a decline handed back as data), then Customers.getPayments pages the key’s payments', async () => {
    const client = new RestClient({ ...keys(), baseUrl: system.gatewayUrl });
    const { Subscribe, Customers } = RestRequest;
    const customerUid = await customer();
    const paid = await Subscribe.again(againBody(customerUid, 4_900) as never).request(client);
    expect(paid.data.response).toMatchObject({ status: 'paid', amount: 4_900, customer_uid: customerUid, customer_uid_usage: 'payment', channel: 'api' });
    expect(await now(paid.data.response.imp_uid)).toMatchObject({ status: 'paid' });
    const declined = await Subscribe.again(againBody(await customer(DECLINING_CARD), 4_900) as never).request(client);
    expect(declined.data.response).toMatchObject({ status: 'failed', fail_reason: '잔액부족 (한도초과)' });
    const second = await Subscribe.again(againBody(customerUid, 5_900) as never).request(client);
    const list = await Customers.getPayments({ customer_uid: customerUid, page: 1 } as never).request(client);
    expect(list.data.response).toMatchObject({ total: 2, previous: 0, next: 0 });
    expect(list.data.response.list.map((p: { imp_uid: string }) => p.imp_uid)).toEqual([second.data.response.imp_uid, paid.data.response.imp_uid]);
    // An unknown customer: V1's code -1 with HTTP 200; the client rejects with the envelope.
    const unknown = await Subscribe.again(againBody('npmnobody', 1_000) as never).request(client).then(() => null, (e: { response: { data: { code: number } } }) => e.response.data);
    expect(unknown).toMatchObject({ code: -1, response: null });
  });

  it('iamporter: paySubscription resolves a paid charge and rejects a decline with its fail_reason (its own check of status and amount)', async () => {
    const client = new Iamporter({ apiKey: system.demo.apiKey, secret: system.demo.apiSecret, host: system.gatewayUrl });
    const body = againBody(await customer(), 3_900);
    const paid = await client.paySubscription(body);
    expect(paid.data).toMatchObject({ status: 'paid', amount: 3_900, merchant_uid: body.merchant_uid, customer_uid: body.customer_uid });
    const declined = await client.paySubscription(againBody(await customer(DECLINING_CARD), 3_900)).then(() => null, (e: { message: string }) => e);
    expect(declined?.message).toBe('잔액부족 (한도초과)');
    // The same order again: gyeol's 409, which iamporter rejects with its own words for any status
    // it does not know, keeping the envelope in `raw`; still one charge at the PG.
    const twice = await client.paySubscription(body).then(() => null, (e: { message: string; status: number; raw: unknown }) => e);
    expect(twice && [twice.message, twice.status, twice.raw]).toEqual(['예기치 못한 오류가 발생하였습니다.', 409, { code: 1, message: '이미 결제가 완료된 주문번호(merchant_uid)입니다.', response: null }]);
    expect(await simTransactions(system.simulatorUrl, body.merchant_uid)).toHaveLength(1);
  });

  it('iamport: subscribe.again resolves the payment (paid or failed alike); an unknown customer rejects with IAMPORT_-1', async () => {
    Iamport.DEFAULT_HOST = system.gatewayUrl;
    const client = new Iamport({ impKey: system.demo.apiKey, impSecret: system.demo.apiSecret });
    expect(await client.subscribe.again(againBody(await customer(), 2_900))).toMatchObject({ status: 'paid', amount: 2_900 });
    expect(await client.subscribe.again(againBody(await customer(DECLINING_CARD), 2_900))).toMatchObject({ status: 'failed', fail_reason: '잔액부족 (한도초과)' });
    const unknown = await client.subscribe.again(againBody('npmnobody', 2_900)).then(() => null, (e: { code: string }) => e);
    expect(unknown?.code).toBe('IAMPORT_-1');
  });

  it('iamport-server-api: subscribe.payments.again answers the envelope with the payment', async () => {
    const connector = new IamportConnector(system.gatewayUrl, { imp_key: system.demo.apiKey, imp_secret: system.demo.apiSecret });
    const body = againBody(await customer(), 1_900);
    const paid = await serverApi.subscribe.payments.again(await connector.get(), body as never);
    expect(paid.code).toBe(0);
    expect(paid.response).toMatchObject({ status: 'paid', amount: 1_900, merchant_uid: body.merchant_uid });
    expect(await now(paid.response.imp_uid)).toMatchObject({ status: 'paid', customer_uid: body.customer_uid });
  });

  // ---- billing keys: the customer and its schedules, through the clients that have the calls ----
  // (iamport-rest-client-nodejs's schedule calls: v1-clients-schedules.test.ts; iamporter and
  // iamport-server-api have no schedule calls.)

  it('iamport: subscribe.schedule and unschedule, subscribe_customer.get and delete', async () => {
    Iamport.DEFAULT_HOST = system.gatewayUrl;
    const client = new Iamport({ impKey: system.demo.apiKey, impSecret: system.demo.apiSecret });
    const customerUid = await customer();
    const at = Math.floor(Date.now() / 1000) + 3600;
    const [first, second] = [newMerchantUid(), newMerchantUid()];
    const scheduled = await client.subscribe.schedule({
      customer_uid: customerUid,
      schedules: [
        { merchant_uid: first, schedule_at: at, amount: 3_300, name: '구독 1', buyer_name: '홍길동', buyer_email: 'buyer@example.com', buyer_tel: '010-1234-5678' },
        { merchant_uid: second, schedule_at: at + 60, amount: 3_300, name: '구독 2', buyer_name: '홍길동', buyer_email: 'buyer@example.com', buyer_tel: '010-1234-5678' },
      ],
    });
    expect(scheduled.map((s: { merchant_uid: string; schedule_status: string }) => [s.merchant_uid, s.schedule_status])).toEqual([
      [first, 'scheduled'],
      [second, 'scheduled'],
    ]);
    // Without merchant_uid: every waiting schedule of the customer is revoked.
    const revoked = await client.subscribe.unschedule({ customer_uid: customerUid });
    expect(revoked.map((s: { merchant_uid: string; schedule_status: string }) => [s.merchant_uid, s.schedule_status]).sort()).toEqual(
      [
        [first, 'revoked'],
        [second, 'revoked'],
      ].sort(),
    );
    const found = await client.subscribe_customer.get({ customer_uid: customerUid });
    expect(found).toMatchObject({ customer_uid: customerUid, pg_provider: 'smartro_v2' });
    expect(found.card_number).toMatch(/\*/);
    expect(await client.subscribe_customer.delete({ customer_uid: customerUid })).toMatchObject({ customer_uid: customerUid });
    // V1's 404 for a customer it does not know; this client rejects any non-200 as HTTP_<status>.
    const gone = await client.subscribe_customer.get({ customer_uid: customerUid }).then(() => null, (e: { code: string }) => e);
    expect(gone?.code).toBe('HTTP_404');
  });

  it('iamporter: getSubscription and deleteSubscription', async () => {
    const client = new Iamporter({ apiKey: system.demo.apiKey, secret: system.demo.apiSecret, host: system.gatewayUrl });
    const customerUid = await customer();
    const found = await client.getSubscription(customerUid);
    expect(found.data).toMatchObject({ customer_uid: customerUid, pg_provider: 'smartro_v2' });
    expect(found.data.card_number).toMatch(/\*/);
    expect((await client.deleteSubscription(customerUid)).data).toMatchObject({ customer_uid: customerUid });
    // iamporter resolves V1's 404 (no data) instead of rejecting it.
    const gone = await client.getSubscription(customerUid);
    expect([gone.status, gone.data, gone.raw]).toEqual([404, null, { code: -1, message: '등록된 고객정보가 없습니다.', response: null }]);
  });

  it('iamport-server-api: subscribe.customers.at and erase', async () => {
    const connector = new IamportConnector(system.gatewayUrl, { imp_key: system.demo.apiKey, imp_secret: system.demo.apiSecret });
    const customerUid = await customer();
    const found = await serverApi.subscribe.customers.at(await connector.get(), customerUid);
    expect(found.code).toBe(0);
    expect(found.response).toMatchObject({ customer_uid: customerUid, pg_provider: 'smartro_v2' });
    const erased = await serverApi.subscribe.customers.erase(await connector.get(), customerUid);
    expect(erased.response).toMatchObject({ customer_uid: customerUid });
    const gone = await serverApi.subscribe.customers.at(await connector.get(), customerUid).then(() => null, (e: { status?: number }) => e);
    expect(gone?.status).toBe(404);
  });
});
