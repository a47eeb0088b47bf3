import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SmartroCredentials } from '../../src/connectors/smartro/credentials';
import { v1EnvelopeErrors, v1SchemaErrors } from '../support/openapi';
import { restClient, startTestSystem, systemDatabases, type TestSystem } from '../support/system';
import { payMobile } from './flow';

/**
 * V1 `GET|POST|PUT /escrows/logis/{imp_uid}` over real HTTP: an escrow card payment through the
 * simulator's window, then its delivery registered, read and changed through the simulator's
 * escrow delivery API (our assumed design), on each database; answers checked against the
 * official V1 schema.
 */
describe.each(systemDatabases())('escrow delivery over HTTP (%s)', (db) => {
  let system: TestSystem;
  let rest: Awaited<ReturnType<typeof restClient>>;
  let storeId: number;
  /** A channel of the demo MID that has the escrow API Key. */
  let escrowChannelKey: string;
  const ESCROW_API_KEY = 'escrow-api-key-of-gyeolsim01';
  beforeAll(async () => {
    system = await startTestSystem({ db });
    rest = await restClient(system);
    storeId = (await system.store.stores.findByImpCode(system.demo.impCode))!.id;
    const [demo] = await system.store.channels.findAllByPgId('smartro_v2', system.demo.mid);
    const credentials = system.services.channels.open(demo).credentials as SmartroCredentials;
    const channel = await system.services.provisioning.createChannel({
      storeId,
      name: '스마트로 에스크로 채널',
      pgProvider: 'smartro_v2',
      pgId: system.demo.mid,
      testMode: true,
      isDefault: false,
      settings: { jsBaseUrl: system.simulatorUrl, apiBaseUrl: system.simulatorUrl, receiptBaseUrl: system.simulatorUrl },
      secrets: { merchantKey: credentials.merchantKey, cancelPassword: credentials.cancelPassword, escrowApiKey: ESCROW_API_KEY },
    });
    escrowChannelKey = channel.channelKey;
    // Smartro issued the merchant its escrow API Key (the simulator's control API stands in for that).
    const registered = await fetch(`${system.simulatorUrl}/sim/merchants/${system.demo.mid}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ merchantKey: credentials.merchantKey, notifyUrl: `${system.gatewayUrl}/pg/smartro/notify`, escrowApiKey: ESCROW_API_KEY }),
    });
    expect(registered.status).toBe(200);
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

  const SENT_AT = Date.UTC(2026, 10, 27, 1, 0, 0) / 1000;
  const party = (name: string) => ({ name, tel: '010-1111-2222', postcode: '04524', formed_address: { address_line_1: '서울특별시 중구 세종대로 110', address_line_2: '3층' } });
  const delivery = (invoice = '123456789012', company = 'CJGLS') => ({
    sender: { ...party('결상점'), relationship: '판매자' },
    receiver: party('홍길동'),
    logis: { company, invoice, sent_at: SENT_AT },
  });

  const escrowCard = () => payMobile(system, { card: '4242 4242 4242 4242', channelKey: escrowChannelKey, params: { escrow: true } });

  it('registers once, reads it back, changes it with PUT; the simulator holds what was sent', async () => {
    const paid = await escrowCard();
    expect(await rest.payment(paid.impUid)).toMatchObject({ status: 'paid', escrow: true });
    const path = `/escrows/logis/${paid.impUid}`;

    const none = await call('GET', path);
    expect(none.status).toBe(409);
    expect(none.body).toEqual({ code: 1, message: '등록된 배송정보가 존재하지 않습니다.', response: null });
    expect(v1SchemaErrors('get', '/escrows/logis/{imp_uid}', 409, none.body)).toEqual([]);
    expect((await call('PUT', path, delivery())).status).toBe(409);

    const posted = await call('POST', path, delivery());
    expect(posted.status).toBe(200);
    expect(v1SchemaErrors('post', '/escrows/logis/{imp_uid}', 200, posted.body)).toEqual([]);
    expect(posted.body.response).toEqual({ company: 'CJGLS', invoice: '123456789012', sent_at: SENT_AT, applied_at: expect.any(Number) });
    expect(Math.abs(posted.body.response.applied_at - Date.now() / 1000)).toBeLessThan(60);
    const got = await call('GET', path);
    expect(got.body).toEqual(posted.body);
    expect(v1SchemaErrors('get', '/escrows/logis/{imp_uid}', 200, got.body)).toEqual([]);
    const sim = await (await fetch(`${system.simulatorUrl}/sim/escrow-deliveries/${paid.tid}`)).json();
    expect(sim.fields).toEqual({
      DlvCompany: 'CJGLS',
      InvoiceNum: '123456789012',
      SendDate: '20261127100000',
      SenderName: '결상점',
      SenderTel: '010-1111-2222',
      SenderPost: '04524',
      SenderAddr1: '서울특별시 중구 세종대로 110',
      SenderAddr2: '3층',
      RecvName: '홍길동',
      RecvTel: '010-1111-2222',
      RecvPost: '04524',
      RecvAddr1: '서울특별시 중구 세종대로 110',
      RecvAddr2: '3층',
    });

    const twice = await call('POST', path, delivery('999'));
    expect(twice.status).toBe(409);
    expect(twice.body.message).toContain('이미 배송정보 등록이 완료된 결제건입니다');
    expect(v1SchemaErrors('post', '/escrows/logis/{imp_uid}', 409, twice.body)).toEqual([]);

    // LOGEN was merged into KGB (V1's code table).
    const put = await call('PUT', path, delivery('555566667777', 'LOGEN'));
    expect(put.status).toBe(200);
    expect(v1SchemaErrors('put', '/escrows/logis/{imp_uid}', 200, put.body)).toEqual([]);
    expect(put.body.response).toMatchObject({ company: 'KGB', invoice: '555566667777', sent_at: SENT_AT });
    expect((await call('GET', path)).body.response).toEqual(put.body.response);
    const simAfter = await (await fetch(`${system.simulatorUrl}/sim/escrow-deliveries/${paid.tid}`)).json();
    expect(simAfter.fields).toMatchObject({ DlvCompany: 'KGB', InvoiceNum: '555566667777' });
  });

  it('takes a form body with bracketed keys; an unknown courier code is recorded as ETC', async () => {
    const paid = await escrowCard();
    const f = new URLSearchParams();
    for (const side of ['sender', 'receiver']) {
      f.append(`${side}[name]`, '결');
      f.append(`${side}[tel]`, '01012345678');
      f.append(`${side}[postcode]`, '04524');
      f.append(`${side}[formed_address][address_line_1]`, '서울 중구 세종대로 110');
      f.append(`${side}[formed_address][address_line_2]`, '1층');
    }
    f.append('logis[company]', 'ACME');
    f.append('logis[invoice]', 'A-1');
    f.append('logis[sent_at]', String(SENT_AT));
    const res = await call('POST', `/escrows/logis/${paid.impUid}`, f.toString(), true);
    expect(res.status).toBe(200);
    expect(res.body.response).toMatchObject({ company: 'ETC', invoice: 'A-1', sent_at: SENT_AT });
  });

  it('refuses Smartro without formed_address (naming sender.formed_address.address_line_1), and missing logis fields, with 400', async () => {
    const paid = await escrowCard();
    const noFormed = delivery();
    noFormed.sender = { ...noFormed.sender, formed_address: undefined as never, addr: '서울 중구' } as never;
    const cases: [unknown, string][] = [
      [noFormed, 'sender.formed_address.address_line_1'],
      [{ ...delivery(), receiver: { ...party('홍길동'), formed_address: { address_line_1: '서울' } } }, 'receiver.formed_address.address_line_2'],
      [{ ...delivery(), receiver: { name: '홍길동', formed_address: party('x').formed_address } }, 'receiver.tel'],
      [{ ...delivery(), logis: { company: 'CJGLS', sent_at: SENT_AT } }, 'logis.invoice'],
      [{ ...delivery(), logis: { company: 'CJGLS', invoice: '1' } }, 'logis.sent_at'],
      [{ sender: party('a'), logis: delivery().logis }, 'receiver'],
    ];
    for (const [body, field] of cases) {
      const res = await call('POST', `/escrows/logis/${paid.impUid}`, body);
      expect([res.status, res.body.message?.includes(field)], `${field}: ${res.body.message}`).toEqual([400, true]);
      expect(v1SchemaErrors('post', '/escrows/logis/{imp_uid}', 400, res.body)).toEqual([]);
    }
    expect((await call('GET', `/escrows/logis/${paid.impUid}`)).status).toBe(409);
  });

  it('404 for an unknown payment, 409 for a payment that is not escrow, 400 when the channel has no escrow API Key', async () => {
    const unknown = await call('POST', '/escrows/logis/imp_000000000000', delivery());
    expect(unknown.status).toBe(404);
    expect(v1SchemaErrors('post', '/escrows/logis/{imp_uid}', 404, unknown.body)).toEqual([]);
    expect((await call('GET', '/escrows/logis/imp_000000000000')).status).toBe(404);

    const plain = await payMobile(system, { card: '4242 4242 4242 4242', channelKey: escrowChannelKey });
    const notEscrow = await call('POST', `/escrows/logis/${plain.impUid}`, delivery());
    expect(notEscrow.status).toBe(409);
    expect(notEscrow.body).toEqual({ code: 1, message: '에스크로 결제건이 아니어서 배송정보를 등록할 수 없습니다.', response: null });

    // The demo channel (same MID) has no escrow API Key.
    const keyless = await payMobile(system, { card: '4242 4242 4242 4242', params: { escrow: true } });
    const refused = await call('POST', `/escrows/logis/${keyless.impUid}`, delivery());
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain('에스크로 API Key(secrets.escrowApiKey)가 설정되어 있지 않아');
    expect(v1EnvelopeErrors(refused.body)).toEqual([]);
    expect((await fetch(`${system.simulatorUrl}/sim/escrow-deliveries/${keyless.tid}`)).status).toBe(404);
  });
});
