import { expect, it } from 'vitest';
import type { Payment } from '../domain/payment';
import { forEachDatabase } from '../../test/support/databases';
import { accepted, applied, at, newPaymentInput, paymentEvents as ev, seedStore } from './test-fixtures';
import type { Repositories, Store } from './types';

/**
 * The merchant_uid claim: at most one payment of an order may be asking the PG, waiting for an
 * unknown outcome, or paid. The per-store unique index enforces it; `apply` reports a lost claim
 * as `{ ok: false, reason: 'claim' }` and changes nothing.
 */

async function twoWindows(store: Store, merchantUid = 'order-claim') {
  const { store: s, channel } = await seedStore(store);
  const first = await store.payments.insert(newPaymentInput(s.id, channel.id, { merchantUid }));
  const second = await store.payments.insert(newPaymentInput(s.id, channel.id, { merchantUid, startedAt: at(1) }));
  return { storeId: s.id, channelId: channel.id, first, second };
}

/** Decides and applies an approval request; the apply result as it is. */
function requestApproval(repos: Repositories, payment: Payment, pgTid: string, when: Date) {
  return repos.payments.apply(payment.storeId, payment.id, accepted(payment, ev.requested(pgTid, when)));
}

forEachDatabase((db, getStore, { connectAgain }) => {
  it('takes the claim with the approval request, once', async () => {
    const store = getStore();
    const { storeId, first } = await twoWindows(store);
    expect(await store.payments.findClaim(storeId, first.merchantUid)).toBeNull();

    const decision = accepted(first, ev.requested('tid-1', at(1_000)));
    const claimed = await store.payments.apply(storeId, first.id, decision);
    const expected: Payment = {
      ...first,
      approvalState: 'requested',
      pgTid: 'tid-1',
      pgAuthSealed: 'sealed:tid-1',
      approvalRequestedAt: at(1_000),
      reconcileAfter: at(31_000),
      reconcileAttempts: 0,
      updatedAt: at(1_000),
    };
    expect(claimed).toEqual({ ok: true, payment: expected, events: [] });
    expect(await store.payments.findById(storeId, first.id)).toEqual(expected);
    expect(await store.payments.findClaim(storeId, first.merchantUid)).toEqual(expected);

    // The same decision again: the payment is no longer in the state it was made from.
    expect(await store.payments.apply(storeId, first.id, decision)).toEqual({ ok: false, reason: 'state' });
    expect(await store.payments.findById(storeId, first.id)).toEqual(expected);
  });

  for (const [state, settle] of [
    ['requested', null],
    ['unknown', () => ev.unknown(null, at(2_000))],
    ['paid', (p: Payment) => ev.approved(p.pgTid ?? '', at(2_000))],
  ] as const) {
    it(`refuses a second payment of the order the claim while the first is ${state}, changing nothing`, async () => {
      const store = getStore();
      const { storeId, first, second } = await twoWindows(store);
      let holder = await applied(store, first, ev.requested('tid-1', at(1_000)));
      if (settle) holder = await applied(store, holder, settle(holder));
      expect(holder.approvalState).toBe(state === 'paid' ? 'approved' : state);

      expect(await requestApproval(store, second, 'tid-2', at(3_000))).toEqual({ ok: false, reason: 'claim' });
      expect(await store.payments.findById(storeId, second.id)).toEqual(second);
      expect(await store.payments.findClaim(storeId, first.merchantUid)).toEqual(holder);
      expect(await store.payments.eventsOf(storeId, second.id)).toEqual([]);
    });
  }

  for (const verified of [true, false]) {
    it(`releases the claim on a ${verified ? 'signed' : 'bare, unsigned'} decline so another payment can take it`, async () => {
      const store = getStore();
      const { storeId, first, second } = await twoWindows(store);
      const requested = await applied(store, first, ev.requested('tid-1', at(1_000)));
      const failed = await applied(store, requested, ev.declined(verified ? 'tid-1' : null, at(2_000), verified));
      expect(failed).toMatchObject({ status: 'failed', approvalState: 'declined', approvalUnverified: !verified });
      expect(await store.payments.findClaim(storeId, first.merchantUid)).toBeNull();

      const taken = await requestApproval(store, second, 'tid-2', at(3_000));
      expect(taken).toMatchObject({ ok: true, payment: { id: second.id, approvalState: 'requested', pgTid: 'tid-2' } });
      expect((await store.payments.findClaim(storeId, first.merchantUid))?.id).toBe(second.id);
    });
  }

  it('never gives the claim to an abandoned attempt', async () => {
    const store = getStore();
    const { storeId, first, second } = await twoWindows(store);
    await applied(store, first, ev.abandoned(at(1_000)));
    expect(await store.payments.findClaim(storeId, first.merchantUid)).toBeNull();
    expect(await requestApproval(store, second, 'tid-2', at(2_000))).toMatchObject({ ok: true });
  });

  it('keeps a late approval of an unsigned decline from paying an order another payment holds now', async () => {
    const store = getStore();
    const { storeId, first, second } = await twoWindows(store);
    const requested = await applied(store, first, ev.requested('tid-1', at(1_000)));
    const unverified = await applied(store, requested, ev.declined(null, at(2_000), false));
    const secondPaid = await applied(store, await applied(store, second, ev.requested('tid-2', at(3_000))), ev.approved('tid-2', at(4_000)));

    // The double-check finds the first approval after all: the state machine allows it, the claim does not.
    expect(await store.payments.apply(storeId, first.id, accepted(unverified, ev.approved('tid-1', at(5_000))))).toEqual({ ok: false, reason: 'claim' });
    expect(await store.payments.findById(storeId, first.id)).toEqual(unverified);
    expect(await store.payments.findClaim(storeId, first.merchantUid)).toEqual(secondPaid);
    // Its decline's event stays the only one: the refused approval wrote none.
    expect((await store.payments.eventsOf(storeId, first.id)).map((e) => e.type)).toEqual(['payment.failed']);
  });

  it('refuses an approval learned outside the window when another payment holds the order', async () => {
    const store = getStore();
    const { storeId, first, second } = await twoWindows(store);
    await applied(store, first, ev.requested('tid-1', at(1_000)));
    expect(await store.payments.apply(storeId, second.id, accepted(second, ev.approved('tid-x', at(2_000))))).toEqual({ ok: false, reason: 'claim' });
    expect(await store.payments.findById(storeId, second.id)).toEqual(second);
    expect(await store.payments.eventsOf(storeId, second.id)).toEqual([]);
  });

  it('claims one merchant_uid once per store', async () => {
    const store = getStore();
    const a = await twoWindows(store, 'shared-order');
    const b = await twoWindows(store, 'shared-order');
    expect(await requestApproval(store, a.first, 'tid-a', at(1))).toMatchObject({ ok: true });
    expect(await requestApproval(store, b.first, 'tid-b', at(1))).toMatchObject({ ok: true });
    expect((await store.payments.findClaim(a.storeId, 'shared-order'))?.id).toBe(a.first.id);
    expect((await store.payments.findClaim(b.storeId, 'shared-order'))?.id).toBe(b.first.id);
  });

  it('lets exactly one of three concurrent claims win', async () => {
    const store = getStore();
    for (let round = 0; round < 10; round++) {
      const { storeId, channelId, first, second } = await twoWindows(store, `order-race-${round}`);
      const third = await store.payments.insert(newPaymentInput(storeId, channelId, { merchantUid: first.merchantUid }));
      const candidates = [first, second, third];
      const results = await Promise.all(candidates.map((p) => requestApproval(store, p, `tid-${p.id}`, at(1))));
      expect(results.map((r) => (r.ok ? 'ok' : r.reason)).sort()).toEqual(['claim', 'claim', 'ok']);
      const winner = candidates[results.findIndex((r) => r.ok)];
      expect((await store.payments.findClaim(storeId, first.merchantUid))?.id).toBe(winner.id);
      for (const loser of candidates.filter((p) => p !== winner)) expect(await store.payments.findById(storeId, loser.id)).toEqual(loser);
    }
  });

  it('keeps a transaction usable after a lost claim, and rolls a claim back with it', async () => {
    const store = getStore();
    const { storeId, first, second } = await twoWindows(store);
    const requested = await applied(store, first, ev.requested('tid-1', at(1)));
    const found = await store.transaction(async (repos) => {
      expect(await requestApproval(repos, second, 'tid-2', at(2))).toEqual({ ok: false, reason: 'claim' });
      return repos.payments.findById(storeId, second.id); // would fail on PostgreSQL without a savepoint
    });
    expect(found).toEqual(second);

    await applied(store, requested, ev.declined('tid-1', at(3)));
    await expect(
      store.transaction(async (repos) => {
        expect(await requestApproval(repos, second, 'tid-2', at(4))).toMatchObject({ ok: true });
        throw new Error('connector blew up');
      }),
    ).rejects.toThrow('connector blew up');
    expect(await store.payments.findById(storeId, second.id)).toEqual(second);
    expect(await store.payments.findClaim(storeId, first.merchantUid)).toBeNull();
  });

  it.runIf(db === 'postgres')('lets exactly one claim win across two connection pools', async () => {
    const a = getStore();
    const b = await connectAgain();
    for (let round = 0; round < 10; round++) {
      const { first, second } = await twoWindows(a, `order-pools-${round}`);
      const results = await Promise.all([requestApproval(a, first, 'tid-a', at(1)), requestApproval(b, second, 'tid-b', at(1))]);
      expect(results.map((r) => (r.ok ? 'ok' : r.reason)).sort()).toEqual(['claim', 'ok']);
    }
  });

  it.runIf(db === 'postgres')('makes a competing claim wait for an open transaction, then lose or win', async () => {
    const a = getStore();
    const b = await connectAgain();
    const { first, second } = await twoWindows(a);
    // Committed: b waits for a's transaction and then loses.
    let bResult: ReturnType<typeof requestApproval> | null = null;
    await a.transaction(async (repos) => {
      expect(await requestApproval(repos, first, 'tid-a', at(1))).toMatchObject({ ok: true });
      bResult = requestApproval(b, second, 'tid-b', at(1));
      let settled = false;
      void bResult.then(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(settled).toBe(false);
    });
    expect(await bResult).toEqual({ ok: false, reason: 'claim' });

    // Rolled back: b waits and then wins.
    const { storeId: s2, first: f2, second: g2 } = await twoWindows(a, 'order-rollback');
    let bResult2: ReturnType<typeof requestApproval> | null = null;
    await expect(
      a.transaction(async (repos) => {
        expect(await requestApproval(repos, f2, 'tid-a', at(1))).toMatchObject({ ok: true });
        bResult2 = requestApproval(b, g2, 'tid-b', at(1));
        await new Promise((resolve) => setTimeout(resolve, 100));
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(await bResult2).toMatchObject({ ok: true });
    expect((await b.payments.findClaim(s2, f2.merchantUid))?.id).toBe(g2.id);
  });
});
