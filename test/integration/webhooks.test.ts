import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Received } from '../support/receiver';
import { startTestSystem, systemDatabases, type TestSystem } from '../support/system';
import { payMobile } from './flow';

/**
 * Webhooks from the outbox over real HTTP (issue 6): what is sent, when, signed how, retried how,
 * on each database.
 */

/** The receiver-side check of docs/webhooks.md: Standard Webhooks, HMAC-SHA256, base64. */
function verify(secret: string, headers: Received['headers'], body: string): boolean {
  const id = String(headers['webhook-id']);
  const timestamp = String(headers['webhook-timestamp']);
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return String(headers['webhook-signature'])
    .split(' ')
    .some((part) => {
      const [version, signature] = part.split(',');
      const given = Buffer.from(signature ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
}

describe.each(systemDatabases())('webhooks (%s)', (db) => {
  let system: TestSystem;
  let storeId: number;
  const receivers: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    system = await startTestSystem({
      db,
      env: {
        GYEOL_WEBHOOK_INTERVAL_MS: '100',
        GYEOL_WEBHOOK_RETRY_BASE_MS: '200',
        GYEOL_WEBHOOK_V1_RETRY_MS: '200',
        GYEOL_WEBHOOK_READ_TIMEOUT_MS: '700',
      },
    });
    storeId = (await system.store.stores.findByImpCode(system.demo.impCode))!.id;
  });
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    await system.services.webhooks.updateSettings(storeId, { testUrl: null, liveUrl: null, contentType: 'json', schedule: 'gyeol' });
  });
  afterAll(async () => system?.close());

  async function receiver(respond?: Parameters<typeof startReceiver>[0]) {
    const r = await startReceiver(respond);
    receivers.push(r);
    return r;
  }

  async function deliveriesOf(impUid: string) {
    return system.services.webhooks.listDeliveries(storeId, { impUid });
  }

  it('sends a signed JSON webhook for a paid payment to the store URL of its (test) channel', async () => {
    const hook = await receiver();
    await system.services.webhooks.updateSettings(storeId, { testUrl: `${hook.url}/hooks/test`, liveUrl: `${hook.url}/hooks/live` });
    const paid = await payMobile(system, { card: '4242 4242 4242 4242' });
    const [request] = await hook.until((all) => all.length >= 1);
    expect(request.path).toBe('/hooks/test');
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual({ imp_uid: paid.impUid, merchant_uid: paid.merchantUid, status: 'paid' });
    const { secret } = await system.services.webhooks.settings(storeId);
    expect(verify(secret, request.headers, request.body)).toBe(true);
    expect(verify(secret, request.headers, request.body.replace('paid', 'ready'))).toBe(false);
    expect(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);

    const until = Date.now() + 5000;
    let [delivery] = await deliveriesOf(paid.impUid);
    while (delivery.state !== 'succeeded' && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      [delivery] = await deliveriesOf(paid.impUid);
    }
    expect(delivery).toMatchObject({ state: 'succeeded', attempts: 1, webhookId: request.headers['webhook-id'], lastStatus: 200 });
    expect(delivery.attemptLog).toEqual([expect.objectContaining({ status: 200, error: null, responseExcerpt: 'OK' })]);
  });

  it('sends nothing for a declined payment', async () => {
    const hook = await receiver();
    await system.services.webhooks.updateSettings(storeId, { testUrl: hook.url });
    const declined = await payMobile(system, { card: '4000 0000 0000 0002' });
    await system.webhookWorker.runOnce();
    expect(await deliveriesOf(declined.impUid)).toEqual([]);
    expect(hook.received).toEqual([]);
  });

  it('retries a receiver that fails, with growing delays, until it answers 2xx', async () => {
    const hook = await receiver((_r, i) => (i < 2 ? 500 : 200));
    await system.services.webhooks.updateSettings(storeId, { testUrl: hook.url });
    const paid = await payMobile(system, { card: '4242 4242 4242 4242' });
    const all = await hook.until((got) => got.length >= 3);
    // The same webhook each time: one id to deduplicate by.
    expect(new Set(all.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(all[2].at - all[1].at).toBeGreaterThan(all[1].at - all[0].at);
    const until = Date.now() + 5000;
    let [delivery] = await deliveriesOf(paid.impUid);
    while (delivery.state !== 'succeeded' && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      [delivery] = await deliveriesOf(paid.impUid);
    }
    expect(delivery.attemptLog.map((a) => a.status)).toEqual([500, 500, 200]);
    expect(delivery).toMatchObject({ state: 'succeeded', attempts: 3 });
  });

  it('counts a receiver that hangs past the read timeout as failed and sends again', async () => {
    const hook = await receiver((_r, i) => (i === 0 ? 'hang' : 200));
    await system.services.webhooks.updateSettings(storeId, { testUrl: hook.url });
    const paid = await payMobile(system, { card: '4242 4242 4242 4242' });
    await hook.until((got) => got.length >= 2);
    const until = Date.now() + 5000;
    let [delivery] = await deliveriesOf(paid.impUid);
    while (delivery.state !== 'succeeded' && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      [delivery] = await deliveriesOf(paid.impUid);
    }
    expect(delivery.attemptLog).toEqual([
      expect.objectContaining({ status: null, error: expect.stringContaining('read-timeout') }),
      expect.objectContaining({ status: 200, error: null }),
    ]);
    expect(delivery.attemptLog[0].latencyMs).toBeGreaterThanOrEqual(600);
  });

  it("sends once and gives up on V1's send-once schedule", async () => {
    const hook = await receiver(() => 500);
    await system.services.webhooks.updateSettings(storeId, { testUrl: hook.url, schedule: 'v1-once' });
    const paid = await payMobile(system, { card: '4242 4242 4242 4242' });
    await hook.until((got) => got.length >= 1);
    const until = Date.now() + 3000;
    let [delivery] = await deliveriesOf(paid.impUid);
    while (delivery.state === 'pending' && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      [delivery] = await deliveriesOf(paid.impUid);
    }
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(hook.received).toHaveLength(1);
    expect(delivery).toMatchObject({ state: 'failed', attempts: 1, lastStatus: 500 });
  });

  it("retries 5 times on V1's retry schedule for a 5xx, and not at all for a 4xx", async () => {
    const failing = await receiver(() => 503);
    await system.services.webhooks.updateSettings(storeId, { testUrl: failing.url, schedule: 'v1-retry' });
    const a = await payMobile(system, { card: '4242 4242 4242 4242' });
    await failing.until((got) => got.length >= 6, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(failing.received).toHaveLength(6);
    expect((await deliveriesOf(a.impUid))[0]).toMatchObject({ state: 'failed', attempts: 6 });

    const refusing = await receiver(() => 404);
    await system.services.webhooks.updateSettings(storeId, { testUrl: refusing.url });
    const b = await payMobile(system, { card: '4242 4242 4242 4242' });
    await refusing.until((got) => got.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(refusing.received).toHaveLength(1);
    expect((await deliveriesOf(b.impUid))[0]).toMatchObject({ state: 'failed', attempts: 1, lastStatus: 404 });
  });

  it('sends a form body when the store asks for one', async () => {
    const hook = await receiver();
    await system.services.webhooks.updateSettings(storeId, { testUrl: hook.url, contentType: 'form' });
    const paid = await payMobile(system, { card: '4242 4242 4242 4242' });
    const [request] = await hook.until((all) => all.length >= 1);
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({ imp_uid: paid.impUid, merchant_uid: paid.merchantUid, status: 'paid' });
    expect(verify((await system.services.webhooks.settings(storeId)).secret, request.headers, request.body)).toBe(true);
  });

  it("sends to notice_url (a string, or each URL of an array) instead of the store's URL", async () => {
    const store = await receiver();
    const one = await receiver();
    const two = await receiver();
    await system.services.webhooks.updateSettings(storeId, { testUrl: store.url });
    const single = await payMobile(system, { card: '4242 4242 4242 4242', params: { notice_url: `${one.url}/single` } });
    await one.until((all) => all.length >= 1);
    const many = await payMobile(system, { card: '4242 4242 4242 4242', params: { notice_url: [`${one.url}/many`, `${two.url}/many`] } });
    await one.until((all) => all.length >= 2);
    await two.until((all) => all.length >= 1);
    await system.webhookWorker.runOnce();
    expect(store.received).toEqual([]);
    expect(one.received.map((r) => [r.path, JSON.parse(r.body).imp_uid])).toEqual([
      ['/single', single.impUid],
      ['/many', many.impUid],
    ]);
    expect(two.received.map((r) => [r.path, JSON.parse(r.body).imp_uid])).toEqual([['/many', many.impUid]]);
    // Two deliveries of one event: each its own id.
    const ids = (await deliveriesOf(many.impUid)).map((d) => d.webhookId);
    expect(new Set(ids).size).toBe(2);
  });

  it('signs with both secrets while a rotated one overlaps, then with the new one only', async () => {
    const hook = await receiver();
    await system.services.webhooks.updateSettings(storeId, { testUrl: hook.url });
    const before = (await system.services.webhooks.settings(storeId)).secret;
    const rotated = await system.services.webhooks.rotateSecret(storeId, 60_000);
    expect(rotated.secret).not.toBe(before);
    await payMobile(system, { card: '4242 4242 4242 4242' });
    const [during] = await hook.until((all) => all.length >= 1);
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verify(before, during.headers, during.body)).toBe(true);
    expect(verify(rotated.secret, during.headers, during.body)).toBe(true);

    const again = await system.services.webhooks.rotateSecret(storeId, 0);
    await payMobile(system, { card: '4242 4242 4242 4242' });
    const [, after] = await hook.until((all) => all.length >= 2);
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verify(again.secret, after.headers, after.body)).toBe(true);
    expect(verify(rotated.secret, after.headers, after.body)).toBe(false);
  });
});
