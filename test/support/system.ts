import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import type { Clock } from '../../src/domain/clock';
import { startSystem, type RunningSystem } from '../../src/system';
import { Value } from '@sinclair/typebox/value';
import { V1PaymentSchema } from '../../src/api/v1/responses';
import { v1SchemaErrors } from './openapi';

export type TestDatabase = 'sqlite' | 'postgres';

/** The instance secret every test system is started with (what seals billing keys and channel secrets). */
export const TEST_INSTANCE_SECRET = 'test-instance-secret-0123456789';

/** The databases a system-level test runs on: SQLite always, PostgreSQL when DATABASE_URL is set. */
export function systemDatabases(): TestDatabase[] {
  if (process.env.DATABASE_URL) return ['sqlite', 'postgres'];
  if (process.env.CI === 'true') throw new Error('CI=true but DATABASE_URL is not set: CI must run every test on PostgreSQL too');
  return ['sqlite'];
}

export interface TestSystem extends RunningSystem {
  dataDir: string;
  /** The environment a separate process (the CLI) needs to open this system's database. */
  env: Record<string, string>;
}

/**
 * Starts the real gateway, Smartro simulator and demo shop on ephemeral 127.0.0.1 ports, on a
 * fresh SQLite file or a fresh PostgreSQL schema, with pinned demo credentials.
 */
export async function startTestSystem(options: {
  db: TestDatabase;
  clock?: Clock;
  pgTimeoutMs?: number;
  simulatorHangMs?: number;
  simulatorNotifyRetryMs?: number;
  /** Wraps the gateway's PG calls (e.g. to lose an answer after the PG acted on the request). */
  pgFetch?: typeof fetch;
  simulatorRefundDelayMs?: number;
  env?: Record<string, string>;
  /** A pino logger for the three servers and the services (tests that read the log); silent by default. */
  logger?: FastifyBaseLogger;
}): Promise<TestSystem> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gyeol-test-'));
  const config = loadConfig({
    GYEOL_PORT: '0',
    GYEOL_SIM_PORT: '0',
    GYEOL_SHOP_PORT: '0',
    GYEOL_DATA_DIR: dataDir,
    GYEOL_SECRET: TEST_INSTANCE_SECRET,
    GYEOL_PG_TIMEOUT_MS: String(options.pgTimeoutMs ?? 5000),
    ...(options.db === 'postgres' ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    ...options.env,
  });
  const pgSchema = options.db === 'postgres' ? `gyeol_sys_${randomBytes(5).toString('hex')}` : undefined;
  const system = await startSystem({
    config,
    clock: options.clock,
    simulatorHangMs: options.simulatorHangMs ?? 8000,
    simulatorNotifyRetryMs: options.simulatorNotifyRetryMs,
    simulatorRefundDelayMs: options.simulatorRefundDelayMs,
    pgSchema,
    pgFetch: options.pgFetch,
    logger: options.logger,
  });
  const env: Record<string, string> = { GYEOL_DATA_DIR: dataDir, GYEOL_SECRET: TEST_INSTANCE_SECRET, DATABASE_URL: '' };
  if (pgSchema) {
    const url = new URL(process.env.DATABASE_URL as string);
    url.searchParams.set('options', `-c search_path=${pgSchema}`);
    env.DATABASE_URL = url.toString();
  }
  return {
    ...system,
    dataDir,
    env,
    async close() {
      await system.close();
      if (pgSchema) await dropSchema(pgSchema);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function dropSchema(schema: string): Promise<void> {
  const pg = await import('pg');
  const client = new pg.default.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** getToken + GET helper over real HTTP, as a merchant server would call the REST API. */
export async function restClient(system: RunningSystem) {
  const tokenRes = await fetch(`${system.gatewayUrl}/users/getToken`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ imp_key: system.demo.apiKey, imp_secret: system.demo.apiSecret }),
  });
  const token = ((await tokenRes.json()) as { response: { access_token: string } }).response.access_token;
  return {
    token,
    async get(pathname: string) {
      const res = await fetch(`${system.gatewayUrl}${pathname}`, { headers: { Authorization: `Bearer ${token}` } });
      return { status: res.status, body: (await res.json()) as { code: number; message: string | null; response: any } };
    },
    /** A JSON body (or a form, with `form: true`) to `method pathname`, with the token. */
    async send(method: 'POST' | 'PUT' | 'DELETE', pathname: string, body?: Record<string, unknown>, options: { form?: boolean } = {}) {
      const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
      let payload: string | undefined;
      if (body !== undefined && options.form) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        payload = new URLSearchParams(Object.entries(body).map(([k, v]) => [k, String(v)])).toString();
      } else if (body !== undefined) {
        headers['content-type'] = 'application/json';
        payload = JSON.stringify(body);
      }
      const res = await fetch(`${system.gatewayUrl}${pathname}`, { method, headers, body: payload });
      return { status: res.status, body: (await res.json()) as { code: number; message: string | null; response: any } };
    },
    /**
     * `GET /payments/{imp_uid}` (`query` appended as is): the payment, after checking the answer is
     * a 200 that PortOne's official V1 schema and gyeol's own (/openapi.json) accept (throws otherwise).
     */
    async payment(impUid: string, query = ''): Promise<any> {
      const { status, body } = await this.get(`/payments/${impUid}${query}`);
      const errors =
        status === 200
          ? [...v1SchemaErrors('get', '/payments/{imp_uid}', 200, body), ...[...Value.Errors(V1PaymentSchema, body.response)].map((e) => `gyeol's own schema: ${e.path} ${e.message}`)]
          : [`HTTP ${status}`];
      if (errors.length > 0) throw new Error(`GET /payments/${impUid}: ${errors.join('; ')}\n${JSON.stringify(body)}`);
      return body.response;
    },
  };
}
