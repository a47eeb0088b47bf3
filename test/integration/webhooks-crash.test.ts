import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSystem } from '../../src/system';
import { gatewayFromBanner, processSchema, startProcess, stopProcess, until } from '../support/processes';
import { startReceiver } from '../support/receiver';
import { systemDatabases } from '../support/system';
import { payMobile } from './flow';

/**
 * `kill -9` of the gateway in the middle of delivering webhooks while the merchant's server is
 * down (issue 6): after the restart every event is delivered, and a copy sent twice across the
 * crash carries the same webhook-id, so the receiver can drop it.
 */
describe.each(systemDatabases())('webhooks across a kill -9 (%s)', (db) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gyeol-hookcrash-'));
  const simDir = mkdtempSync(path.join(os.tmpdir(), 'gyeol-hookcrash-sim-'));
  const children: ChildProcess[] = [];
  let simUrl = '';
  let databaseUrl = '';
  let dropSchema = async () => {};

  beforeAll(async () => {
    if (db === 'postgres') {
      const schema = await processSchema('gyeol_hookcrash');
      databaseUrl = schema.databaseUrl;
      dropSchema = schema.drop;
    }
    const sim = await startProcess('dist/simulator.js', { GYEOL_SIM_PORT: '0', GYEOL_SIM_DATA_DIR: simDir }, /smartro simulator (http:\/\/\S+)/);
    children.push(sim.child);
    simUrl = sim.match[1];
  });

  afterAll(async () => {
    await Promise.all(children.map((child) => stopProcess(child)));
    await dropSchema();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(simDir, { recursive: true, force: true });
  });

  async function startGateway() {
    const started = await startProcess(
      'dist/main.js',
      {
        DATABASE_URL: databaseUrl,
        GYEOL_DATA_DIR: dataDir,
        GYEOL_SECRET: 'hook-crash-instance-secret-0123456789',
        GYEOL_PORT: '0',
        GYEOL_SHOP_PORT: '0',
        GYEOL_SIMULATOR: 'external',
        GYEOL_SIM_PUBLIC_URL: simUrl,
        GYEOL_WEBHOOK_INTERVAL_MS: '100',
        GYEOL_WEBHOOK_CONNECT_TIMEOUT_MS: '1000',
        GYEOL_WEBHOOK_READ_TIMEOUT_MS: '2000',
        GYEOL_WEBHOOK_RETRY_BASE_MS: '300',
      },
      /test cards:/,
    );
    children.push(started.child);
    return { child: started.child, ...gatewayFromBanner(started.output()) };
  }

  it('delivers every event after a restart; copies across the crash share their webhook-id', async () => {
    let down = true;
    // Down: takes the request and never answers (the worst case: gyeol cannot know what happened).
    const hook = await startReceiver(() => (down ? 'hang' : 200));
    try {
      const first = await startGateway();
      const system = { gatewayUrl: first.gatewayUrl, shopUrl: first.shopUrl, demo: { impCode: first.impCode, channelKey: first.channelKey } } as unknown as RunningSystem;
      const paid = [];
      for (let i = 0; i < 3; i++) paid.push(await payMobile(system, { card: '4242 4242 4242 4242', params: { notice_url: `${hook.url}/hook` } }));
      expect(paid.every((p) => p.query.imp_success === 'true')).toBe(true);
      await hook.until((all) => all.length >= 1, 5_000);
      await stopProcess(first.child, 'SIGKILL');
      const sentBeforeCrash = hook.received.map((r) => String(r.headers['webhook-id']));

      down = false;
      const restartedAt = hook.received.length;
      await startGateway();
      const impUids = paid.map((p) => p.impUid).sort();
      // Answered after the restart: every payment (the cut-off ones again, the others maybe for the first time).
      await until(
        'every payment to be delivered after the restart',
        async () => {
          const after = hook.received.slice(restartedAt).map((r) => JSON.parse(r.body).imp_uid as string);
          return impUids.every((id) => after.includes(id)) ? true : null;
        },
        30_000,
      );
      const byImpUid = new Map<string, Set<string>>();
      for (const r of hook.received) {
        const body = JSON.parse(r.body) as { imp_uid: string; status: string };
        expect(body.status).toBe('paid');
        byImpUid.set(body.imp_uid, (byImpUid.get(body.imp_uid) ?? new Set()).add(String(r.headers['webhook-id'])));
      }
      // Every payment arrived, each under exactly one webhook-id however often it was sent.
      expect([...byImpUid.keys()].sort()).toEqual(impUids);
      expect([...byImpUid.values()].every((ids) => ids.size === 1)).toBe(true);
      // What was cut off by the crash was sent again with its id.
      for (const id of sentBeforeCrash) expect(hook.received.filter((r) => r.headers['webhook-id'] === id).length).toBeGreaterThanOrEqual(2);
    } finally {
      await hook.close();
    }
  });
});
