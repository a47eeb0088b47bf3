import { expect, it } from 'vitest';
import { forEachDatabase } from '../../test/support/databases';
import { SAMPLE_CARD, T0, at, newPaymentInput, seedStore } from './test-fixtures';
import type { ApprovalOutcome, Store } from './types';

async function twoWindows(store: Store, merchantUid = 'order-claim') {
  const { store: s, channel } = await seedStore(store);
  const first = await store.payments.insert(newPaymentInput(s.id, channel.id, { merchantUid }));
  const second = await store.payments.insert(newPaymentInput(s.id, channel.id, { merchantUid, startedAt: at(1) }));
  return { storeId: s.id, channelId: channel.id, first, second };
}

const approved: ApprovalOutcome = { kind: 'approved', pgTid: 'tid-approved', paidAt: at(5_000), card: SAMPLE_CARD, receiptUrl: 'https://pg.example/receipt/1' };
const declined: ApprovalOutcome = { kind: 'declined', pgTid: 'tid-declined', failCode: '3011', failReason: '한도초과', failedAt: at(5_000) };
const unknown: ApprovalOutcome = { kind: 'unknown', pgTid: null, note: 'approval timed out' };

forEachDatabase((db, getStore, { connectAgain }) => {
  it('claims once: ready + none → requested, merchant_uid claimed', async () => {
    const store = getStore();
    const { storeId, first } = await twoWindows(store);
    expect(await store.payments.findClaim(storeId, first.merchantUid)).toBeNull();
    expect(await store.payments.claimForApproval(storeId, first.id, 'tid-1', at(1_000))).toBe(true);
    const claimed = await store.payments.findById(storeId, first.id);
    expect(claimed).toEqual({ ...first, approvalState: 'requested', pgTid: 'tid-1', updatedAt: at(1_000) });
    expect(await store.payments.findClaim(storeId, first.merchantUid)).toEqual(claimed);
    expect(await store.payments.claimForApproval(storeId, first.id, 'tid-again', at(2_000))).toBe(false);
    expect((await store.payments.findById(storeId, first.id))?.pgTid).toBe('tid-1');
  });

  it('does not claim a missing, failed or paid payment', async () => {
    const store = getStore();
    const { storeId, first } = await twoWindows(store);
    expect(await store.payments.claimForApproval(storeId, 123_456, 'tid', T0)).toBe(false);
    await store.payments.markFailed(storeId, first.id, { failCode: 'F', failReason: 'gave up', failedAt: T0 });
    expect(await store.payments.claimForApproval(storeId, first.id, 'tid', T0)).toBe(false);
  });

  for (const [state, outcome] of [['requested', null], ['unknown', unknown], ['paid', approved]] as const) {
    it(`blocks a second window while the first is ${state}`, async () => {
      const store = getStore();
      const { storeId, first, second } = await twoWindows(store);
      expect(await store.payments.claimForApproval(storeId, first.id, 'tid-1', at(1_000))).toBe(true);
      if (outcome) expect(await store.payments.recordApprovalOutcome(storeId, first.id, outcome, at(2_000))).not.toBeNull();
      expect(await store.payments.claimForApproval(storeId, second.id, 'tid-2', at(3_000))).toBe(false);
      const untouched = await store.payments.findById(storeId, second.id);
      expect(untouched).toEqual(second);
      expect((await store.payments.findClaim(storeId, first.merchantUid))?.id).toBe(first.id);
    });
  }

  it('lets a second window claim after the first was declined', async () => {
    const store = getStore();
    const { storeId, first, second } = await twoWindows(store);
    await store.payments.claimForApproval(storeId, first.id, 'tid-1', at(1_000));
    await store.payments.recordApprovalOutcome(storeId, first.id, declined, at(2_000));
    expect(await store.payments.findClaim(storeId, first.merchantUid)).toBeNull();
    expect(await store.payments.claimForApproval(storeId, second.id, 'tid-2', at(3_000))).toBe(true);
    expect((await store.payments.findClaim(storeId, first.merchantUid))?.id).toBe(second.id);
  });

  it('records approved', async () => {
    const store = getStore();
    const { storeId, first } = await twoWindows(store);
    await store.payments.claimForApproval(storeId, first.id, 'tid-1', at(1_000));
    const paid = await store.payments.recordApprovalOutcome(storeId, first.id, approved, at(6_000));
    expect(paid).toEqual({
      ...first,
      status: 'paid',
      approvalState: 'approved',
      pgTid: 'tid-approved',
      paidAt: at(5_000),
      card: SAMPLE_CARD,
      receiptUrl: 'https://pg.example/receipt/1',
      updatedAt: at(6_000),
    });
    expect(await store.payments.findById(storeId, first.id)).toEqual(paid);
    expect(await store.payments.findClaim(storeId, first.merchantUid)).toEqual(paid);
  });

  it('records declined (keeping the claimed pg_tid when none is given)', async () => {
    const store = getStore();
    const { storeId, first, second } = await twoWindows(store);
    await store.payments.claimForApproval(storeId, first.id, 'tid-1', at(1_000));
    const failed = await store.payments.recordApprovalOutcome(storeId, first.id, declined, at(6_000));
    expect(failed).toEqual({
      ...first,
      status: 'failed',
      approvalState: 'declined',
      pgTid: 'tid-declined',
      failCode: '3011',
      failReason: '한도초과',
      failedAt: at(5_000),
      updatedAt: at(6_000),
    });
    await store.payments.claimForApproval(storeId, second.id, 'tid-2', at(7_000));
    const failed2 = await store.payments.recordApprovalOutcome(storeId, second.id, { ...declined, pgTid: null }, at(8_000));
    expect(failed2?.pgTid).toBe('tid-2');
  });

  it('records unknown (status stays ready, claim kept, note in fail_reason)', async () => {
    const store = getStore();
    const { storeId, first } = await twoWindows(store);
    await store.payments.claimForApproval(storeId, first.id, 'tid-1', at(1_000));
    const pending = await store.payments.recordApprovalOutcome(storeId, first.id, unknown, at(6_000));
    expect(pending).toEqual({ ...first, approvalState: 'unknown', pgTid: 'tid-1', failReason: 'approval timed out', updatedAt: at(6_000) });
    expect((await store.payments.findClaim(storeId, first.merchantUid))?.id).toBe(first.id);
  });

  it('records an outcome only from requested', async () => {
    const store = getStore();
    const { storeId, first, second } = await twoWindows(store);
    // none
    expect(await store.payments.recordApprovalOutcome(storeId, first.id, approved, at(1))).toBeNull();
    expect(await store.payments.findById(storeId, first.id)).toEqual(first);
    // approved, declined, unknown: a second outcome is refused
    await store.payments.claimForApproval(storeId, first.id, 'tid-1', at(1_000));
    await store.payments.recordApprovalOutcome(storeId, first.id, approved, at(2_000));
    for (const outcome of [approved, declined, unknown]) {
      expect(await store.payments.recordApprovalOutcome(storeId, first.id, outcome, at(3_000))).toBeNull();
    }
    expect((await store.payments.findById(storeId, first.id))?.status).toBe('paid');
    // missing payment
    expect(await store.payments.recordApprovalOutcome(storeId, 987_654, approved, at(1))).toBeNull();
    // after declined / unknown
    const { first: d } = await twoWindows(store, 'order-d');
    await store.payments.claimForApproval(d.storeId, d.id, 't', at(1));
    await store.payments.recordApprovalOutcome(d.storeId, d.id, declined, at(2));
    expect(await store.payments.recordApprovalOutcome(d.storeId, d.id, approved, at(3))).toBeNull();
    const { first: u } = await twoWindows(store, 'order-u');
    await store.payments.claimForApproval(u.storeId, u.id, 't', at(1));
    await store.payments.recordApprovalOutcome(u.storeId, u.id, unknown, at(2));
    expect(await store.payments.recordApprovalOutcome(u.storeId, u.id, approved, at(3))).toBeNull();
    expect(second.status).toBe('ready');
  });

  it('lets exactly one of two concurrent claims win', async () => {
    const store = getStore();
    for (let round = 0; round < 10; round++) {
      const { storeId, channelId, first, second } = await twoWindows(store, `order-race-${round}`);
      const third = await store.payments.insert(newPaymentInput(storeId, channelId, { merchantUid: first.merchantUid }));
      const results = await Promise.all([first, second, third].map((p) => store.payments.claimForApproval(storeId, p.id, `tid-${p.id}`, at(1))));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = [first, second, third][results.indexOf(true)];
      expect((await store.payments.findClaim(storeId, first.merchantUid))?.id).toBe(winner.id);
    }
  });

  it('keeps a transaction usable after a lost claim, and rolls a claim back with it', async () => {
    const store = getStore();
    const { storeId, first, second } = await twoWindows(store);
    await store.payments.claimForApproval(storeId, first.id, 'tid-1', at(1));
    const found = await store.transaction(async (repos) => {
      expect(await repos.payments.claimForApproval(storeId, second.id, 'tid-2', at(2))).toBe(false);
      return repos.payments.findById(storeId, second.id); // would fail on PostgreSQL without a savepoint
    });
    expect(found).toEqual(second);

    await store.payments.recordApprovalOutcome(storeId, first.id, declined, at(3));
    await expect(
      store.transaction(async (repos) => {
        expect(await repos.payments.claimForApproval(storeId, second.id, 'tid-2', at(4))).toBe(true);
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
      const { storeId, first, second } = await twoWindows(a, `order-pools-${round}`);
      const results = await Promise.all([
        a.payments.claimForApproval(storeId, first.id, 'tid-a', at(1)),
        b.payments.claimForApproval(storeId, second.id, 'tid-b', at(1)),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
    }
  });

  it.runIf(db === 'postgres')('makes a competing claim wait for an open transaction, then lose or win', async () => {
    const a = getStore();
    const b = await connectAgain();
    const { storeId, first, second } = await twoWindows(a);
    // Committed: b waits for a's transaction and then loses.
    let bResult: Promise<boolean> | null = null;
    await a.transaction(async (repos) => {
      expect(await repos.payments.claimForApproval(storeId, first.id, 'tid-a', at(1))).toBe(true);
      bResult = b.payments.claimForApproval(storeId, second.id, 'tid-b', at(1));
      let settled = false;
      void bResult.then(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(settled).toBe(false);
    });
    expect(await bResult).toBe(false);

    // Rolled back: b waits and then wins.
    const { storeId: s2, first: f2, second: g2 } = await twoWindows(a, 'order-rollback');
    let bResult2: Promise<boolean> | null = null;
    await expect(
      a.transaction(async (repos) => {
        expect(await repos.payments.claimForApproval(s2, f2.id, 'tid-a', at(1))).toBe(true);
        bResult2 = b.payments.claimForApproval(s2, g2.id, 'tid-b', at(1));
        await new Promise((resolve) => setTimeout(resolve, 100));
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(await bResult2).toBe(true);
    expect((await b.payments.findClaim(s2, f2.merchantUid))?.id).toBe(g2.id);
  });
});
