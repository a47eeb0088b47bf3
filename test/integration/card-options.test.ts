import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMARTRO_CARD_COMPANIES } from '../../src/connectors/smartro/wire';
import { v1SchemaErrors } from '../support/openapi';
import { restClient, startTestSystem, systemDatabases, type TestSystem } from '../support/system';
import { authenticateBank, authenticateCard, authenticateVbank, openMobileWindow, openSimulatorWindow, returnToGateway, submitWindow } from './flow';

/** A second Smartro merchant of the demo store, registered with the simulator WITHOUT an escrow contract. */
const NO_ESCROW_MID = 'gyeolnoesc';
const NO_ESCROW_KEY = 'n'.repeat(40);

/**
 * Card options over real HTTP between the gateway, the Smartro simulator and the demo shop's
 * origin, on each database, as a phone does them (form posts and redirects): escrow as Smartro
 * processed it, a direct call of every card company of PortOne V1's table, and `period` sent as
 * `OfferPeriod` and shown in the window.
 */
describe.each(systemDatabases())('card options over HTTP (%s)', (db) => {
  let system: TestSystem;
  let rest: Awaited<ReturnType<typeof restClient>>;
  let noEscrowChannelKey: string;
  beforeAll(async () => {
    system = await startTestSystem({ db });
    rest = await restClient(system);
    // The simulator's control API, as a gateway in another process would call it.
    const registered = await fetch(`${system.simulatorUrl}/sim/merchants/${NO_ESCROW_MID}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ merchantKey: NO_ESCROW_KEY, escrowContract: false }),
    });
    expect(registered.status).toBe(201);
    const demoStore = await system.store.stores.findByImpCode(system.demo.impCode);
    const channel = await system.services.provisioning.createChannel({
      storeId: demoStore!.id,
      name: 'no escrow contract',
      pgProvider: 'smartro_v2',
      pgId: NO_ESCROW_MID,
      testMode: true,
      isDefault: false,
      settings: { jsBaseUrl: system.simulatorUrl, apiBaseUrl: system.simulatorUrl, receiptBaseUrl: system.simulatorUrl },
      secrets: { merchantKey: NO_ESCROW_KEY, cancelPassword: '123456' },
    });
    noEscrowChannelKey = channel.channelKey;
  });
  afterAll(async () => system?.close());

  async function payment(impUid: string) {
    const { status, body } = await rest.get(`/payments/${impUid}`);
    expect(status).toBe(200);
    expect(v1SchemaErrors('get', '/payments/{imp_uid}', 200, body)).toEqual([]);
    return body.response;
  }

  const contracts = [
    ['with an escrow contract', () => system.demo.channelKey, true],
    ['without an escrow contract', () => noEscrowChannelKey, false],
  ] as const;

  describe.each(contracts)('escrow: true %s', (_name, channelKey, escrowed) => {
    it(`card: paid, escrow ${escrowed}`, async () => {
      const opened = await openMobileWindow(system, { channelKey: channelKey(), params: { escrow: true } });
      expect(opened.fields.TransType).toBe('1');
      const auth = await authenticateCard(opened, '4242 4242 4242 4242');
      const redirect = await returnToGateway(auth.returnUrl, auth.fields);
      expect(redirect.searchParams.get('imp_success')).toBe('true');
      expect(await payment(opened.impUid)).toMatchObject({ status: 'paid', pay_method: 'card', escrow: escrowed });
    });

    it(`trans: paid, escrow ${escrowed}`, async () => {
      const opened = await openMobileWindow(system, { channelKey: channelKey(), params: { pay_method: 'trans', escrow: true } });
      expect(opened.fields.TransType).toBe('1');
      const auth = await authenticateBank(opened, { bankCode: '088', account: '110-123-456789' });
      const redirect = await returnToGateway(auth.returnUrl, auth.fields);
      expect(redirect.searchParams.get('imp_success')).toBe('true');
      expect(await payment(opened.impUid)).toMatchObject({ status: 'paid', pay_method: 'trans', escrow: escrowed, bank_code: '088' });
    });

    it(`vbank: issued (ready), escrow ${escrowed}`, async () => {
      const opened = await openMobileWindow(system, { channelKey: channelKey(), params: { pay_method: 'vbank', vbank_due: '20991231', escrow: true } });
      expect(opened.fields.TransType).toBe('1');
      const auth = await authenticateVbank(opened, '004');
      const redirect = await returnToGateway(auth.returnUrl, auth.fields);
      expect(redirect.searchParams.get('imp_success')).toBe('true');
      expect(await payment(opened.impUid)).toMatchObject({ status: 'ready', pay_method: 'vbank', escrow: escrowed, vbank_code: '004' });
    });
  });

  it('a request without escrow stays non-escrow with an escrow contract', async () => {
    const opened = await openMobileWindow(system, {});
    expect(opened.fields.TransType).toBe('0');
    const auth = await authenticateCard(opened, '4242 4242 4242 4242');
    await returnToGateway(auth.returnUrl, auth.fields);
    expect(await payment(opened.impUid)).toMatchObject({ status: 'paid', escrow: false });
  });

  it('calls every card company of the table directly (legacy codes too): its window only, with the quota; the payment reports its V1 code', async () => {
    for (const company of SMARTRO_CARD_COMPANIES) {
      for (const code of [company.kftcCode, ...company.aliases]) {
        const opened = await openMobileWindow(system, { amount: 50_000, params: { card: { direct: { code, quota: 3 } } } });
        expect({ FnCd: opened.fields.FnCd, CardQuota: opened.fields.CardQuota }, code).toEqual({ FnCd: company.smartroCode, CardQuota: '03' });
        const { simOrigin, page, authId } = await openSimulatorWindow(opened);
        expect(page, code).toContain(`${company.name}카드 결제창 (카드사 직접 호출).`);
        const auth = await submitWindow(`${simOrigin}/payment/auth/card`, {
          AuthId: authId,
          CardCompany: company.smartroCode,
          CardNo: '4242 4242 4242 4242',
          Expiry: '12/39',
          Quota: '03',
          Action: 'pay',
        });
        const redirect = await returnToGateway(auth.returnUrl, auth.fields);
        expect(redirect.searchParams.get('imp_success'), code).toBe('true');
        expect(await payment(opened.impUid), code).toMatchObject({ status: 'paid', card_code: company.kftcCode, card_name: company.name, card_quota: 3 });
      }
    }
  });

  it('sends period as OfferPeriod and the window shows 제공기간', async () => {
    const opened = await openMobileWindow(system, { params: { period: { from: '20260101', to: '20261231' } } });
    expect(opened.fields.OfferPeriod).toBe('20260101-20261231');
    const { page } = await openSimulatorWindow(opened);
    expect(page).toContain('<dt>제공기간</dt><dd data-offer-period>2026-01-01 ~ 2026-12-31</dd>');
  });
});
