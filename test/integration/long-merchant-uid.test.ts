import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSystem, systemDatabases, restClient, type TestSystem } from '../support/system';
import { payMobile } from './flow';

/**
 * A merchant_uid longer than Smartro's 40-character Moid, paid over real HTTP through the Smartro
 * simulator: the window sends its first 40 characters, Smartro's approval names that Moid, and the
 * gateway still recognises the approval as this payment's (it compares with what it sent).
 */
describe.each(systemDatabases())('a merchant_uid longer than Moid (%s)', (db) => {
  let system: TestSystem;
  let rest: Awaited<ReturnType<typeof restClient>>;
  beforeAll(async () => {
    system = await startTestSystem({ db, env: { GYEOL_RECONCILE_INTERVAL_MS: '600000' } });
    rest = await restClient(system);
  });
  afterAll(async () => system?.close());

  it('is paid, and keeps the full merchant_uid', async () => {
    const merchantUid = `${'L0ng'.repeat(10)}${Date.now()}`;
    const result = await payMobile(system, { card: '4242 4242 4242 4242', merchantUid });
    expect(result.query).toEqual({ imp_uid: result.impUid, merchant_uid: merchantUid, imp_success: 'true' });
    const { status, body } = await rest.get(`/payments/${result.impUid}`);
    expect(status).toBe(200);
    expect(body.response).toMatchObject({ status: 'paid', merchant_uid: merchantUid });
  });
});
