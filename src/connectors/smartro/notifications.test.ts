import { describe, expect, it } from 'vitest';
import { signValue } from './crypto';
import { readSmartroNotification } from './notifications';
import { credentials, TEST_MERCHANT_KEY, TEST_MID } from './test-fixtures';

const TID = `${TEST_MID}0101260116100203` + '4321';
const NOW = new Date('2026-01-16T02:00:00Z');

function deposit(overrides: Record<string, string> = {}): Record<string, string> {
  const base = { Mid: TEST_MID, Tid: TID, Moid: 'order1', Amt: '1004', ResultCode: '4110', ResultMsg: '가상계좌 입금 완료', AuthDate: '260116100203', ...overrides };
  return { ...base, SignValue: signValue(base.Tid, base.ResultCode, TEST_MERCHANT_KEY), ...('SignValue' in overrides ? { SignValue: overrides.SignValue } : {}) };
}

describe('readSmartroNotification', () => {
  it('reads a signed 4110 as a deposit: Tid, amount, AuthDate (Korea time)', () => {
    expect(readSmartroNotification(credentials(), deposit(), NOW)).toEqual({
      kind: 'vbank-deposit',
      pgTid: TID,
      pgId: TEST_MID,
      amount: 1004,
      depositedAt: new Date('2026-01-16T01:02:03Z'),
    });
  });

  it('takes now as the deposit time when AuthDate is unreadable', () => {
    expect(readSmartroNotification(credentials(), deposit({ AuthDate: 'x' }), NOW)).toMatchObject({ kind: 'vbank-deposit', depositedAt: NOW });
  });

  it('rejects a bad signature, a signature for another result code, another MID, missing fields or an unreadable amount', () => {
    const rejected = [
      deposit({ SignValue: 'forged' }),
      { ...deposit(), ResultCode: '4100' },
      deposit({ Mid: 'othermid01' }),
      { ...deposit(), SignValue: '' },
      { ...deposit(), Tid: '' },
      deposit({ Amt: 'lots' }),
    ];
    for (const fields of rejected) expect(readSmartroNotification(credentials(), fields, NOW).kind, JSON.stringify(fields)).toBe('rejected');
  });

  it('ignores a verified notification of another code', () => {
    expect(readSmartroNotification(credentials(), deposit({ ResultCode: '2001' }), NOW)).toEqual({ kind: 'ignored', pgTid: TID, reason: 'result 2001 is neither a deposit nor a refund' });
  });

  it('reads a signed 2211 as a completed refund: the refund’s Tid, the payment’s (OTID), amount, AuthDate', () => {
    const REFUND_TID = `${TEST_MID}0101260117093000` + '0042';
    const fields = deposit({ Tid: REFUND_TID, OTID: TID, ResultCode: '2211', ResultMsg: '환불 성공', Amt: '500', AuthDate: '260117093000' });
    expect(readSmartroNotification(credentials(), fields, NOW)).toEqual({
      kind: 'refund-completed',
      pgTid: REFUND_TID,
      originalPgTid: TID,
      pgId: TEST_MID,
      amount: 500,
      refundedAt: new Date('2026-01-17T00:30:00Z'),
    });
  });

  it('rejects a refund notification without OTID, signed for another Tid, or for another MID', () => {
    const REFUND_TID = `${TEST_MID}0101260117093000` + '0042';
    const good = deposit({ Tid: REFUND_TID, OTID: TID, ResultCode: '2211', Amt: '500' });
    expect(readSmartroNotification(credentials(), { ...good, OTID: '' }, NOW)).toMatchObject({ kind: 'rejected', reason: expect.stringContaining('OTID') });
    // Signed over the payment's Tid instead of the refund's.
    expect(readSmartroNotification(credentials(), { ...good, SignValue: signValue(TID, '2211', TEST_MERCHANT_KEY) }, NOW).kind).toBe('rejected');
    expect(readSmartroNotification(credentials(), deposit({ Tid: REFUND_TID, OTID: TID, ResultCode: '2211', Mid: 'othermid01' }), NOW).kind).toBe('rejected');
  });
});
