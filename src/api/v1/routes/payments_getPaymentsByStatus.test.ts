import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test/support/databases';
import { createGatewayHarness, type GatewayHarness } from '../../../../test/support/gateway-harness';
import { v1SchemaErrors } from '../../../../test/support/openapi';

const SPEC_PATH = '/payments/status/{payment_status}';
const DAY = 24 * 60 * 60 * 1000;

forEachDatabase((_name, getStore) => {
  describe('GET /payments/status/{payment_status}', () => {
    let h: GatewayHarness;
    let token: string;
    let t0: number;
    const seeded: Record<string, string> = {};
    const sec = (ms: number) => Math.floor(ms / 1000);
    beforeAll(async () => {
      h = await createGatewayHarness(getStore());
      token = await h.token();
      t0 = h.clock.now().getTime();
      // Started 10 days ago, paid now: a `paid` list looks at paid_at, so it is in a window of today only.
      h.clock.set(t0 - 10 * DAY);
      const startedLong = h.clock.now();
      h.clock.set(t0);
      seeded.paidLate = (await h.seedPayment({ merchantUid: 'paidlate', startedAt: startedLong })).impUid;
      // Started and failed 5 days ago.
      h.clock.set(t0 - 5 * DAY);
      seeded.failedOld = (await h.seedPayment({ merchantUid: 'failedold', status: 'failed' })).impUid;
      // Started and paid 2 days ago, then a ready one now, then one 100 days ago.
      h.clock.set(t0 - 2 * DAY);
      seeded.paidRecent = (await h.seedPayment({ merchantUid: 'paidrecent' })).impUid;
      h.clock.set(t0);
      seeded.readyNow = (await h.seedPayment({ merchantUid: 'readynow', status: 'ready' })).impUid;
      seeded.ancient = (await h.seedPayment({ merchantUid: 'ancient', status: 'ready', startedAt: new Date(t0 - 100 * DAY) })).impUid;
    });
    afterAll(async () => h.close());

    const get = (url: string) => h.app.inject({ method: 'GET', url, headers: { Authorization: token } });
    const uids = (res: { json(): { response: { list: { imp_uid: string }[] } } }) => res.json().response.list.map((p) => p.imp_uid);

    it('lists all payments of the last 90 days by start, newest first, in the V1 paged shape', async () => {
      const res = await get('/payments/status/all');
      expect(res.statusCode).toBe(200);
      expect(v1SchemaErrors('get', SPEC_PATH, 200, res.json())).toEqual([]);
      expect(res.json().response).toMatchObject({ total: 4, previous: 0, next: 0 });
      expect(uids(res)).toEqual([seeded.readyNow, seeded.paidRecent, seeded.failedOld, seeded.paidLate]);
    });

    it("windows each status by its own time: paid by paid_at, failed by failed_at, ready by started_at", async () => {
      const today = `from=${sec(t0 - DAY)}&to=${sec(t0)}`;
      expect(uids(await get(`/payments/status/paid?${today}`))).toEqual([seeded.paidLate]);
      expect(uids(await get(`/payments/status/all?${today}`))).toEqual([seeded.readyNow]);
      expect(uids(await get(`/payments/status/ready?${today}`))).toEqual([seeded.readyNow]);
      expect(uids(await get(`/payments/status/failed?from=${sec(t0 - 6 * DAY)}&to=${sec(t0 - 4 * DAY)}`))).toEqual([seeded.failedOld]);
      expect(uids(await get(`/payments/status/paid?sorting=paid`))).toEqual([seeded.paidRecent, seeded.paidLate]);
      const cancelled = await get('/payments/status/cancelled');
      expect(cancelled.json().response).toEqual({ total: 0, previous: 0, next: 0, list: [] });
      expect(uids(await get(`/payments/status/ready?from=${sec(t0 - 100 * DAY)}&to=${sec(t0 - 99 * DAY)}`))).toEqual([seeded.ancient]);
    });

    it('pages with limit and page', async () => {
      const page2 = await get('/payments/status/all?limit=3&page=2');
      expect(page2.json().response).toMatchObject({ total: 4, previous: 1, next: 0 });
      expect(uids(page2)).toEqual([seeded.paidLate]);
      expect((await get('/payments/status/all?limit=1000')).statusCode).toBe(200);
    });

    it('answers 400 naming the field for a bad status, page out of range, limit over 1000 or a window over 90 days', async () => {
      for (const [url, field] of [
        ['/payments/status/refunded', 'payment_status'],
        ['/payments/status/all?page=3&limit=3', 'page'],
        ['/payments/status/all?limit=1001', 'limit'],
        ['/payments/status/all?limit=0', 'limit'],
        [`/payments/status/all?from=${sec(t0 - 91 * DAY)}&to=${sec(t0)}`, 'from'],
        [`/payments/status/all?from=${sec(t0)}&to=${sec(t0 - DAY)}`, 'from'],
        ['/payments/status/all?from=yesterday', 'from'],
        ['/payments/status/all?from=100000000000000000000', 'from'],
        ['/payments/status/all?to=253402300800', 'to'],
        ['/payments/status/all?page=100000000000000000000', 'page'],
      ] as const) {
        const res = await get(url);
        expect(res.statusCode, url).toBe(400);
        expect(res.json().message, url).toContain(field);
        expect(v1SchemaErrors('get', SPEC_PATH, 400, res.json())).toEqual([]);
      }
    });
  });
}, { per: 'file' });
