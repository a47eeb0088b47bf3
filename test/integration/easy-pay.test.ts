import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toSdkResult } from '../../src/checkout/result';
import { EASY_PAY_METHODS } from '../../src/domain/payment';
import { DECLINED_EASY_PAY_LOGIN, EASY_PAY_DECLINE } from '../../src/simulators/smartro/easypay';
import { v1SchemaErrors } from '../support/openapi';
import { restClient, startTestSystem, systemDatabases, type TestSystem } from '../support/system';
import { authenticateEasyPay, newMerchantUid, openMobileWindow, returnToGateway } from './flow';

/**
 * The five easy pays (`lpay`, `kakaopay`, `naverpay`, `payco`, `pinpay`) over real HTTP between the
 * gateway and the Smartro simulator, on each database, as a phone does them (form posts and
 * redirects): the V1 payment validates against the official schema and carries `pay_method` and
 * `emb_pg_provider`; a card-funded one carries its card.
 */
const SMARTRO = { lpay: 'LPAY', kakaopay: 'KAKAO', naverpay: 'NAVER', payco: 'PAYCO', pinpay: 'PINPAY' } as const;
/** A sign-in each brand's window takes (mobile number or ID, simulator's easypay.ts). */
const LOGIN = { lpay: '010-2222-3333', kakaopay: '010-2222-3333', naverpay: 'gyeolbuyer', payco: 'gyeolbuyer', pinpay: '010-2222-3333' } as const;

describe.each(systemDatabases())('easy pays over HTTP (%s)', (db) => {
  let system: TestSystem;
  let rest: Awaited<ReturnType<typeof restClient>>;
  beforeAll(async () => {
    system = await startTestSystem({ db });
    rest = await restClient(system);
  });
  afterAll(async () => system?.close());

  async function payment(impUid: string) {
    const { status, body } = await rest.get(`/payments/${impUid}`);
    expect(status).toBe(200);
    expect(v1SchemaErrors('get', '/payments/{imp_uid}', 200, body)).toEqual([]);
    return body.response;
  }

  it.each(EASY_PAY_METHODS)('%s: paid with the brand’s money; GET /payments shows pay_method and emb_pg_provider, no card', async (payMethod) => {
    const opened = await openMobileWindow(system, { params: { pay_method: payMethod, customer_id: 'buyer01' } });
    expect(opened.fields).toMatchObject({ PayMethod: SMARTRO[payMethod], MallUserId: 'buyer01', TransType: '0' });
    const auth = await authenticateEasyPay(opened, { login: LOGIN[payMethod], funding: 'MONEY' });
    const redirect = await returnToGateway(auth.returnUrl, auth.fields);
    expect(Object.fromEntries(redirect.searchParams)).toEqual({ imp_uid: opened.impUid, merchant_uid: opened.merchantUid, imp_success: 'true' });

    expect(await payment(opened.impUid)).toMatchObject({
      status: 'paid',
      pay_method: payMethod,
      emb_pg_provider: payMethod,
      amount: 1004,
      pg_provider: 'smartro_v2',
      pg_tid: auth.fields.Tid,
      card_code: null,
      card_name: null,
      card_number: null,
      card_quota: 0,
      apply_num: null,
      bank_code: null,
      receipt_url: null,
      escrow: false,
      channel: 'mobile',
      fail_reason: null,
    });
  });

  it('kakaopay: paid with a registered Shinhan card; GET /payments carries the card as well', async () => {
    const opened = await openMobileWindow(system, { params: { pay_method: 'kakaopay', customer_id: 'buyer01' } });
    const auth = await authenticateEasyPay(opened, { login: LOGIN.kakaopay, funding: '06' });
    const query = Object.fromEntries((await returnToGateway(auth.returnUrl, auth.fields)).searchParams);
    expect(query).toMatchObject({ imp_uid: opened.impUid, imp_success: 'true' });
    const paid = await payment(opened.impUid);
    expect(paid).toMatchObject({
      status: 'paid',
      pay_method: 'kakaopay',
      emb_pg_provider: 'kakaopay',
      card_code: '366',
      card_name: '신한',
      card_number: '50612345****067*',
      card_quota: 0,
      receipt_url: null,
    });
    expect(paid.apply_num).toMatch(/^\d{8}$/);

    // What IMP.request_pay hands the merchant's callback for this payment (PC): V1's emb_pg_provider too.
    const storeId = (await system.store.stores.findByImpCode(system.demo.impCode))!.id;
    expect(toSdkResult(await system.store.payments.findByImpUid(storeId, opened.impUid), null)).toMatchObject({
      success: true,
      status: 'paid',
      pay_method: 'kakaopay',
      emb_pg_provider: 'kakaopay',
      paid_amount: 1004,
      card_name: '신한',
      card_number: '50612345****067*',
      error_code: null,
    });
  });

  it(`payco: the brand’s money for the test sign-in ${DECLINED_EASY_PAY_LOGIN.id} is declined; the payment fails with the reason`, async () => {
    const opened = await openMobileWindow(system, { params: { pay_method: 'payco', customer_id: 'buyer01' } });
    const auth = await authenticateEasyPay(opened, { login: DECLINED_EASY_PAY_LOGIN.id, funding: 'MONEY' });
    const query = Object.fromEntries((await returnToGateway(auth.returnUrl, auth.fields)).searchParams);
    expect(query).toMatchObject({ imp_uid: opened.impUid, imp_success: 'false', error_code: EASY_PAY_DECLINE.resultCode, error_msg: EASY_PAY_DECLINE.resultMsg });
    expect(await payment(opened.impUid)).toMatchObject({ status: 'failed', pay_method: 'payco', fail_reason: EASY_PAY_DECLINE.resultMsg, paid_at: 0 });
  });

  it.each(EASY_PAY_METHODS)('%s: without customer_id (or with 21 characters) is refused naming customer_id, and creates no payment', async (payMethod) => {
    for (const [customerId, rule] of [
      [undefined, '간편결제에는 구매자 ID(customer_id, 20자 이내)가 필수입니다'],
      ['c'.repeat(21), '최대 20자까지 입력할 수 있습니다'],
    ] as const) {
      const merchantUid = newMerchantUid();
      const err = await openMobileWindow(system, { merchantUid, params: { pay_method: payMethod, customer_id: customerId } }).catch((e: unknown) => e as Error);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toContain('customer_id');
      expect((err as Error).message).toContain(rule);
      expect((await rest.get(`/payments/find/${merchantUid}`)).status).toBe(404);
    }
  });
});
