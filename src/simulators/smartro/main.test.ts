// The simulator as its own process (`npm run simulator` runs dist/simulator.js): it starts alone,
// prints its URL, keeps what it approved in its own SQLite file across a restart, and ends
// cleanly on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM build script without types
import { buildSimulator } from '../../../scripts/build.mjs';
import { signValue } from '../../connectors/smartro/crypto';
import { credentials, TEST_MERCHANT_KEY, TEST_MID, windowInput } from '../../connectors/smartro/test-fixtures';
import { buildTranMgrFields } from '../../connectors/smartro/window';
import { simulatorEnv } from './env';
import { authenticate } from './test-helpers';

interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
}

function start(env: Record<string, string>): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/simulator.js'], {
      env: { ...process.env, GYEOL_SIM_PORT: '0', GYEOL_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let started = false;
    const timer = setTimeout(() => reject(new Error(`simulator did not start:\n${out}`)), 20_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const url = /smartro simulator (http:\/\/\S+)\s/.exec(out)?.[1];
      if (url && !started) {
        started = true;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ child, url, output: () => out });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`simulator exited with ${code}:\n${out}`));
    });
  });
}

function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}

function approvalBody(Tid: string, TrAuthKey: string): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Tid, TrAuthKey }) };
}

describe('simulatorEnv', () => {
  it('has the documented defaults', () => {
    expect(simulatorEnv({})).toEqual({
      host: '127.0.0.1',
      port: 4001,
      dataFile: path.resolve('data', 'smartro-sim.sqlite'),
      hangMs: 60_000,
      refundDelayMs: 5_000,
      logLevel: 'info',
    });
  });

  it('reads its own variables, falling back to GYEOL_DATA_DIR', () => {
    expect(simulatorEnv({ GYEOL_DATA_DIR: '/srv/gyeol' }).dataFile).toBe('/srv/gyeol/smartro-sim.sqlite');
    expect(
      simulatorEnv({ GYEOL_HOST: '0.0.0.0', GYEOL_SIM_PORT: '5001', GYEOL_SIM_DATA_DIR: '/srv/sim', GYEOL_DATA_DIR: '/srv/gyeol', GYEOL_SIM_HANG_MS: '250', GYEOL_SIM_REFUND_DELAY_MS: '100', GYEOL_LOG_LEVEL: 'warn' }),
    ).toEqual({ host: '0.0.0.0', port: 5001, dataFile: '/srv/sim/smartro-sim.sqlite', hangMs: 250, refundDelayMs: 100, logLevel: 'warn' });
  });

  it('names the variable that is not a number', () => {
    expect(() => simulatorEnv({ GYEOL_SIM_PORT: 'abc' })).toThrow('GYEOL_SIM_PORT');
    expect(() => simulatorEnv({ GYEOL_SIM_PORT: '70000' })).toThrow('GYEOL_SIM_PORT');
    expect(() => simulatorEnv({ GYEOL_SIM_HANG_MS: '-5' })).toThrow('GYEOL_SIM_HANG_MS');
    expect(() => simulatorEnv({ GYEOL_SIM_REFUND_DELAY_MS: 'soon' })).toThrow('GYEOL_SIM_REFUND_DELAY_MS');
  });
});

describe('dist/simulator.js', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gyeol-sim-main-'));
  beforeAll(async () => {
    await buildSimulator();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('runs alone, keeps its approvals across a restart and ends cleanly on SIGTERM', async () => {
    const first = await start({ GYEOL_SIM_DATA_DIR: dataDir });
    let Tid = '';
    let TrAuthKey = '';
    let approved: Record<string, string> = {};
    try {
      expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(existsSync(path.join(dataDir, 'smartro-sim.sqlite'))).toBe(true);

      // A gateway in another process registers its test channel.
      const put = await fetch(`${first.url}/sim/merchants/${TEST_MID}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ merchantKey: TEST_MERCHANT_KEY, companyName: '결 테스트' }),
      });
      expect(put.status).toBe(201);

      expect((await fetch(`${first.url}/asset/js/SmartroPAY-1.0.min.js`)).status).toBe(200);
      const fields = buildTranMgrFields(credentials(), windowInput(), new Date());
      ({ Tid, TrAuthKey } = await authenticate(first.url, { ...fields } as Record<string, string>, { number: '4242 4242 4242 4242' }));
      approved = (await (await fetch(`${first.url}/payment/approval/urlCallApproval.do`, approvalBody(Tid, TrAuthKey))).json()) as Record<string, string>;
      expect(approved).toMatchObject({ ResultCode: '3001', SignValue: signValue(Tid, '3001', TEST_MERCHANT_KEY), CoNm: '결 테스트' });
    } finally {
      expect(await stop(first.child, 'SIGTERM')).toBe(0);
    }

    // One JSON line per request, none for the browser library.
    const requests = first
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; url?: string; statusCode?: number })
      .filter((line) => line.msg === 'request');
    expect(requests.map((r) => r.url)).toEqual(['/sim/merchants/gyeoltest1', '/payment/auth', '/payment/auth/card', '/payment/approval/urlCallApproval.do']);
    expect(first.output()).not.toContain(TEST_MERCHANT_KEY);

    const second = await start({ GYEOL_SIM_DATA_DIR: dataDir });
    try {
      const inquiry = await fetch(`${second.url}/payment/approval/approvalInquiry.do`, approvalBody(Tid, TrAuthKey));
      expect(await inquiry.json()).toEqual(approved);
      const listed = await fetch(`${second.url}/sim/transactions?tid=${Tid}`);
      expect(((await listed.json()) as { transactions: unknown[] }).transactions).toMatchObject([{ tid: Tid, approval: 'approved' }]);
    } finally {
      expect(await stop(second.child, 'SIGINT')).toBe(0);
    }
  });
});
