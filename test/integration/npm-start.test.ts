import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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
      // The bundled server documents itself: the OpenAPI document names its public URL, and the
      // reference page's static files are found from the bundle.
      expect(((await (await fetch(`${gateway}/openapi.json`)).json()) as { servers: unknown }).servers).toEqual([{ url: gateway }]);
      expect((await fetch(`${gateway}/docs`)).status).toBe(200);
      const uiScript = await fetch(`${gateway}/docs/static/swagger-ui-bundle.js`);
      expect(uiScript.status).toBe(200);
      expect(uiScript.headers.get('content-type')).toMatch(/javascript/);
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

/** Runs `node dist/main.js` until it exits by itself (or `timeoutMs` passes, which fails). */
function runMain(env: Record<string, string>, timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/main.js'], {
      env: { ...process.env, DATABASE_URL: '', GYEOL_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`main did not exit within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      // 'exit' can come before the pipes are drained.
      setImmediate(() => resolve({ code, stdout, stderr }));
    });
  });
}

/** Sends `signal` and resolves with the exit code and how long the process took to exit. */
function stopWith(child: ChildProcess, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  child.removeAllListeners('exit');
  return new Promise((resolve) => {
    const started = Date.now();
    child.once('exit', (code, sig) => resolve({ code, signal: sig, ms: Date.now() - started }));
    child.kill(signal);
  });
}

describe('npm start (dist/main.js) as a supervised process', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gyeol-main-proc-'));
  const env = { GYEOL_DATA_DIR: dataDir, GYEOL_PORT: '0', GYEOL_SIM_PORT: '0', GYEOL_SHOP_PORT: '0' };
  let busy: net.Server;
  let busyPort: number;

  beforeAll(async () => {
    busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => busy.close(() => resolve()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(['GYEOL_PORT', 'GYEOL_SIM_PORT', 'GYEOL_SHOP_PORT'])(
    'a busy %s: one line naming the variable, exit code 1, no stack trace',
    async (variable) => {
      const run = await runMain({ ...env, [variable]: String(busyPort) });
      expect(run.code).toBe(1);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`포트 ${busyPort}`);
      expect(lines[0]).toContain(`set ${variable}=`);
      for (const other of ['GYEOL_PORT=', 'GYEOL_SIM_PORT=', 'GYEOL_SHOP_PORT='].filter((v) => v !== `${variable}=`)) {
        expect(lines[0]).not.toContain(` ${other}`);
      }
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(run.stdout).not.toContain('test cards:');
    },
  );

  it('an invalid port value: one line naming the variable, exit code 1', async () => {
    const run = await runMain({ ...env, GYEOL_SHOP_PORT: 'eighty' });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual(['gyeol: 설정 오류 (configuration error): GYEOL_SHOP_PORT must be a port number (0-65535), got "eighty"']);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s: servers and database closed, exit code 0, promptly', async (signal) => {
    const run = await startMain(env);
    const gateway = field(run.banner, 'gateway');
    expect((await fetch(`${gateway}/v1/iamport.js`)).status).toBe(200);
    const stopped = await stopWith(run.child, signal);
    expect(stopped).toMatchObject({ code: 0, signal: null });
    expect(stopped.ms).toBeLessThan(5_000);
    // SQLite removes the WAL file when the last connection closes: the database was closed.
    expect(existsSync(path.join(dataDir, 'gyeol.sqlite'))).toBe(true);
    expect(existsSync(path.join(dataDir, 'gyeol.sqlite-wal'))).toBe(false);
    await expect(fetch(`${gateway}/v1/iamport.js`)).rejects.toThrow();
  });

  it('a client that never finishes its request holds up the shutdown only for the 3 s grace: then dropped, exit 0', async () => {
    const run = await startMain(env);
    const gateway = new URL(field(run.banner, 'gateway')!);
    // Headers promise a body that never comes. The gateway answers (415, no content type) but the
    // request is never complete, so the connection is not idle; closing drops it instead of waiting.
    const socket = net.connect(Number(gateway.port), gateway.hostname);
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const answered = new Promise<string>((resolve) => socket.once('data', (chunk) => resolve(chunk.toString())));
    socket.write('POST /users/getToken HTTP/1.1\r\nHost: gyeol\r\nContent-Length: 100\r\n\r\n{');
    expect(await answered).toMatch(/^HTTP\/1\.1 415 /);
    try {
      const stopped = await stopWith(run.child, 'SIGTERM');
      expect(stopped).toMatchObject({ code: 0, signal: null });
      // After the 3 s grace for requests in flight; exit code 0 also says it beat main.ts's 10 s
      // hard deadline (which exits 1).
      expect(stopped.ms).toBeGreaterThanOrEqual(2_900);
      expect(stopped.ms).toBeLessThan(10_000);
    } finally {
      socket.destroy();
    }
  }, 30_000);
});
