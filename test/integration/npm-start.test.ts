import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** Starts `node dist/main.js` (what `npm start` runs after building) and waits for its banner. */
function startMain(env: Record<string, string>): Promise<{ child: ChildProcess; output: () => string; banner: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/main.js'], {
      env: { ...process.env, DATABASE_URL: '', GYEOL_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`main did not start:\n${out}`)), 20_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('test cards:')) {
        clearTimeout(timer);
        resolve({ child, output: () => out, banner: out });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`main exited with ${code}:\n${out}`));
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.removeAllListeners('exit');
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** The value after a label at the start of a banner line. */
const field = (banner: string, label: string) => new RegExp(`^[ \\t]*[^\\n]*?${label}[ \\t]+(\\S+)`, 'm').exec(banner)?.[1];

describe('npm start (dist/main.js) on embedded SQLite', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gyeol-main-'));
  const env = { GYEOL_DATA_DIR: dataDir, GYEOL_PORT: '0', GYEOL_SIM_PORT: '0', GYEOL_SHOP_PORT: '0' };
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('creates and prints a demo store on first start, and keeps it across a restart', async () => {
    const first = await startMain(env);
    let impCode: string | undefined;
    try {
      const b = first.banner;
      expect(b).toContain('(created now)');
      impCode = field(b, '\\(IMP\\.init\\)');
      expect(impCode).toMatch(/^imp\d{8}$/);
      expect(field(b, 'REST API key')).toBeTruthy();
      expect(field(b, 'REST API secret')).toBeTruthy();
      expect(field(b, 'channelKey \\(smartro_v2\\)')).toMatch(/^channel-key-[0-9a-f-]{36}$/);
      const gateway = field(b, 'gateway');
      const shop = field(b, 'demo shop');
      expect(gateway).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const sdk = await fetch(`${gateway}/v1/iamport.js`);
      expect(sdk.status).toBe(200);
      expect(await sdk.text()).toContain('request_pay');
      expect((await fetch(`${shop}/`)).status).toBe(200);
      // The data lives under the data folder; the instance secret file is private.
      expect(statSync(path.join(dataDir, 'gyeol.sqlite')).isFile()).toBe(true);
      expect(statSync(path.join(dataDir, 'instance-secret')).mode & 0o077).toBe(0);
      expect(JSON.parse(readFileSync(path.join(dataDir, 'demo-shop.json'), 'utf8')).impCode).toBe(impCode);
    } finally {
      await stop(first.child);
    }

    const second = await startMain(env);
    try {
      expect(second.banner).toContain('(existing)');
      expect(field(second.banner, '\\(IMP\\.init\\)')).toBe(impCode);
    } finally {
      await stop(second.child);
    }
  });

  it('takes the demo values pinned by environment variables', async () => {
    const pinnedDir = mkdtempSync(path.join(os.tmpdir(), 'gyeol-main-pinned-'));
    const run = await startMain({
      ...env,
      GYEOL_DATA_DIR: pinnedDir,
      GYEOL_DEMO_IMP_CODE: 'imp12345678',
      GYEOL_DEMO_API_KEY: '1234567890123456',
      GYEOL_DEMO_API_SECRET: 'pinned-secret-value-for-tests',
      GYEOL_DEMO_CHANNEL_KEY: 'channel-key-00000000-0000-4000-8000-000000000000',
    });
    try {
      expect(field(run.banner, '\\(IMP\\.init\\)')).toBe('imp12345678');
      const gateway = field(run.banner, 'gateway');
      const token = await fetch(`${gateway}/users/getToken`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'imp_key=1234567890123456&imp_secret=pinned-secret-value-for-tests',
      });
      expect(token.status).toBe(200);
    } finally {
      await stop(run.child);
      rmSync(pinnedDir, { recursive: true, force: true });
    }
  });
});
