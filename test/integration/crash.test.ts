import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATE_APPROVAL_CARD } from '../../src/simulators/smartro/cards';
import type { RunningSystem } from '../../src/system';
import { gatewayFromBanner, processSchema, startProcess, stopProcess as stop, until, type Started } from '../support/processes';
import { systemDatabases } from '../support/system';
import { authenticateCard, openMobileWindow } from './flow';

/**
 * `kill -9` of the gateway while Smartro is approving (issue 5 §3): the simulator runs as its own
 * process (`dist/simulator.js`, its own SQLite file) and lives on; after the gateway restarts, the
 * reconciler asks the PG and the payment is `paid` — approved once, paid once.
 */

describe.each(systemDatabases())('kill -9 of the gateway during an approval (%s)', (db) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gyeol-crash-'));
  const simDir = mkdtempSync(path.join(os.tmpdir(), 'gyeol-crash-sim-'));
  let simulator: Started;
  let simUrl: string;
  let databaseUrl = '';
  let dropSchema = async () => {};
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    if (db === 'postgres') {
      const schema = await processSchema('gyeol_crash');
      databaseUrl = schema.databaseUrl;
      dropSchema = schema.drop;
    }
    const sim = await startProcess('dist/simulator.js', { GYEOL_SIM_PORT: '0', GYEOL_SIM_DATA_DIR: simDir, GYEOL_SIM_HANG_MS: '20000' }, /smartro simulator (http:\/\/\S+)/);
    simulator = sim;
    simUrl = sim.match[1];
    children.push(sim.child);
  });

  afterAll(async () => {
    await Promise.all(children.map((child) => stop(child)));
    await dropSchema();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(simDir, { recursive: true, force: true });
  });

  const gatewayEnv = () => ({
    DATABASE_URL: databaseUrl,
    GYEOL_DATA_DIR: dataDir,
    GYEOL_SECRET: 'crash-test-instance-secret-0123456789',
    GYEOL_PORT: '0',
    GYEOL_SHOP_PORT: '0',
    GYEOL_SIMULATOR: 'external',
    GYEOL_SIM_PUBLIC_URL: simUrl,
    GYEOL_PG_TIMEOUT_MS: '3000',
    GYEOL_RECONCILE_INTERVAL_MS: '500',
  });

  async function startGateway() {
    const started = await startProcess('dist/main.js', gatewayEnv(), /test cards:/);
    children.push(started.child);
    return { child: started.child, ...gatewayFromBanner(started.output()) };
  }

  async function simTransactions(moid: string): Promise<{ tid: string; approval: string }[]> {
    const res = await fetch(`${simUrl}/sim/transactions?moid=${encodeURIComponent(moid)}`);
    return ((await res.json()) as { transactions: { tid: string; approval: string }[] }).transactions;
  }

  it('settles the approval after a restart: paid once, approved once', async () => {
    const first = await startGateway();
    const system = { gatewayUrl: first.gatewayUrl, shopUrl: first.shopUrl, demo: { impCode: first.impCode, channelKey: first.channelKey } } as unknown as RunningSystem;
    const opened = await openMobileWindow(system);
    const auth = await authenticateCard(opened, LATE_APPROVAL_CARD);

    // The buyer's browser posts the PG's answer; the gateway asks Smartro, which approves at once
    // and holds its answer. The gateway dies before the answer arrives.
    const inFlight = fetch(auth.returnUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(auth.fields).toString(),
      redirect: 'manual',
    }).catch(() => null);
    await until('the PG to approve', async () => ((await simTransactions(opened.merchantUid)).some((t) => t.approval === 'approved') ? true : null), 10_000);
    await stop(first.child, 'SIGKILL');
    await inFlight;

    const second = await startGateway();
    const token = await until(
      'a token',
      async () => {
        const res = await fetch(`${second.gatewayUrl}/users/getToken`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ imp_key: second.apiKey, imp_secret: second.apiSecret }),
        });
        return res.ok ? ((await res.json()) as { response: { access_token: string } }).response.access_token : null;
      },
      5_000,
    );
    const payment = await until(
      'the reconciler to settle the payment',
      async () => {
        const res = await fetch(`${second.gatewayUrl}/payments/${opened.impUid}`, { headers: { Authorization: `Bearer ${token}` } });
        const body = (await res.json()) as { response: { status: string; pg_tid: string; paid_at: number; card_number: string | null } };
        return body.response.status === 'ready' ? null : body.response;
      },
      20_000,
    );
    expect(payment).toMatchObject({ status: 'paid', pg_tid: auth.fields.Tid });
    expect(payment.paid_at).toBeGreaterThan(0);
    expect(payment.card_number).toMatch(/\*/);

    const transactions = await simTransactions(opened.merchantUid);
    expect(transactions.filter((t) => t.approval === 'approved')).toHaveLength(1);
    // And gyeol has one paid payment for the order.
    const found = await fetch(`${second.gatewayUrl}/payments/find/${opened.merchantUid}/paid`, { headers: { Authorization: `Bearer ${token}` } });
    expect(((await found.json()) as { response: { imp_uid: string } }).response.imp_uid).toBe(opened.impUid);
    expect(simulator.output()).not.toContain('4000000000000101');
  });
});
