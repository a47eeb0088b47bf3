import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATE_APPROVAL_CARD } from '../../src/simulators/smartro/cards';
import type { RunningSystem } from '../../src/system';
import { systemDatabases } from '../support/system';
import { authenticateCard, openMobileWindow } from './flow';

/**
 * `kill -9` of the gateway while Smartro is approving (issue 5 §3): the simulator runs as its own
 * process (`dist/simulator.js`, its own SQLite file) and lives on; after the gateway restarts, the
 * reconciler asks the PG and the payment is `paid` — approved once, paid once.
 */

interface Started {
  child: ChildProcess;
  output: () => string;
}

/** Starts a built entry point and waits until its output contains `ready`. */
function startProcess(script: string, env: Record<string, string>, ready: RegExp): Promise<Started & { match: RegExpExecArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { env: { ...process.env, GYEOL_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${script} did not start:\n${out}`)), 20_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = ready.exec(out);
      if (match) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ child, output: () => out, match });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}:\n${out}`));
    });
  });
}

async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

const bannerValue = (banner: string, label: string) => new RegExp(`^[ \\t]*${label}[ \\t]+(\\S+)`, 'm').exec(banner)?.[1] ?? '';

async function until<T>(what: string, probe: () => Promise<T | null>, deadlineMs: number): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.each(systemDatabases())('kill -9 of the gateway during an approval (%s)', (db) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gyeol-crash-'));
  const simDir = mkdtempSync(path.join(os.tmpdir(), 'gyeol-crash-sim-'));
  const schema = `gyeol_crash_${randomBytes(5).toString('hex')}`;
  let simulator: Started;
  let simUrl: string;
  let databaseUrl = '';
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    if (db === 'postgres') {
      const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await client.connect();
      await client.query(`create schema "${schema}"`);
      await client.end();
      const url = new URL(process.env.DATABASE_URL as string);
      url.searchParams.set('options', `-c search_path=${schema}`);
      databaseUrl = url.toString();
    }
    const sim = await startProcess('dist/simulator.js', { GYEOL_SIM_PORT: '0', GYEOL_SIM_DATA_DIR: simDir, GYEOL_SIM_HANG_MS: '20000' }, /smartro simulator (http:\/\/\S+)/);
    simulator = sim;
    simUrl = sim.match[1];
    children.push(sim.child);
  });

  afterAll(async () => {
    await Promise.all(children.map((child) => stop(child)));
    if (db === 'postgres') {
      const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    }
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
    const banner = started.output();
    return {
      child: started.child,
      gatewayUrl: bannerValue(banner, 'gateway'),
      shopUrl: bannerValue(banner, 'demo shop'),
      impCode: bannerValue(banner, '가맹점 식별코드 \\(IMP\\.init\\)'),
      apiKey: bannerValue(banner, 'REST API key'),
      apiSecret: bannerValue(banner, 'REST API secret'),
      channelKey: bannerValue(banner, 'channelKey \\(smartro_v2\\)'),
    };
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
