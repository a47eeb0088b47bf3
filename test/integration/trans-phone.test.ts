import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECLINED_BANK_ACCOUNT, DECLINED_PHONE_NUMBER } from '../../src/simulators/smartro/methods';
import { v1SchemaErrors } from '../support/openapi';
import { restClient, startTestSystem, systemDatabases, type TestSystem } from '../support/system';
import { authenticateBank, authenticatePhone, newMerchantUid, openMobileWindow, returnToGateway } from './flow';

/**
 * Bank transfer (`trans`) and phone (`phone`) payments over real HTTP between the gateway, the
 * Smartro simulator and the demo shop's origin, on each database, as a phone does them
 * (form posts and redirects): the V1 payment shows the method and, for a transfer, its bank.
 */
describe.each(systemDatabases())('trans and phone over HTTP (%s)', (db) => {
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

  it('trans: pays by 신한은행 transfer; GET /payments shows pay_method trans with bank_code 088 and bank_name', async () => {
    const opened = await openMobileWindow(system, { params: { pay_method: 'trans' } });
    expect(opened.fields.PayMethod).toBe('BANK');
    const auth = await authenticateBank(opened, { bankCode: '088', account: '110-123-456789' });
    const redirect = await returnToGateway(auth.returnUrl, auth.fields);
    expect(Object.fromEntries(redirect.searchParams)).toEqual({ imp_uid: opened.impUid, merchant_uid: opened.merchantUid, imp_success: 'true' });

    expect(await payment(opened.impUid)).toMatchObject({
      status: 'paid',
      pay_method: 'trans',
      amount: 1004,
      pg_provider: 'smartro_v2',
      pg_tid: auth.fields.Tid,
      bank_code: '088',
      bank_name: '신한은행',
      card_code: null,
      card_number: null,
      receipt_url: null,
      channel: 'mobile',
      fail_reason: null,
    });
  });

  it(`trans: the test account ${DECLINED_BANK_ACCOUNT} is declined; the payment fails with the bank's reason`, async () => {
    const opened = await openMobileWindow(system, { params: { pay_method: 'trans' } });
    const auth = await authenticateBank(opened, { bankCode: '004', account: DECLINED_BANK_ACCOUNT });
    const query = Object.fromEntries((await returnToGateway(auth.returnUrl, auth.fields)).searchParams);
    expect(query).toMatchObject({ imp_uid: opened.impUid, imp_success: 'false', error_code: '4052', error_msg: '잔액이 부족합니다' });
    expect(await payment(opened.impUid)).toMatchObject({ status: 'failed', pay_method: 'trans', fail_reason: '잔액이 부족합니다', bank_code: null, paid_at: 0 });
  });

  it('phone: pays by phone (digital: true); GET /payments shows pay_method phone', async () => {
    const opened = await openMobileWindow(system, { params: { pay_method: 'phone', digital: true } });
    expect(opened.fields).toMatchObject({ PayMethod: 'CELLPHONE', GoodsCl: '0' });
    const auth = await authenticatePhone(opened, { carrier: 'KTF', number: '010-2222-3333' });
    const query = Object.fromEntries((await returnToGateway(auth.returnUrl, auth.fields)).searchParams);
    expect(query).toMatchObject({ imp_uid: opened.impUid, imp_success: 'true' });
    expect(await payment(opened.impUid)).toMatchObject({ status: 'paid', pay_method: 'phone', amount: 1004, bank_code: null, card_number: null, pg_tid: auth.fields.Tid });
  });

  it(`phone: the test number ${DECLINED_PHONE_NUMBER} is declined`, async () => {
    const opened = await openMobileWindow(system, { params: { pay_method: 'phone', digital: false } });
    const auth = await authenticatePhone(opened, { carrier: 'SKT', number: DECLINED_PHONE_NUMBER });
    const query = Object.fromEntries((await returnToGateway(auth.returnUrl, auth.fields)).searchParams);
    expect(query).toMatchObject({ imp_success: 'false', error_code: 'A052' });
    expect(await payment(opened.impUid)).toMatchObject({ status: 'failed', pay_method: 'phone' });
  });

  it('phone: a request without digital is refused with a 400 naming digital, and creates no payment', async () => {
    const merchantUid = newMerchantUid();
    const err = await openMobileWindow(system, { merchantUid, params: { pay_method: 'phone' } }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('digital');
    expect((err as Error).message).toContain('휴대폰 소액결제에는 디지털 상품 여부');
    const found = await rest.get(`/payments/find/${merchantUid}`);
    expect(found.status).toBe(404);
  });
});
