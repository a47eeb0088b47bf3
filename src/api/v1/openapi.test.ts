import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachDatabase } from '../../../test/support/databases';
import { createGatewayHarness, type GatewayHarness } from '../../../test/support/gateway-harness';
import { hasChromium, launchBrowser } from '../../../test/support/browser';

interface Operation {
  tags?: string[];
  security?: unknown[];
  responses: Record<string, unknown>;
}
interface Document {
  openapi: string;
  info: { title: string; version: string };
  servers: { url: string }[];
  components: { securitySchemes: Record<string, unknown> };
  security: unknown[];
  paths: Record<string, Record<string, Operation>>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** The /gyeol/ operations docs/gyeol-openapi.json describes (with their answers' shapes). */
const gyeolSpec = JSON.parse(readFileSync(path.resolve('docs/gyeol-openapi.json'), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
const gyeolOperations = Object.entries(gyeolSpec.paths).flatMap(([p, item]) =>
  Object.keys(item).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${p}`),
);

forEachDatabase((_name, getStore) => {
  describe('GET /openapi.json and /docs', () => {
    let h: GatewayHarness;
    let doc: Document;
    beforeAll(async () => {
      h = await createGatewayHarness(getStore());
      doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json() as Document;
    });
    afterAll(async () => h.close());

    it('answers an OpenAPI 3 document without a token, with servers and the token header as security', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/openapi.json' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(doc.openapi).toBe('3.1.0');
      expect(doc.info.version).toBe('1');
      expect(doc.servers).toHaveLength(1);
      expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['bearer', 'impTokenHeader']);
      expect(doc.security).toEqual([{ bearer: [] }, { impTokenHeader: [] }]);
    });

    it('lists every V1 route and gyeol extension, each operation with a tag and responses, and nothing internal', () => {
      const operations = Object.entries(doc.paths).flatMap(([p, item]) =>
        Object.entries(item).filter(([m]) => METHODS.includes(m)).map(([m, op]) => ({ key: `${m.toUpperCase()} ${p}`, path: p, method: m, op })),
      );
      expect(operations.map((o) => o.key).sort()).toEqual(
        [
          'POST /users/getToken',
          'GET /users/pg',
          'GET /payments/{imp_uid}',
          'GET /payments/find/{merchant_uid}',
          'GET /payments/find/{merchant_uid}/{payment_status}',
          'GET /payments/findAll/{merchant_uid}',
          'GET /payments/findAll/{merchant_uid}/{payment_status}',
          'GET /payments',
          'GET /payments/status/{payment_status}',
          'GET /payments/{imp_uid}/balance',
          'POST /payments/prepare',
          'PUT /payments/prepare',
          'GET /payments/prepare/{merchant_uid}',
          'POST /payments/cancel',
          'GET /subscribe/customers/{customer_uid}',
          'DELETE /subscribe/customers/{customer_uid}',
          'GET /subscribe/customers',
          'POST /subscribe/payments/again',
          'GET /subscribe/customers/{customer_uid}/payments',
          'POST /subscribe/payments/schedule',
          'POST /subscribe/payments/unschedule',
          'GET /subscribe/payments/schedule',
          'GET /subscribe/payments/schedule/{merchant_uid}',
          'PUT /subscribe/payments/schedule/{merchant_uid}',
          'POST /subscribe/payments/schedule/{merchant_uid}/reschedule',
          'POST /subscribe/payments/schedule/{merchant_uid}/retry',
          'GET /subscribe/payments/schedule/customers/{customer_uid}',
          'GET /subscribe/customers/{customer_uid}/schedules',
          'DELETE /vbanks/{imp_uid}',
          'GET /banks',
          'GET /banks/{code}',
          'GET /cards',
          'GET /cards/{code}',
          'GET /receipts/{imp_uid}',
          'POST /receipts/{imp_uid}',
          'DELETE /receipts/{imp_uid}',
          'GET /receipts/external/{merchant_uid}',
          'POST /receipts/external/{merchant_uid}',
          'DELETE /receipts/external/{merchant_uid}',
          'POST /vbanks',
          'PUT /vbanks/{imp_uid}',
          'GET /vbanks/holder',
          'GET /escrows/logis/{imp_uid}',
          'POST /escrows/logis/{imp_uid}',
          'PUT /escrows/logis/{imp_uid}',
          ...gyeolOperations,
        ].sort(),
      );
      // The gyeol extensions are exactly the ones docs/gyeol-openapi.json describes, under the gyeol tag.
      expect(operations.filter((o) => o.path.startsWith('/gyeol/')).every((o) => o.op.tags?.[0] === 'gyeol')).toBe(true);
      expect(operations.map((o) => o.key)).toContain('GET /gyeol/webhooks/settings');
      expect(operations.map((o) => o.key)).toContain('PUT /gyeol/webhooks/settings');
      // Every documented operation is a route the gateway really has.
      for (const o of operations) {
        expect({ key: o.key, exists: h.app.hasRoute({ method: o.method.toUpperCase() as 'GET', url: o.path.replace(/\{(\w+)\}/g, ':$1') }) }).toEqual({ key: o.key, exists: true });
        expect({ key: o.key, tagged: (o.op.tags ?? []).length === 1, responds: Object.keys(o.op.responses).length > 0 }).toEqual({ key: o.key, tagged: true, responds: true });
      }
      expect(Object.keys(doc.paths).filter((p) => /^\/(checkout|pg|assets|v1|health|docs|openapi)/.test(p))).toEqual([]);
    });

    it("describes the shape of every operation's answer (V1's envelope and response; gyeol's from docs/gyeol-openapi.json)", () => {
      const undescribed = Object.entries(doc.paths)
        .flatMap(([p, item]) =>
          Object.entries(item)
            .filter(([m]) => METHODS.includes(m))
            .filter(([, op]) => {
              if (JSON.stringify(op.responses['200'] ?? {}).includes('#/components/schemas/')) return false;
              const ok = op.responses['200'] as { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> } | undefined;
              const props = ok?.content?.['application/json']?.schema?.properties ?? {};
              return !('code' in props && 'message' in props && 'response' in props);
            })
            .map(([m]) => `${m.toUpperCase()} ${p}`),
        );
      expect(undescribed).toEqual([]);
      const payment = doc.paths['/payments/{imp_uid}']!.get!.responses['200'] as { content: Record<string, { schema: { properties: { response: unknown } } }> };
      expect(JSON.stringify(payment.content['application/json']!.schema.properties.response)).toContain('cancel_history');
      // Every component an answer refers to is in the document.
      const refs = [...JSON.stringify(doc.paths).matchAll(/#\/components\/(\w+)\/(\w+)/g)].map((m) => `${m[1]}/${m[2]}`);
      const components = (doc as unknown as { components: Record<string, Record<string, unknown>> }).components;
      expect(refs.filter((r) => !components[r.split('/')[0]!]?.[r.split('/')[1]!])).toEqual([]);
      expect(refs.length).toBeGreaterThan(0);
    });

    it('documents getToken as the one operation needing no token', () => {
      const open = Object.entries(doc.paths).flatMap(([p, item]) =>
        Object.entries(item).filter(([, op]) => Array.isArray(op.security) && op.security.length === 0).map(([m]) => `${m} ${p}`),
      );
      expect(open).toEqual(['post /users/getToken']);
    });

    it('answers the interactive reference at /docs without a token, and the V1 404 envelope for a bad path under it', async () => {
      const page = await h.app.inject({ method: 'GET', url: '/docs' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.body).toContain('swagger-ui');
      const missing = await h.app.inject({ method: 'GET', url: '/docs/no-such-file.js' });
      expect(missing.statusCode).toBe(404);
      const unknown = await h.app.inject({ method: 'GET', url: '/no-such-route' });
      expect(unknown.statusCode).toBe(404);
      expect(missing.json()).toEqual(unknown.json());
      expect(missing.json()).toMatchObject({ code: -1, response: null });
    });
  });
}, { per: 'file' });

describe.skipIf(!hasChromium)('/docs in headless Chromium', () => {
  forEachDatabase((_name, getStore) => {
    it('renders the operation list from /openapi.json', async () => {
      const h = await createGatewayHarness(getStore());
      const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
      const browser = await launchBrowser();
      try {
        const page = await browser.newPage();
        await page.goto(`${address}/docs`);
        await page.locator('.opblock-summary-path', { hasText: '/users/getToken' }).first().waitFor();
        expect(await page.locator('.opblock-tag', { hasText: 'gyeol' }).count()).toBe(1);
      } finally {
        await browser.close();
        await h.close();
      }
    });
  });
});
