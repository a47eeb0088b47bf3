/**
 * The four V1 REST clients on npm, unchanged, moving money through a running system (gateway,
 * Smartro simulator, real card payments made through the window): cancels in full and in part,
 * through each client. README "V1 clients from npm" says what a client cannot do.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Iamport as RestClient, Request as RestRequest } from 'iamport-rest-client-nodejs';
import { IamportConnector, functional as serverApi } from 'iamport-server-api';
import { restClient, startTestSystem, systemDatabases, type TestSystem } from '../support/system';
import { payMobile } from './flow';

const require = createRequire(import.meta.url);

interface IamporterResult {
  status: number;
  message: string | null;
  data: any;
}
interface IamporterClient {
  cancelByImpUid(impUid: string, extra?: Record<string, unknown>): Promise<IamporterResult>;
  cancelByMerchantUid(merchantUid: string, extra?: Record<string, unknown>): Promise<IamporterResult>;
}
const { Iamporter } = require('iamporter') as { Iamporter: new (options: { apiKey: string; secret: string; host: string }) => IamporterClient };
const Iamport = require('iamport') as {
  DEFAULT_HOST: string;
  new (options: { impKey: string; impSecret: string }): { payment: { cancel(p: Record<string, unknown>): Promise<any> } };
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
});
