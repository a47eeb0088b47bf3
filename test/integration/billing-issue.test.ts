/**
 * Billing keys issued through the payment window over real HTTP (V1 `request_pay` with
 * `customer_uid`), the way a phone without JavaScript would drive it: gateway session → window
 * page → the launcher's form posted to the Smartro simulator's billing window → 휴대폰 본인확인
 * for a new `customer_id` → card form → the callback posted to the gateway's ReturnURL → 302 to
 * `m_redirect_url`. Then the merchant's view (REST, checked against PortOne's schema), the webhook,
 * and a look through the gateway's log and database for card numbers and keys.
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/services/secrets';
import { startReceiver } from '../support/receiver';
import { restClient, startTestSystem, systemDatabases, type TestDatabase, type TestSystem } from '../support/system';
import { v1SchemaErrors } from '../support/openapi';

const CARD = '4242 4242 4242 4242';
const OTHER_CARD = '5555 5555 5555 4444';
/** The instance secret startTestSystem pins (billing keys are sealed with it). */
const INSTANCE_SECRET = 'test-instance-secret-0123456789';

let seq = 0;
const unique = (prefix: string) => `${prefix}${Date.now() % 1e9}${seq++}`;

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
  redirect: 'manual' as const,
});

function decode(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function hiddenFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) out[m[1]] = decode(m[2]);
  return out;
}

/** Every row of every table of the gateway's own database, as text. */
async function gatewayDatabaseText(system: TestSystem, db: TestDatabase): Promise<string> {
  if (db === 'sqlite') {
    const file = new Database(path.join(system.dataDir, 'gyeol.sqlite'), { readonly: true });
    try {
      const tables = file.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
      return JSON.stringify(tables.map(({ name }) => file.prepare(`SELECT * FROM "${name}"`).all()));
    } finally {
      file.close();
    }
  }
  const client = new pg.Client({ connectionString: system.env.DATABASE_URL });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()");
    const rows = [];
    for (const { table_name } of tables.rows) rows.push((await client.query(`SELECT row_to_json(t) AS row FROM "${table_name}" t`)).rows);
    expect(tables.rows.map((t) => t.table_name)).toContain('billing_customers');
    return JSON.stringify(rows);
  } finally {
    await client.end();
  }
}

describe.each(systemDatabases())('billing key issue through the window over HTTP (%s)', (db) => {
  let system: TestSystem;
  let rest: Awaited<ReturnType<typeof restClient>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const logLines: string[] = [];

  beforeAll(async () => {
    const logger = pino({ level: 'debug' }, { write: (line: string) => logLines.push(line) });
    [system, receiver] = await Promise.all([startTestSystem({ db, logger, env: { GYEOL_WEBHOOK_INTERVAL_MS: '100' } }), startReceiver()]);
    rest = await restClient(system);
  });
  afterAll(async () => {
    await receiver?.close();
    await system?.close();
  });

  const params = (overrides: Record<string, unknown> = {}): Record<string, unknown> & { merchant_uid: string; customer_uid: string; customer_id: string } => ({
    channelKey: system.demo.channelKey,
    pay_method: 'card',
    merchant_uid: unique('issue'),
    name: '월간 구독',
    amount: 9900,
    customer_uid: unique('cust_'),
    customer_id: unique('buyer'),
    buyer_name: '홍길동',
    buyer_tel: '010-1234-5678',
    buyer_email: 'buyer@example.com',
    m_redirect_url: `${system.shopUrl}/billing/done`,
    notice_url: `${receiver.url}/webhook`,
    ...overrides,
  });

  type Refused = { code: number; message: string; response: { imp_uid: string | null; error_code?: string } };
  type Opened = { kind: 'opened'; impUid: string; data: { kind: string; action: string; fields: Record<string, string> } };

  /** A mobile session and the billing form its window page hands to the launcher (or the refusal). */
  async function openSession(p: Record<string, unknown>): Promise<Opened | { kind: 'refused'; refused: Refused }> {
    const res = await fetch(`${system.gatewayUrl}/checkout/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: system.shopUrl },
      body: JSON.stringify({ user_code: system.demo.impCode, mode: 'mobile', page_url: `${system.shopUrl}/`, params: p }),
    });
    const body = (await res.json()) as { code: number; message: string; response: { imp_uid: string; window_url: string; error_code?: string } };
    if (body.code !== 0) return { kind: 'refused', refused: body };
    const page = await (await fetch(body.response.window_url)).text();
    const launch = JSON.parse(decode(/<script type="application\/json" id="gyeol-launch">([\s\S]*?)<\/script>/.exec(page)?.[1] ?? 'null')) as {
      launch: { data: { kind: string; action: string; fields: Record<string, string> } };
    };
    return { kind: 'opened', impUid: body.response.imp_uid, data: launch.launch.data };
  }

  /**
   * Posts the launcher's form to the simulator and goes through its steps as a buyer: the
   * identity step when shown, then the card. Returns the gateway's redirect and whether the
   * identity step was shown.
   */
  async function issueThroughWindow(p: Record<string, unknown>, card: Record<string, string> = {}) {
    const opened = await openSession(p);
    if (opened.kind !== 'opened') throw new Error(`session refused: ${JSON.stringify(opened.refused)}`);
    const simOrigin = new URL(opened.data.action).origin;
    let page = await (await fetch(opened.data.action, form(opened.data.fields))).text();
    const identityShown = page.includes('name="AuthCode"');
    if (identityShown) {
      const code = /인증번호: <strong>(\d{6})<\/strong>/.exec(page)?.[1] ?? '';
      const id = /name="BillAuthId" value="([^"]+)"/.exec(page)?.[1] ?? '';
      page = await (await fetch(`${simOrigin}/payment/billkey/identity`, form({ BillAuthId: id, Name: '홍길동', PhoneNo: '010-1234-5678', AuthCode: code, Action: 'submit' }))).text();
    }
    const billAuthId = /name="BillAuthId" value="([^"]+)"/.exec(page)?.[1];
    if (!billAuthId || !page.includes('name="CardNo"')) throw new Error(`no card step:\n${page.slice(0, 800)}`);
    const done = await (
      await fetch(`${simOrigin}/payment/billkey/card`, form({ BillAuthId: billAuthId, CardCompany: '06', CardNo: CARD, Expiry: '12/39', BuyerAuthNum: '900101', CardPwd: '12', Action: 'submit', ...card }))
    ).text();
    const returnUrl = decode(/<form id="result" method="post" action="([^"]+)"/.exec(done)?.[1] ?? '');
    const callback = hiddenFields(done);
    const back = await fetch(returnUrl, form(callback));
    expect(back.status).toBe(302);
    const redirect = new URL(back.headers.get('location') as string);
    return { impUid: opened.impUid, identityShown, callback, redirect, query: Object.fromEntries(redirect.searchParams) };
  }

  it('issues a key for a new customer_id after the identity step; the merchant sees the issue payment, the customer, and a webhook', async () => {
    const p = params();
    const issued = await issueThroughWindow(p);
    expect(issued.identityShown).toBe(true);
    expect(issued.redirect.origin + issued.redirect.pathname).toBe(`${system.shopUrl}/billing/done`);
    expect(issued.query).toEqual({ imp_uid: issued.impUid, merchant_uid: p.merchant_uid, imp_success: 'true' });

    const payment = await rest.payment(issued.impUid);
    expect(payment).toMatchObject({
      status: 'paid',
      amount: 0,
      pay_method: 'card',
      channel: 'mobile',
      customer_uid: p.customer_uid,
      customer_uid_usage: 'issue',
      pg_provider: 'smartro_v2',
      pg_tid: issued.callback.Tid,
      card_code: '366',
      card_number: '4242********4242',
      fail_reason: null,
    });
    expect(payment.paid_at).toBeGreaterThan(0);

    const customer = await rest.get(`/subscribe/customers/${p.customer_uid}`);
    expect(customer.status).toBe(200);
    expect(v1SchemaErrors('get', '/subscribe/customers/{customer_uid}', 200, customer.body)).toEqual([]);
    expect(customer.body.response).toMatchObject({
      customer_uid: p.customer_uid,
      customer_id: p.customer_id,
      pg_provider: 'smartro_v2',
      pg_id: system.demo.mid,
      card_code: '366',
      card_number: '4242********4242',
      customer_name: '홍길동',
      customer_tel: '010-1234-5678',
      customer_email: 'buyer@example.com',
    });

    // The issue is announced as any paid payment is (README: billing keys, webhook).
    await system.webhookWorker.runOnce();
    const webhooks = await receiver.until((all) => all.some((r) => r.body.includes(issued.impUid)));
    const mine = webhooks.filter((r) => r.body.includes(issued.impUid));
    expect(mine.map((r) => JSON.parse(r.body))).toEqual([{ imp_uid: issued.impUid, merchant_uid: p.merchant_uid, status: 'paid' }]);
  });

  it('skips the identity step for a known customer_id, and a reused customer_uid gets the new card', async () => {
    const customerId = unique('known');
    const customerUid = unique('cust_same_');
    const first = await issueThroughWindow(params({ customer_id: customerId, customer_uid: customerUid }));
    expect(first.identityShown).toBe(true);
    const before = (await rest.get(`/subscribe/customers/${customerUid}`)).body.response;

    const second = await issueThroughWindow(params({ customer_id: customerId, customer_uid: customerUid }), { CardNo: OTHER_CARD, CardCompany: '04' });
    expect(second.identityShown).toBe(false);
    expect(second.query.imp_success).toBe('true');
    const after = (await rest.get(`/subscribe/customers/${customerUid}`)).body.response;
    expect(after).toMatchObject({ customer_uid: customerUid, card_code: '365', card_number: '5555********4444' });
    expect(after.inserted).toBe(before.inserted);
    expect((await rest.payment(second.impUid)).customer_uid_usage).toBe('issue');
  });

  it('fails the attempt when Smartro refuses the card (an overseas card company); no customer is saved', async () => {
    const p = params();
    const refused = await issueThroughWindow(p, { CardCompany: '25' });
    expect(refused.query).toMatchObject({ imp_uid: refused.impUid, imp_success: 'false', error_code: 'B201', error_msg: '해외카드는 빌키를 발급할 수 없습니다' });
    expect(await rest.payment(refused.impUid)).toMatchObject({ status: 'failed', customer_uid_usage: 'issue', fail_reason: '해외카드는 빌키를 발급할 수 없습니다' });
    expect((await rest.get(`/subscribe/customers/${p.customer_uid}`)).status).toBe(404);
  });

  it('refuses a channel without the ssp Mall ID before any window opens', async () => {
    const merchant = await system.store.stores.findByImpCode(system.demo.impCode);
    const channel = await system.services.provisioning.createChannel({
      storeId: merchant?.id ?? -1,
      name: '빌링 계약 없는 채널',
      pgProvider: 'smartro_v2',
      pgId: 'gyeolnossp',
      testMode: true,
      isDefault: false,
      settings: { jsBaseUrl: system.simulatorUrl, apiBaseUrl: system.simulatorUrl },
      secrets: { merchantKey: 'n'.repeat(48), cancelPassword: '123456' },
    });
    const p = params({ channelKey: channel.channelKey });
    const opened = await openSession(p);
    expect(opened).toMatchObject({ kind: 'refused', refused: { code: 1, response: { error_code: 'BILLING_CHANNEL_NOT_READY', imp_uid: null } } });
    expect(opened.kind === 'refused' ? opened.refused.message : '').toContain('ssp Mall ID');
    expect((await rest.get(`/payments/find/${p.merchant_uid}`)).status).toBe(404);
  });

  it('never writes a full card number or a plain billing key to the gateway log or database', async () => {
    const p = params();
    const issued = await issueThroughWindow(p, { CardNo: OTHER_CARD, CardCompany: '04' });
    expect(issued.query.imp_success).toBe('true');
    const merchant = await system.store.stores.findByImpCode(system.demo.impCode);
    const customer = await system.store.billingCustomers.find(merchant?.id ?? -1, p.customer_uid);
    const plainKey = new SecretBox(INSTANCE_SECRET).open(customer?.billingKeySealed ?? '');
    expect(plainKey).toMatch(/^SBK/);

    const log = logLines.join('\n');
    const stored = await gatewayDatabaseText(system, db);
    // What the log and the database do hold: the issue, with the card masked.
    expect(log).toContain('billing key issued and stored');
    expect(log).toContain('5555********4444');
    expect(stored).toContain('5555********4444');
    for (const secret of [CARD.replace(/ /g, ''), CARD, OTHER_CARD.replace(/ /g, ''), OTHER_CARD, plainKey, issued.callback.BillTokenKey]) {
      expect(log).not.toContain(secret);
      expect(stored).not.toContain(secret);
    }
  });
});
