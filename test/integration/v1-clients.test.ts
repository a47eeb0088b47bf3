/**
 * The four V1 REST clients on npm, unchanged, pointed at a running gateway (real HTTP on an
 * ephemeral port) the way their READMEs tell a merchant to configure the host: token, lookups,
 * the lists and prepare through each. Where a client cannot do something with V1's real
 * behaviour, the test shows it and README says so ("V1 clients from npm").
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Iamport as RestClient, Request as RestRequest } from 'iamport-rest-client-nodejs';
import { IamportConnector, functional as serverApi, HttpError } from 'iamport-server-api';
import type { Payment } from '../../src/domain/payment';
import { forEachDatabase } from '../support/databases';
import { createGatewayHarness, type GatewayHarness } from '../support/gateway-harness';

const require = createRequire(import.meta.url);

// The two older clients ship no TypeScript declarations; these are the parts used here.
interface IamporterResult {
  status: number;
  message: string | null;
  data: any;
}
interface IamporterClient {
  getToken(): Promise<IamporterResult>;
  findByImpUid(impUid: string): Promise<IamporterResult>;
  findByMerchantUid(merchantUid: string): Promise<IamporterResult>;
  findAllByMerchantUid(merchantUid: string, extra?: { status: string }): Promise<IamporterResult>;
  findAllByStatus(status: string, extra?: Record<string, unknown>): Promise<IamporterResult>;
  createPreparedPayment(data: { merchant_uid: string; amount: number }): Promise<IamporterResult>;
  getPreparedPayment(merchantUid: string): Promise<IamporterResult>;
  payOnetime(data: Record<string, unknown>): Promise<IamporterResult>;
}
const { Iamporter } = require('iamporter') as { Iamporter: new (options: { apiKey: string; secret: string; host: string }) => IamporterClient };

interface IamportPayments {
  getByImpUid(p: { imp_uid: string }): Promise<any>;
  getByMerchant(p: { merchant_uid: string }): Promise<any>;
  getByStatus(p: Record<string, unknown>): Promise<any>;
  prepare(p: { merchant_uid: string; amount: number }): Promise<any>;
  getPrepare(p: { merchant_uid: string }): Promise<any>;
}
const Iamport = require('iamport') as { DEFAULT_HOST: string; new (options: { impKey: string; impSecret: string }): { payment: IamportPayments } };

forEachDatabase((_name, getStore) => {
  describe('V1 clients from npm against a running gateway', () => {
    let h: GatewayHarness;
    let host: string;
    let paid: Payment;
    let attempts: Payment[];
    beforeAll(async () => {
      h = await createGatewayHarness(getStore());
      host = await h.app.listen({ port: 0, host: '127.0.0.1' });
      // Clients judge a token's expiry by their own clock (iamporter sends none it deems expired):
      // the gateway's clock must be the real time.
      h.clock.set(Date.now());
      // Lists look back from the gateway's clock; the payments are seeded at that clock's time.
      paid = await h.seedPayment({ merchantUid: 'clientpaid1', amount: 15000 });
      const t0 = h.clock.now().getTime();
      attempts = [
        await h.seedPayment({ merchantUid: 'clientmulti', status: 'failed', startedAt: new Date(t0 - 2000) }),
        await h.seedPayment({ merchantUid: 'clientmulti', status: 'failed', startedAt: new Date(t0 - 1000) }),
        await h.seedPayment({ merchantUid: 'clientmulti', status: 'paid', startedAt: new Date(t0) }),
      ];
    });
    afterAll(async () => h.close());

    describe('iamport-rest-client-nodejs (baseUrl)', () => {
      const client = () => new RestClient({ apiKey: h.apiKey, apiSecret: h.apiSecret, baseUrl: host });
      const { Payments, Prepare, Banks, Cards } = RestRequest;

      it('looks payments up by imp_uid, by merchant_uid and several at once (207 with the missing ones)', async () => {
        const iamport = client();
        const one = await Payments.getByImpUid({ imp_uid: paid.impUid }).request(iamport);
        expect(one.data.response).toMatchObject({ imp_uid: paid.impUid, merchant_uid: 'clientpaid1', status: 'paid', amount: 15000 });
        const byOrder = await Payments.getByMerchantUid({ merchant_uid: 'clientmulti', status: 'failed' as never, sorting: '-started' as never }).request(iamport);
        expect(byOrder.data.response.imp_uid).toBe(attempts[1].impUid);
        // The client's declared response type leaves out the HTTP status and its 207 `failed` list.
        const many = (await Payments.getByImpUids({ imp_uid: [paid.impUid, 'imp_000000000000'] }).request(iamport)) as unknown as {
          status: number;
          data: { response: { imp_uid: string }[]; failed: string[] };
        };
        expect(many.status).toBe(207);
        expect(many.data.response.map((p) => p.imp_uid)).toEqual([paid.impUid]);
        expect(many.data.failed).toEqual(['imp_000000000000']);
      });

      it('lists an order and a status, paged', async () => {
        const iamport = client();
        const order = await Payments.getByMerchantUids({ merchant_uid: 'clientmulti', status: 'failed' as never, page: 1, sorting: '-started' as never }).request(iamport);
        expect(order.data.response).toMatchObject({ total: 2, previous: 0, next: 0 });
        expect(order.data.response.list.map((p: { imp_uid: string }) => p.imp_uid)).toEqual([attempts[1].impUid, attempts[0].impUid]);
        const status = await Payments.getByStatus({ status: 'paid' as never, page: 1, limit: 1, sorting: '-started' as never } as never).request(iamport);
        expect(status.data.response).toMatchObject({ total: 2, previous: 0, next: 2 });
        expect(status.data.response.list).toHaveLength(1);
      });

      it('registers and reads a prepared amount, and reads bank and card codes', async () => {
        const iamport = client();
        const posted = await Prepare.postAmount({ merchant_uid: 'clientprep1', amount: 9900 }).request(iamport);
        expect(posted.data.response).toEqual({ merchant_uid: 'clientprep1', amount: 9900 });
        expect((await Prepare.getAmount({ merchant_uid: 'clientprep1' }).request(iamport)).data.response.amount).toBe(9900);
        expect((await Banks.getBank({ code: '004' as never }).request(iamport)).data.response).toMatchObject({ code: '004', name: 'KB국민은행' });
        expect((await Banks.getBanks().request(iamport)).data.response).toHaveLength(22);
        expect((await Cards.getCard({ code: '361' as never }).request(iamport)).data.response).toMatchObject({ code: '361', name: 'BC' });
      });

      it("gets V1's envelope as the error of an unsupported call (balance of a Smartro payment)", async () => {
        const error = await Payments.getAmountByImpUid({ imp_uid: paid.impUid })
          .request(client())
          .then(() => null, (e: { response: { status: number; data: { code: number; message: string } } }) => e);
        expect(error?.response.status).toBe(501);
        expect(error?.response.data.message).toContain('PAYCO');
      });
    });

    describe('iamporter (host)', () => {
      const client = () => new Iamporter({ apiKey: h.apiKey, secret: h.apiSecret, host });

      it('gets a token and looks payments up', async () => {
        const iamporter = client();
        expect((await iamporter.getToken()).data.access_token).toMatch(/\S{20,}/);
        expect((await iamporter.findByImpUid(paid.impUid)).data).toMatchObject({ imp_uid: paid.impUid, status: 'paid', amount: 15000 });
        expect((await iamporter.findByMerchantUid('clientmulti')).data.imp_uid).toBe(attempts[2].impUid);
      });

      it('lists an order (the empty trailing status segment it sends) and a status', async () => {
        const iamporter = client();
        const all = await iamporter.findAllByMerchantUid('clientmulti');
        expect(all.data).toMatchObject({ total: 3, previous: 0, next: 0 });
        expect((await iamporter.findAllByMerchantUid('clientmulti', { status: 'paid' })).data.list.map((p: { imp_uid: string }) => p.imp_uid)).toEqual([
          attempts[2].impUid,
        ]);
        const status = await iamporter.findAllByStatus('paid', { limit: 1, page: 2 });
        expect(status.data).toMatchObject({ total: 2, previous: 1, next: 0 });
      });

      it('registers and reads a prepared amount', async () => {
        const iamporter = client();
        expect((await iamporter.createPreparedPayment({ merchant_uid: 'clientprep2', amount: 5000 })).data).toEqual({
          merchant_uid: 'clientprep2',
          amount: 5000,
          currency: null,
        });
        expect((await iamporter.getPreparedPayment('clientprep2')).data.amount).toBe(5000);
      });

      it('resolves every 404 as a success with no data (its own rule), so "not found" must be read from data', async () => {
        const missing = await client().findByImpUid('imp_000000000000');
        expect(missing).toMatchObject({ status: 404, message: '존재하지 않는 결제정보입니다.', data: null });
      });

      it('rejects an API gyeol does not serve with the envelope attached', async () => {
        const error = await client()
          .payOnetime({ merchant_uid: 'x1', amount: 1000, card_number: '4242-4242-4242-4242', expiry: '2030-12', birth: '900101' })
          .then(() => null, (e: { status: number; raw: { code: number; message: string } }) => e);
        expect(error?.status).toBe(501);
        expect(error?.raw.message).toContain('빌링키 발급');
      });
    });

    describe('iamport (Iamport.DEFAULT_HOST)', () => {
      const client = () => {
        Iamport.DEFAULT_HOST = host;
        return new Iamport({ impKey: h.apiKey, impSecret: h.apiSecret });
      };

      it('looks payments up, lists a status and prepares an amount', async () => {
        const iamport = client();
        expect(await iamport.payment.getByImpUid({ imp_uid: paid.impUid })).toMatchObject({ imp_uid: paid.impUid, status: 'paid' });
        expect((await iamport.payment.getByMerchant({ merchant_uid: 'clientmulti' })).imp_uid).toBe(attempts[2].impUid);
        const status = await iamport.payment.getByStatus({ payment_status: 'failed', limit: 5 });
        expect(status).toMatchObject({ total: 2, previous: 0, next: 0 });
        expect(await iamport.payment.prepare({ merchant_uid: 'clientprep3', amount: 7000 })).toEqual({ merchant_uid: 'clientprep3', amount: 7000, currency: null });
        expect((await iamport.payment.getPrepare({ merchant_uid: 'clientprep3' })).amount).toBe(7000);
      });

      it('rejects a missing payment with HTTP_404', async () => {
        const error = await client()
          .payment.getByImpUid({ imp_uid: 'imp_000000000000' })
          .then(() => null, (e: { code: string }) => e);
        expect(error?.code).toBe('HTTP_404');
      });
    });

    describe('iamport-server-api (new IamportConnector(host))', () => {
      it('gets a token through the connector and looks a payment up', async () => {
        const connector = new IamportConnector(host, { imp_key: h.apiKey, imp_secret: h.apiSecret });
        const found = await serverApi.payments.at(await connector.get(), paid.impUid, {});
        expect(found.code).toBe(0);
        expect(found.response).toMatchObject({ imp_uid: paid.impUid, merchant_uid: 'clientpaid1', status: 'paid', amount: 15000 });
      });

      it('throws HttpError 404 for a missing payment and 501 for an API gyeol does not serve', async () => {
        const connector = new IamportConnector(host, { imp_key: h.apiKey, imp_secret: h.apiSecret });
        const missing = await serverApi.payments.at(await connector.get(), 'imp_000000000000', {}).then(() => null, (e: unknown) => e);
        expect(missing).toBeInstanceOf(HttpError);
        expect((missing as HttpError).status).toBe(404);
        const onetime = await serverApi.subscribe.payments
          .onetime(await connector.get(), { merchant_uid: 'x2', amount: 1000, card_number: '4242-4242-4242-4242', expiry: '2030-12', birth: '900101' } as never)
          .then(() => null, (e: unknown) => e);
        expect((onetime as HttpError).status).toBe(501);
        expect(JSON.parse((onetime as HttpError).message).message).toContain('빌링키 발급');
      });
    });
  });
}, { per: 'file' });
