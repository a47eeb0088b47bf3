import { expect, it } from 'vitest';
import { MAX_MINOR_UNITS } from '../domain/money';
import { EMPTY_CARD, type Payment } from '../domain/payment';
import { forEachDatabase } from '../../test/support/databases';
import { isUniqueViolation } from './dialect';
import { SAMPLE_CARD, T0, at, newPaymentInput, seedStore } from './test-fixtures';
import type { Store } from './types';

async function setup(store: Store) {
  const a = await seedStore(store);
  const b = await seedStore(store);
  return { storeId: a.store.id, channelId: a.channel.id, other: { storeId: b.store.id, channelId: b.channel.id } };
}

forEachDatabase((_db, getStore) => {
  it('round-trips every field of a new payment', async () => {
    const store = getStore();
    const { storeId, channelId } = await setup(store);
    const input = newPaymentInput(storeId, channelId, {
      card: SAMPLE_CARD,
      sandbox: true,
      escrow: true,
      channel: 'mobile',
      payMethod: 'vbank',
      currency: 'USD',
      amount: 12_50,
      startedAt: new Date(1_767_225_600_987),
    });
    const saved = await store.payments.insert(input);
    const expected: Payment = {
      ...input,
      id: saved.id,
      card: SAMPLE_CARD,
      approvalState: 'none',
      cancelAmount: 0,
      pgTid: null,
      failReason: null,
      failCode: null,
      receiptUrl: null,
      paidAt: null,
      failedAt: null,
      cancelledAt: null,
      updatedAt: input.startedAt,
    };
    expect(saved).toEqual(expected);
    expect(typeof saved.id).toBe('number');
    expect(saved.sandbox).toBe(true);
    expect(saved.escrow).toBe(true);
    expect(saved.customData).toBe('{"b": 1,  "a": [true, null, "x"]}');
    expect(saved.startedAt).toBeInstanceOf(Date);
    expect(await store.payments.findById(storeId, saved.id)).toEqual(expected);
    expect(await store.payments.findByImpUid(storeId, input.impUid)).toEqual(expected);
    expect(await store.payments.findByMerchantUid(storeId, input.merchantUid)).toEqual(expected);
  });

  it('stores nulls and falsy values as they are', async () => {
    const store = getStore();
    const { storeId, channelId } = await setup(store);
    const input = newPaymentInput(storeId, channelId, {
      sandbox: false,
      escrow: false,
      name: null,
      buyerName: null,
      buyerEmail: null,
      buyerTel: null,
      buyerAddr: null,
      buyerPostcode: null,
      customData: null,
      noticeUrl: null,
      userAgent: null,
      amount: 0,
    });
    delete (input as { card?: unknown }).card;
    const saved = await store.payments.insert(input);
    expect(saved.card).toEqual(EMPTY_CARD);
    expect(saved).toMatchObject({ sandbox: false, escrow: false, name: null, customData: null, amount: 0, buyerName: null });
    expect(await store.payments.findById(storeId, saved.id)).toEqual(saved);
  });

  it('keeps amounts up to 999_999_999_999 exact', async () => {
    const store = getStore();
    const { storeId, channelId } = await setup(store);
    const saved = await store.payments.insert(newPaymentInput(storeId, channelId, { amount: MAX_MINOR_UNITS }));
    const found = await store.payments.findById(storeId, saved.id);
    expect(found!.amount).toBe(999_999_999_999);
    expect(typeof found!.amount).toBe('number');
    expect(found!.startedAt.getTime()).toBe(T0.getTime());
  });

  it('refuses a duplicate imp_uid and a missing channel', async () => {
    const store = getStore();
    const { storeId, channelId, other } = await setup(store);
    const p = await store.payments.insert(newPaymentInput(storeId, channelId));
    const error = await store.payments.insert(newPaymentInput(other.storeId, other.channelId, { impUid: p.impUid })).catch((e: unknown) => e);
    expect(isUniqueViolation(error)).toBe(true);
    await expect(store.payments.insert(newPaymentInput(storeId, 999_999))).rejects.toThrow();
  });

  it('allows many unclaimed payments for one merchant_uid (NULL claims do not collide)', async () => {
    const store = getStore();
    const { storeId, channelId } = await setup(store);
    for (let i = 0; i < 3; i++) await store.payments.insert(newPaymentInput(storeId, channelId, { merchantUid: 'order-1' }));
    // Two declined payments of one order: both have their claim released (NULL) again.
    for (let i = 0; i < 2; i++) {
      const p = await store.payments.insert(newPaymentInput(storeId, channelId, { merchantUid: 'order-2' }));
      expect(await store.payments.claimForApproval(storeId, p.id, `tid-${i}`, at(i))).toBe(true);
      expect(
        await store.payments.recordApprovalOutcome(storeId, p.id, { kind: 'declined', pgTid: null, failCode: '3011', failReason: 'declined', failedAt: at(i) }, at(i)),
      ).not.toBeNull();
    }
    expect(await store.payments.findClaim(storeId, 'order-1')).toBeNull();
    expect(await store.payments.findClaim(storeId, 'order-2')).toBeNull();
  });

  it('finds by merchant_uid with every sorting and a status filter', async () => {
    const store = getStore();
    const { storeId, channelId } = await setup(store);
    const m = 'order-sorted';
    const insert = (startedAt: Date) => store.payments.insert(newPaymentInput(storeId, channelId, { merchantUid: m, startedAt }));
    // p1: oldest, failed late; p2: paid; p3: newest, ready; p4: same started as p3 (tie → id).
    const p1 = await insert(at(1000));
    const p2 = await insert(at(2000));
    const p3 = await insert(at(3000));
    const p4 = await insert(at(3000));
    await store.payments.markFailed(storeId, p1.id, { failCode: 'F', failReason: 'gave up', failedAt: at(9000) });
    await store.payments.claimForApproval(storeId, p2.id, 'tid-2', at(4000));
    await store.payments.recordApprovalOutcome(storeId, p2.id, { kind: 'approved', pgTid: 'tid-2', paidAt: at(5000), card: SAMPLE_CARD, receiptUrl: null }, at(5000));
    const find = async (sorting?: Parameters<Store['payments']['findByMerchantUid']>[2]) =>
      (await store.payments.findByMerchantUid(storeId, m, sorting))?.id;

    expect(await find()).toBe(p4.id);
    expect(await find({ sorting: '-started' })).toBe(p4.id);
    expect(await find({ sorting: 'started' })).toBe(p1.id);
    expect(await find({ sorting: '-paid' })).toBe(p2.id);
    expect(await find({ sorting: 'paid' })).toBe(p2.id); // nulls last in both directions
    expect(await find({ sorting: '-updated' })).toBe(p1.id); // updated at 9000
    expect(await find({ sorting: 'updated' })).toBe(p3.id); // p3 (3000) before p4 (3000) by id
    expect(await find({ status: 'ready' })).toBe(p4.id);
    expect(await find({ status: 'ready', sorting: 'started' })).toBe(p3.id);
    expect(await find({ status: 'failed' })).toBe(p1.id);
    expect(await find({ status: 'paid', sorting: 'started' })).toBe(p2.id);
    expect(await find({ status: 'cancelled' })).toBeUndefined();
    expect(await store.payments.findByMerchantUid(storeId, 'no-such-order')).toBeNull();

  });

  it('keeps payments apart between stores', async () => {
    const store = getStore();
    const { storeId, channelId, other } = await setup(store);
    const p = await store.payments.insert(newPaymentInput(other.storeId, other.channelId, { merchantUid: 'shared-order' }));
    expect(await store.payments.findById(storeId, p.id)).toBeNull();
    expect(await store.payments.findByImpUid(storeId, p.impUid)).toBeNull();
    expect(await store.payments.findByMerchantUid(storeId, 'shared-order')).toBeNull();
    expect(await store.payments.claimForApproval(storeId, p.id, 'tid', T0)).toBe(false);
    expect(await store.payments.markFailed(storeId, p.id, { failCode: 'F', failReason: 'r', failedAt: T0 })).toBeNull();
    expect(await store.payments.findById(other.storeId, p.id)).toEqual(p);

    // The same merchant_uid may be claimed once per store.
    const mine = await store.payments.insert(newPaymentInput(storeId, channelId, { merchantUid: 'shared-order' }));
    expect(await store.payments.claimForApproval(other.storeId, p.id, 'tid-b', T0)).toBe(true);
    expect(await store.payments.claimForApproval(storeId, mine.id, 'tid-a', T0)).toBe(true);
    expect(await store.payments.recordApprovalOutcome(storeId, p.id, { kind: 'unknown', pgTid: null, note: 'x' }, T0)).toBeNull();
    expect((await store.payments.findClaim(storeId, 'shared-order'))?.id).toBe(mine.id);
    expect((await store.payments.findClaim(other.storeId, 'shared-order'))?.id).toBe(p.id);
  });

  it('marks a payment failed only from ready + none', async () => {
    const store = getStore();
    const { storeId, channelId } = await setup(store);
    const p = await store.payments.insert(newPaymentInput(storeId, channelId));
    const failed = await store.payments.markFailed(storeId, p.id, { failCode: 'F001', failReason: '사용자가 결제를 취소하셨습니다', failedAt: at(60_000) });
    expect(failed).toEqual({
      ...p,
      status: 'failed',
      failCode: 'F001',
      failReason: '사용자가 결제를 취소하셨습니다',
      failedAt: at(60_000),
      updatedAt: at(60_000),
    });
    expect(await store.payments.markFailed(storeId, p.id, { failCode: 'F', failReason: 'again', failedAt: at(1) })).toBeNull();

    const claimed = await store.payments.insert(newPaymentInput(storeId, channelId));
    await store.payments.claimForApproval(storeId, claimed.id, 'tid', T0);
    expect(await store.payments.markFailed(storeId, claimed.id, { failCode: 'F', failReason: 'r', failedAt: T0 })).toBeNull();
  });

  it('refuses a negative amount (check constraint)', async () => {
    const store = getStore();
    const { storeId, channelId } = await setup(store);
    await expect(store.payments.insert(newPaymentInput(storeId, channelId, { amount: -1 }))).rejects.toThrow();
  });
});
