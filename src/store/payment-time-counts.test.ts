import { expect, it } from 'vitest';
import { forEachDatabase } from '../../test/support/databases';
import type { Payment } from '../domain/payment';
import { HOUR_MS } from './migrations/0018_payment_time_counts';
import { applied, newPaymentInput, paymentEvents as ev, seedStore } from './test-fixtures';
import type { PaymentSorting, PaymentTimeBasis, Store } from './types';

const BASIS: Record<string, PaymentTimeBasis> = { all: 'started_at', ready: 'started_at', paid: 'paid_at', failed: 'failed_at', cancelled: 'cancelled_at' };
const SORT: Record<PaymentSorting, { key: 'startedAt' | 'paidAt' | 'updatedAt'; desc: boolean }> = {
  '-started': { key: 'startedAt', desc: true },
  started: { key: 'startedAt', desc: false },
  '-paid': { key: 'paidAt', desc: true },
  paid: { key: 'paidAt', desc: false },
  '-updated': { key: 'updatedAt', desc: true },
  updated: { key: 'updatedAt', desc: false },
};
const basisOf = (p: Payment, status: string): number | null => {
  const t = { started_at: p.startedAt, paid_at: p.paidAt, failed_at: p.failedAt, cancelled_at: p.cancelledAt }[BASIS[status]!];
  return t ? t.getTime() : null;
};

/** What a list must answer, worked out from the payments themselves. */
function expected(all: Payment[], status: string, fromMs: number, toMs: number, includeSandbox: boolean, sorting: PaymentSorting, offset: number, limit: number) {
  const matching = all.filter((p) => {
    const t = basisOf(p, status);
    return (status === 'all' || p.status === status) && (includeSandbox || !p.sandbox) && t !== null && t >= fromMs && t < toMs;
  });
  const { key, desc } = SORT[sorting];
  matching.sort((a, b) => {
    const x = a[key]?.getTime() ?? null;
    const y = b[key]?.getTime() ?? null;
    if (x !== y) {
      if (x === null) return 1; // unset times last, both ways
      if (y === null) return -1;
      return desc ? y - x : x - y;
    }
    return desc ? b.id - a.id : a.id - b.id;
  });
  return { total: matching.length, impUids: matching.slice(offset, offset + limit).map((p) => p.impUid) };
}

/** A store with payments over ~40 hours: ready, paid (some paid hours after they started), failed, in both test modes. */
async function seed(store: Store, count: number) {
  const { store: merchant, channel } = await seedStore(store);
  const base = Date.UTC(2026, 5, 1, 0, 30, 0);
  const payments: Payment[] = [];
  let seedValue = 7;
  const random = () => ((seedValue = (seedValue * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < count; i++) {
    const startedAt = new Date(base + Math.floor(random() * 40 * HOUR_MS));
    let p = await store.payments.insert(newPaymentInput(merchant.id, channel.id, { merchantUid: `o${i}`, startedAt, sandbox: random() < 0.3 }));
    const r = random();
    if (r < 0.6) {
      p = await applied(store, p, ev.requested(`t${p.id}`, startedAt));
      p = await applied(store, p, ev.approved(`t${p.id}`, new Date(startedAt.getTime() + Math.floor(random() * 5 * HOUR_MS))));
    } else if (r < 0.8) {
      p = await applied(store, p, ev.requested(`t${p.id}`, startedAt));
      p = await applied(store, p, ev.declined(`t${p.id}`, new Date(startedAt.getTime() + 60_000)));
    }
    payments.push(p);
  }
  return { storeId: merchant.id, payments, base };
}

forEachDatabase((_db, getStore) => {
  it('answers every list as the payments themselves say — totals, pages, windows, sortings, test payments — folded or not', async () => {
    const store = getStore();
    const { storeId, payments, base } = await seed(store, 160);
    const windows = [
      [base - 10 * HOUR_MS, base + 60 * HOUR_MS], // holds everything
      [base + 5 * HOUR_MS + 17 * 60_000, base + 20 * HOUR_MS + 3_000], // partial hours at both edges
      [base + 7 * HOUR_MS + 60_000, base + 7 * HOUR_MS + 40 * 60_000], // inside one hour
    ] as const;
    const check = async () => {
      for (const status of ['all', 'ready', 'paid', 'failed'] as const) {
        for (const [fromMs, toMs] of windows) {
          for (const sorting of ['-started', 'started', '-paid', 'paid', '-updated'] as const) {
            for (const includeSandbox of [true, false]) {
              for (const offset of [0, 7, 45, 150]) {
                const want = expected(payments, status, fromMs, toMs, includeSandbox, sorting, offset, 10);
                const got = await store.payments.listByStatus(storeId, { status, basis: BASIS[status]!, from: new Date(fromMs), to: new Date(toMs), includeSandbox }, { sorting, offset, limit: 10 });
                expect({ total: got.total, impUids: got.payments.map((p) => p.impUid) }, `${status} ${fromMs}-${toMs} ${sorting} sandbox=${includeSandbox} offset=${offset}`).toEqual(want);
              }
            }
          }
        }
      }
    };
    expect(new Set(payments.map((p) => `${p.status} ${p.sandbox}`)).size).toBe(6); // ready, paid, failed, each live and test
    await check(); // every change still a delta
    let folded = 0;
    for (let n = await store.payments.foldTimeCounts(50); n > 0; n = await store.payments.foldTimeCounts(50)) folded += n;
    expect(folded).toBeGreaterThan(0);
    await check(); // all folded
    expect(await store.payments.foldTimeCounts(50)).toBe(0);
  });
});
