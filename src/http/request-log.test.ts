import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { forEachDatabase } from '../../test/support/databases';
import { createGatewayHarness, type GatewayHarness } from '../../test/support/gateway-harness';
import { buildGateway } from '../gateway';

forEachDatabase(
  (_name, getStore) => {
    describe('gateway request log', () => {
      let h: GatewayHarness;
      let app: FastifyInstance;
      let lines: Record<string, unknown>[] = [];
      beforeAll(async () => {
        h = await createGatewayHarness(getStore());
        // The gateway as main builds it, with a real pino logger writing into `lines`.
        const logger = pino({ level: 'info' }, { write: (chunk: string) => void lines.push(JSON.parse(chunk)) });
        app = await buildGateway({
          services: h.services,
          publicUrl: 'http://gateway.test',
          assetDir: path.resolve('dist/public'),
          hideSandboxByDefault: false,
          logger,
        });
      });
      afterAll(async () => {
        await app.close();
        await h.close();
      });
      beforeEach(() => {
        lines = [];
      });

      it('writes one info line per request with method, path, status and milliseconds', async () => {
        const token = await app.inject({ method: 'POST', url: '/users/getToken', payload: { imp_key: h.apiKey, imp_secret: h.apiSecret } });
        expect(token.statusCode).toBe(200);
        const missing = await app.inject({ method: 'GET', url: '/payments/imp_000000000000?include_sandbox=true', headers: { authorization: token.json().response.access_token } });
        expect(missing.statusCode).toBe(404);

        expect(lines).toHaveLength(2);
        expect(lines[0]).toMatchObject({ level: 30, method: 'POST', url: '/users/getToken', status: 200, msg: expect.stringMatching(/^POST \/users\/getToken 200 [\d.]+ms$/) });
        // The query string stays out of the log.
        expect(lines[1]).toMatchObject({ level: 30, method: 'GET', url: '/payments/imp_000000000000', status: 404 });
        for (const line of lines) {
          expect(typeof line.ms).toBe('number');
          expect(line.ms as number).toBeGreaterThanOrEqual(0);
        }
        expect(JSON.stringify(lines)).not.toContain(h.apiSecret);
      });

      it('writes no line for the static scripts and assets', async () => {
        for (const url of ['/v1/iamport.js', '/v1/iamport.d.ts', '/assets/checkout-window.js']) {
          const res = await app.inject({ method: 'GET', url });
          expect(res.statusCode, url).toBe(200);
        }
        const health = await app.inject({ method: 'GET', url: '/health' });
        expect(health.statusCode).toBe(200);
        expect(lines.map((line) => line.url)).toEqual(['/health']);
      });

      it('logs refused requests too, with their status', async () => {
        const res = await app.inject({ method: 'GET', url: '/payments/imp_%00' });
        expect(res.statusCode).toBe(400);
        expect(lines).toEqual([expect.objectContaining({ method: 'GET', url: '/payments/imp_%00', status: 400 })]);
      });
    });
  },
  { per: 'file' },
);
