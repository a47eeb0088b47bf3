import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smartroConnector } from '../../src/connectors/smartro';
import { systemClock } from '../../src/domain/clock';
import { DEFAULT_RETRY_TIMING } from '../../src/domain/webhooks';
import { createOutboundHttp } from '../../src/http/outbound';
import { createServices, type ServiceDeps } from '../../src/services';
import { SecretBox } from '../../src/services/secrets';
import { LATE_APPROVAL_CARD } from '../../src/simulators/smartro/cards';
import { createStore } from '../../src/store/db';
import type { Store } from '../../src/store/types';
import { enableBilling, registerCustomer, simTransactions } from '../support/billing';
import { gatewayFromBanner, processSchema, startProcess, stopProcess, until } from '../support/processes';
import { systemDatabases } from '../support/system';

const SECRET = 'schedule-crash-instance-secret-0123456789';
let serial = 0;
const uid = (prefix: string) => `${prefix}${Date.now()}${++serial}`;

/**
 * Scheduled payments across real processes (issue 9): `kill -9` of the gateway while a scheduled
 * charge is at Smartro, then a restart — charged once; and (PostgreSQL) two gateways polling one
 * database — each schedule charged once. The simulator is its own process and lives on.
 */
describe.each(systemDatabases())('scheduled payments across processes (%s)', (db) => {
  const simDir = mkdtempSync(path.join(os.tmpdir(), 'gyeol-schedcrash-sim-'));
  const dirs: string[] = [simDir];
  const children: ChildProcess[] = [];
  const stores: Store[] = [];
  let simUrl = '';
  let databaseUrl = '';
  let dropSchema = async () => {};

  beforeAll(async () => {
    if (db === 'postgres') {
      const schema = await processSchema('gyeol_schedcrash');
      databaseUrl = schema.databaseUrl;
      dropSchema = schema.drop;
    }
    // The late-approval card's answer is held 20 s: long enough to kill the gateway while it waits.
    const sim = await startProcess('dist/simulator.js', { GYEOL_SIM_PORT: '0', GYEOL_SIM_DATA_DIR: simDir, GYEOL_SIM_HANG_MS: '20000' }, /smartro simulator (http:\/\/\S+)/);
    children.push(sim.child);
    simUrl = sim.match[1]!;
  });

  afterAll(async () => {
    await Promise.all(children.map((child) => stopProcess(child)));
    await Promise.all(stores.map((s) => s.close()));
    await dropSchema();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  function env(dataDir: string, extra: Record<string, string> = {}) {
    return {
      DATABASE_URL: databaseUrl,
      GYEOL_DATA_DIR: dataDir,
      GYEOL_SECRET: SECRET,
      GYEOL_PORT: '0',
      GYEOL_SHOP_PORT: '0',
      GYEOL_SIMULATOR: 'external',
      GYEOL_SIM_PUBLIC_URL: simUrl,
      GYEOL_PG_TIMEOUT_MS: '3000',
      GYEOL_RECONCILE_INTERVAL_MS: '500',
      GYEOL_SCHEDULER_INTERVAL_MS: '200',
      GYEOL_SCHEDULER_LEASE_MS: '4000',
      ...extra,
    };
  }

  async function startGateway(dataDir: string, extra: Record<string, string> = {}) {
    const started = await startProcess('dist/main.js', env(dataDir, extra), /test cards:/);
    children.push(started.child);
    return { child: started.child, ...gatewayFromBanner(started.output()) };
  }

  /** The test's own connection to the gateways' database, with the services a test needs to register billing keys. */
  async function openDatabase(dataDir: string, url = databaseUrl) {
    const store = await createStore(url ? { databaseUrl: url } : { sqlitePath: path.join(dataDir, 'gyeol.sqlite') });
    stores.push(store);
    const deps: ServiceDeps = {
      store,
      clock: systemClock,
      secretBox: new SecretBox(SECRET),
      connectors: new Map([[smartroConnector.id, smartroConnector]]),
      connectorContext: { fetch: globalThis.fetch, clock: systemClock, timeoutMs: 3000 },
      logger: { info() {}, warn() {}, error() {} },
      publicUrl: 'http://test.invalid',
      approvals: { returnWaitMs: 1000 },
      webhooks: { connectTimeoutMs: 1000, readTimeoutMs: 1000, timing: DEFAULT_RETRY_TIMING },
      outbound: createOutboundHttp({ selfAddresses: () => [] }),
    };
    return { store, services: createServices(deps), secretBox: deps.secretBox };
  }

  async function tokenOf(gateway: { gatewayUrl: string; apiKey: string; apiSecret: string }): Promise<string> {
    return until(
      'a token',
      async () => {
        const res = await fetch(`${gateway.gatewayUrl}/users/getToken`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ imp_key: gateway.apiKey, imp_secret: gateway.apiSecret }),
        });
        return res.ok ? ((await res.json()) as { response: { access_token: string } }).response.access_token : null;
      },
      5_000,
    );
  }

  async function call(gatewayUrl: string, token: string, method: 'GET' | 'POST', pathname: string, body?: unknown) {
    const res = await fetch(`${gatewayUrl}${pathname}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return (await res.json()) as { code: number; message: string | null; response: any };
  }

  const item = (merchantUid: string, at: number) => ({
    merchant_uid: merchantUid,
    schedule_at: at,
    amount: 7700,
    name: '정기구독',
    buyer_name: '홍길동',
    buyer_email: 'buyer@example.com',
    buyer_tel: '010-1234-5678',
  });

  it('kill -9 while the scheduled charge is at Smartro, then a restart: the run ends executed, paid once, approved once', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gyeol-schedcrash-'));
    dirs.push(dataDir);
    const first = await startGateway(dataDir);
    const { store, services, secretBox } = await openDatabase(dataDir);
    const merchant = (await store.stores.findByImpCode(first.impCode))!;
    const channel = await enableBilling(store, (await store.channels.findByChannelKey(merchant.id, first.channelKey))!);
    const customer = await registerCustomer({ store, services, secretBox, simulatorUrl: simUrl, now: new Date() }, channel, { customerUid: uid('cust'), card: LATE_APPROVAL_CARD });

    const token = await tokenOf(first);
    const merchantUid = uid('crash');
    const made = await call(first.gatewayUrl, token, 'POST', '/subscribe/payments/schedule', { customer_uid: customer.customerUid, schedules: [item(merchantUid, Math.floor(Date.now() / 1000) + 1)] });
    expect(made.code).toBe(0);
    // The scheduler takes it and charges; Smartro approves at once and holds its answer. The gateway dies meanwhile.
    await until('Smartro to approve the scheduled charge', async () => ((await simTransactions(simUrl, merchantUid)).some((t) => t.approval === 'approved') ? true : null), 15_000);
    await stopProcess(first.child, 'SIGKILL');

    const second = await startGateway(dataDir);
    const again = await tokenOf(second);
    const ran = await until(
      'the restarted gateway to settle the run',
      async () => {
        const now = (await call(second.gatewayUrl, again, 'GET', `/subscribe/payments/schedule/${merchantUid}`)).response;
        return now?.schedule_status === 'executed' ? now : null;
      },
      40_000,
    );
    expect(ran).toMatchObject({ payment_status: 'paid', fail_reason: null });
    const payment = (await call(second.gatewayUrl, again, 'GET', `/payments/${ran.imp_uid}`)).response;
    expect(payment).toMatchObject({ merchant_uid: merchantUid, status: 'paid', customer_uid_usage: 'payment.scheduled' });
    // One payment in gyeol, one approval at Smartro.
    const { payments } = await store.payments.listByMerchantUid(merchant.id, merchantUid, { includeSandbox: true }, { sorting: '-started', offset: 0, limit: 10 });
    expect(payments.map((p) => p.impUid)).toEqual([ran.imp_uid]);
    expect((await simTransactions(simUrl, merchantUid)).filter((t) => t.approval === 'approved')).toHaveLength(1);
  });

  it.runIf(db === 'postgres')('two gateways polling one PostgreSQL: every due schedule charged exactly once', async () => {
    const dirA = mkdtempSync(path.join(os.tmpdir(), 'gyeol-schedrace-a-'));
    const dirB = mkdtempSync(path.join(os.tmpdir(), 'gyeol-schedrace-b-'));
    dirs.push(dirA, dirB);
    // A schema of its own: the demo store is made by the first gateway here.
    const schema = await processSchema('gyeol_schedrace');
    const dropRace = dropSchema;
    dropSchema = async () => {
      await dropRace();
      await schema.drop();
    };
    const a = await startGateway(dirA, { DATABASE_URL: schema.databaseUrl, GYEOL_SCHEDULER_INTERVAL_MS: '100' });
    // The second instance serves the same demo store (pinned, as an operator pins it on every instance).
    const b = await startGateway(dirB, {
      DATABASE_URL: schema.databaseUrl,
      GYEOL_SCHEDULER_INTERVAL_MS: '100',
      GYEOL_DEMO_IMP_CODE: a.impCode,
      GYEOL_DEMO_API_KEY: a.apiKey,
      GYEOL_DEMO_API_SECRET: a.apiSecret,
      GYEOL_DEMO_CHANNEL_KEY: a.channelKey,
    });
    const { store, services, secretBox } = await openDatabase(dirA, schema.databaseUrl);
    const merchant = (await store.stores.findByImpCode(a.impCode))!;
    const channel = await enableBilling(store, (await store.channels.findByChannelKey(merchant.id, a.channelKey))!);
    const customer = await registerCustomer({ store, services, secretBox, simulatorUrl: simUrl, now: new Date() }, channel, { customerUid: uid('cust') });

    const token = await tokenOf(b);
    const at = Math.floor(Date.now() / 1000) + 2;
    const merchantUids = Array.from({ length: 24 }, () => uid('race'));
    const made = await call(b.gatewayUrl, token, 'POST', '/subscribe/payments/schedule', { customer_uid: customer.customerUid, schedules: merchantUids.map((m) => item(m, at)) });
    expect(made.code).toBe(0);
    await until(
      'both gateways to run every schedule',
      async () => {
        const list = (await call(a.gatewayUrl, await tokenOf(a), 'GET', `/subscribe/customers/${customer.customerUid}/schedules?from=${at - 60}&to=${at + 60}&schedule-status=executed`)).response;
        return list?.total === merchantUids.length ? true : null;
      },
      40_000,
    );
    for (const merchantUid of merchantUids) {
      const { payments } = await store.payments.listByMerchantUid(merchant.id, merchantUid, { includeSandbox: true }, { sorting: '-started', offset: 0, limit: 10 });
      expect({ merchantUid, statuses: payments.map((p) => p.status) }).toEqual({ merchantUid, statuses: ['paid'] });
      expect({ merchantUid, approved: (await simTransactions(simUrl, merchantUid)).filter((t) => t.approval === 'approved').length }).toEqual({ merchantUid, approved: 1 });
    }
  });
});
