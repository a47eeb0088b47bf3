import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A built entry point (dist/main.js, dist/simulator.js) running as its own process. */
export interface Started {
  child: ChildProcess;
  output: () => string;
  match: RegExpExecArray;
}

/** Starts a built entry point and waits until its output matches `ready`. */
export function startProcess(script: string, env: Record<string, string>, ready: RegExp): Promise<Started> {
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

export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** The value after a label at the start of a line of gyeol's start-up banner. */
export const bannerValue = (banner: string, label: string) => new RegExp(`^[ \\t]*${label}[ \\t]+(\\S+)`, 'm').exec(banner)?.[1] ?? '';

/** Polls `probe` until it returns something other than null. */
export async function until<T>(what: string, probe: () => Promise<T | null>, deadlineMs: number): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * A PostgreSQL schema of its own for a process test: the DATABASE_URL that selects it (through
 * the connection's search_path) and a way to drop it.
 */
export async function processSchema(prefix: string): Promise<{ databaseUrl: string; drop(): Promise<void> }> {
  const schema = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create schema "${schema}"`);
  const url = new URL(process.env.DATABASE_URL as string);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { databaseUrl: url.toString(), drop: () => admin(`drop schema if exists "${schema}" cascade`) };
}

/** The demo store's values from a gateway's banner. */
export function gatewayFromBanner(banner: string) {
  return {
    gatewayUrl: bannerValue(banner, 'gateway'),
    shopUrl: bannerValue(banner, 'demo shop'),
    impCode: bannerValue(banner, '가맹점 식별코드 \\(IMP\\.init\\)'),
    apiKey: bannerValue(banner, 'REST API key'),
    apiSecret: bannerValue(banner, 'REST API secret'),
    channelKey: bannerValue(banner, 'channelKey \\(smartro_v2\\)'),
  };
}
