import { describe, expect, it } from 'vitest';
import type { CardDetails, MethodDetails, Payment } from './payment';
import { approvalOpen, decide, VBANK_EXPIRED, type Decision, type PaymentEvent } from './payment-transitions';

type State = Pick<Payment, 'status' | 'approvalState' | 'approvalUnverified' | 'pgTid' | 'impUid' | 'merchantUid'>;

const AT = new Date('2026-01-15T03:00:10Z');
const LATER = new Date('2026-01-15T03:00:45Z');
const IDS = { impUid: 'imp_123456789012', merchantUid: 'order1' };

/** Every state a payment can be in as far as approval is concerned. */
const STATES = {
  fresh: { ...IDS, status: 'ready', approvalState: 'none', approvalUnverified: false, pgTid: null },
  requested: { ...IDS, status: 'ready', approvalState: 'requested', approvalUnverified: false, pgTid: 'T1' },
  unknown: { ...IDS, status: 'ready', approvalState: 'unknown', approvalUnverified: false, pgTid: 'T1' },
  unknownWithoutTid: { ...IDS, status: 'ready', approvalState: 'unknown', approvalUnverified: false, pgTid: null },
  paid: { ...IDS, status: 'paid', approvalState: 'approved', approvalUnverified: false, pgTid: 'T1' },
  vbankIssued: { ...IDS, status: 'ready', approvalState: 'approved', approvalUnverified: false, pgTid: 'T1' },
  declined: { ...IDS, status: 'failed', approvalState: 'declined', approvalUnverified: false, pgTid: 'T1' },
  declinedUnverified: { ...IDS, status: 'failed', approvalState: 'declined', approvalUnverified: true, pgTid: 'T1' },
  abandoned: { ...IDS, status: 'failed', approvalState: 'none', approvalUnverified: false, pgTid: null },
  cancelled: { ...IDS, status: 'cancelled', approvalState: 'approved', approvalUnverified: false, pgTid: 'T1' },
} as const satisfies Record<string, State>;
type StateName = keyof typeof STATES;
const ALL = Object.keys(STATES) as StateName[];

const expectOf = (s: State) => ({ status: s.status, approvalState: s.approvalState, approvalUnverified: s.approvalUnverified });

const CARD: CardDetails = {
  cardCode: '371',
  cardName: 'NH농협',
  cardIssuerCode: '371',
  cardIssuerName: 'NH농협',
  cardPublisherCode: '371',
  cardPublisherName: 'NH농협',
  cardNumber: '42424242****424*',
  cardQuota: 0,
  cardType: 0,
  applyNum: '12345678',
};
const CARD_DETAILS: MethodDetails = { method: 'card', card: CARD };
const VBANK_DETAILS: MethodDetails = {
  method: 'vbank',
  vbank: { vbankCode: '004', vbankName: 'KB국민은행', vbankNum: '12345678901234', vbankHolder: '결', vbankDate: LATER, vbankIssuedAt: AT },
};
const APPROVED_AT = new Date('2026-01-15T03:00:09Z');
const RECEIPT = 'https://test.smilepay.co.kr/issue/IssueLoader.jsp?TID=T1&type=0';

const EVENTS = {
  approvalRequested: { type: 'approval-requested', pgTid: 'T1', pgAuthSealed: 'sealed', at: AT, reconcileAfter: LATER },
  abandoned: { type: 'abandoned', failCode: 'U999', failReason: '사용자가 결제를 취소하셨습니다', at: AT },
  approved: { type: 'pg-approved', pgTid: 'T1', approvedAt: APPROVED_AT, details: CARD_DETAILS, receiptUrl: RECEIPT, at: AT },
  declined: { type: 'pg-declined', pgTid: 'T1', code: '3051', message: '한도초과', verified: true, at: AT, reconcileAfter: null },
  declinedUnsigned: { type: 'pg-declined', pgTid: null, code: '9999', message: '시스템에러 잠시후 재 거래', verified: false, at: AT, reconcileAfter: AT },
  unknown: { type: 'pg-outcome-unknown', pgTid: 'T1', note: 'timeout', at: AT, reconcileAfter: LATER },
  inquiryFailed: { type: 'inquiry-failed', note: '조회 실패', at: AT, reconcileAfter: LATER, attempts: 2 },
} as const satisfies Record<string, PaymentEvent>;

const domainEvent = (status: 'paid' | 'failed' | 'ready', type: 'payment.paid' | 'payment.failed' | 'payment.vbank_issued') => ({
  type,
  impUid: IDS.impUid,
  merchantUid: IDS.merchantUid,
  status,
  occurredAt: AT,
});

/** Asserts that `event` is refused from every state not in `allowed`. */
function expectRefusedOutside(event: PaymentEvent, allowed: StateName[]): void {
  for (const name of ALL.filter((n) => !allowed.includes(n))) {
    const decision = decide(STATES[name], event);
    expect(decision, `${event.type} from ${name}`).toEqual({ ok: false, reason: expect.stringContaining(`${event.type} does not apply`) });
  }
}

/** What the store would hold after a decision, as far as decide reads it. */
function after(state: State, decision: Decision): State {
  if (!decision.ok) throw new Error(`unexpected refusal: ${decision.reason}`);
  const c = decision.changes;
  return {
    ...state,
    status: c.status ?? state.status,
    approvalState: c.approvalState ?? state.approvalState,
    approvalUnverified: c.approvalUnverified ?? state.approvalUnverified,
    pgTid: c.pgTid ?? state.pgTid,
  };
}

describe('decide', () => {
  describe('approval-requested', () => {
    it('claims a fresh payment for the approval call', () => {
      expect(decide(STATES.fresh, EVENTS.approvalRequested)).toEqual({
        ok: true,
        expect: { status: 'ready', approvalState: 'none', approvalUnverified: false },
        changes: {
          approvalState: 'requested',
          claim: 'take',
          pgTid: 'T1',
          pgAuthSealed: 'sealed',
          approvalRequestedAt: AT,
          reconcileAfter: LATER,
          reconcileAttempts: 0,
          updatedAt: AT,
        },
        events: [],
      });
    });
    it('is refused from every other state', () => {
      expectRefusedOutside(EVENTS.approvalRequested, ['fresh']);
    });
    it('says why it was refused', () => {
      expect(decide(STATES.declinedUnverified, EVENTS.approvalRequested)).toEqual({
        ok: false,
        reason: 'approval-requested does not apply to a payment that is failed/declined (unverified)',
      });
    });
  });

  describe('abandoned', () => {
    it('fails a fresh payment and tells the world', () => {
      expect(decide(STATES.fresh, EVENTS.abandoned)).toEqual({
        ok: true,
        expect: expectOf(STATES.fresh),
        changes: { status: 'failed', failCode: 'U999', failReason: '사용자가 결제를 취소하셨습니다', failedAt: AT, updatedAt: AT },
        events: [domainEvent('failed', 'payment.failed')],
      });
    });
    it('is refused once an approval was asked for, and from every other state', () => {
      expectRefusedOutside(EVENTS.abandoned, ['fresh']);
    });
  });

  describe('pg-approved', () => {
    const paidChanges = {
      status: 'paid',
      approvalState: 'approved',
      claim: 'take',
      pgTid: 'T1',
      approvalUnverified: false,
      reconcileAfter: null,
      paidAt: APPROVED_AT,
      details: CARD_DETAILS,
      receiptUrl: RECEIPT,
      failCode: null,
      failReason: null,
      failedAt: null,
      updatedAt: AT,
    };

    for (const name of ['requested', 'unknown', 'unknownWithoutTid', 'fresh', 'declinedUnverified'] as const) {
      it(`pays a payment that is ${name}`, () => {
        expect(decide(STATES[name], EVENTS.approved)).toEqual({
          ok: true,
          expect: expectOf(STATES[name]),
          changes: paidChanges,
          events: [domainEvent('paid', 'payment.paid')],
        });
      });
    }

    it('keeps an issued virtual account ready and says it was issued', () => {
      expect(decide(STATES.requested, { ...EVENTS.approved, details: VBANK_DETAILS, receiptUrl: null })).toEqual({
        ok: true,
        expect: expectOf(STATES.requested),
        changes: {
          status: 'ready',
          approvalState: 'approved',
          claim: 'take',
          pgTid: 'T1',
          approvalUnverified: false,
          reconcileAfter: null,
          details: VBANK_DETAILS,
          receiptUrl: null,
          failCode: null,
          failReason: null,
          failedAt: null,
          updatedAt: AT,
        },
        events: [domainEvent('ready', 'payment.vbank_issued')],
      });
    });

    it('refuses an approval of another Tid than the one the payment asked for', () => {
      for (const name of ['requested', 'unknown', 'declinedUnverified'] as const) {
        expect(decide(STATES[name], { ...EVENTS.approved, pgTid: 'T2' }).ok, name).toBe(false);
      }
    });

    it('is refused from a settled payment', () => {
      expectRefusedOutside(EVENTS.approved, ['requested', 'unknown', 'unknownWithoutTid', 'fresh', 'declinedUnverified']);
    });
  });

  describe('billing-key-issued', () => {
    const ISSUED_AT = new Date('2026-01-15T03:00:08Z');
    const KEY_CARD: MethodDetails = { method: 'card', card: { ...CARD, cardNumber: '4242********4242', cardType: null, applyNum: null } };
    const issued = { type: 'billing-key-issued', pgTid: 'B1', issuedAt: ISSUED_AT, details: KEY_CARD, at: AT } as const satisfies PaymentEvent;

    it("makes the issue window's own payment paid with the card, claims the order and tells the world", () => {
      expect(decide(STATES.fresh, issued)).toEqual({
        ok: true,
        expect: expectOf(STATES.fresh),
        changes: {
          status: 'paid',
          approvalState: 'approved',
          claim: 'take',
          pgTid: 'B1',
          paidAt: ISSUED_AT,
          details: KEY_CARD,
          receiptUrl: null,
          updatedAt: AT,
        },
        events: [domainEvent('paid', 'payment.paid')],
      });
    });

    it('is refused from every other state: an issue never settles an approval, a failure or a paid payment', () => {
      expectRefusedOutside(issued, ['fresh']);
    });

    it('happens once: the same issue reported twice is refused the second time', () => {
      const first = decide(STATES.fresh, issued);
      expect(decide(after(STATES.fresh, first), issued).ok).toBe(false);
    });
  });

  describe('pg-declined', () => {
    for (const name of ['requested', 'unknown'] as const) {
      it(`fails a payment that is ${name} on a signed decline and releases the claim`, () => {
        expect(decide(STATES[name], EVENTS.declined)).toEqual({
          ok: true,
          expect: expectOf(STATES[name]),
          changes: {
            status: 'failed',
            approvalState: 'declined',
            claim: 'release',
            pgTid: 'T1',
            approvalUnverified: false,
            reconcileAfter: null,
            reconcileAttempts: 0,
            failCode: '3051',
            failReason: '한도초과',
            failedAt: AT,
            updatedAt: AT,
          },
          events: [domainEvent('failed', 'payment.failed')],
        });
      });
    }

    it('fails on an unsigned decline but marks it for the double-check, keeping the Tid it asked about', () => {
      expect(decide(STATES.requested, EVENTS.declinedUnsigned)).toEqual({
        ok: true,
        expect: expectOf(STATES.requested),
        changes: {
          status: 'failed',
          approvalState: 'declined',
          claim: 'release',
          approvalUnverified: true,
          reconcileAfter: AT,
          reconcileAttempts: 0,
          failCode: '9999',
          failReason: '시스템에러 잠시후 재 거래',
          failedAt: AT,
          updatedAt: AT,
        },
        events: [domainEvent('failed', 'payment.failed')],
      });
    });

    it('confirms an unverified decline with a verified one: only the flag clears, no new event', () => {
      expect(decide(STATES.declinedUnverified, EVENTS.declined)).toEqual({
        ok: true,
        expect: expectOf(STATES.declinedUnverified),
        changes: { approvalUnverified: false, reconcileAfter: null, updatedAt: AT },
        events: [],
      });
    });

    it('does not let another unsigned answer settle an unverified decline', () => {
      expect(decide(STATES.declinedUnverified, EVENTS.declinedUnsigned).ok).toBe(false);
    });

    it('is refused from every other state', () => {
      expectRefusedOutside(EVENTS.declined, ['requested', 'unknown', 'unknownWithoutTid', 'declinedUnverified']);
      expectRefusedOutside(EVENTS.declinedUnsigned, ['requested', 'unknown', 'unknownWithoutTid']);
    });
  });

  describe('pg-outcome-unknown', () => {
    it('leaves the payment ready with its claim, the note and the next inquiry', () => {
      expect(decide(STATES.requested, EVENTS.unknown)).toEqual({
        ok: true,
        expect: expectOf(STATES.requested),
        changes: { approvalState: 'unknown', pgTid: 'T1', failReason: 'timeout', reconcileAfter: LATER, updatedAt: AT },
        events: [],
      });
      expect(decide(STATES.unknown, { ...EVENTS.unknown, pgTid: null })).toEqual({
        ok: true,
        expect: expectOf(STATES.unknown),
        changes: { approvalState: 'unknown', failReason: 'timeout', reconcileAfter: LATER, updatedAt: AT },
        events: [],
      });
    });
    it('is refused once the outcome is known', () => {
      expectRefusedOutside(EVENTS.unknown, ['requested', 'unknown', 'unknownWithoutTid']);
    });
  });

  describe('inquiry-failed', () => {
    it('schedules the next inquiry of an open payment and notes why', () => {
      for (const name of ['requested', 'unknown'] as const) {
        expect(decide(STATES[name], EVENTS.inquiryFailed)).toEqual({
          ok: true,
          expect: expectOf(STATES[name]),
          changes: { reconcileAfter: LATER, reconcileAttempts: 2, failReason: '조회 실패', updatedAt: AT },
          events: [],
        });
      }
    });

    it('stops asking about an open payment without settling it', () => {
      expect(decide(STATES.unknown, { ...EVENTS.inquiryFailed, reconcileAfter: null, attempts: 9 })).toEqual({
        ok: true,
        expect: expectOf(STATES.unknown),
        changes: { reconcileAfter: null, reconcileAttempts: 9, failReason: '조회 실패', updatedAt: AT },
        events: [],
      });
    });

    it('retries the double-check of an unverified decline, keeping its failure reason', () => {
      expect(decide(STATES.declinedUnverified, EVENTS.inquiryFailed)).toEqual({
        ok: true,
        expect: expectOf(STATES.declinedUnverified),
        changes: { reconcileAfter: LATER, reconcileAttempts: 2, updatedAt: AT },
        events: [],
      });
    });

    it('gives up the double-check: the decline stands and the flag clears', () => {
      expect(decide(STATES.declinedUnverified, { ...EVENTS.inquiryFailed, reconcileAfter: null, attempts: 3 })).toEqual({
        ok: true,
        expect: expectOf(STATES.declinedUnverified),
        changes: { reconcileAfter: null, reconcileAttempts: 3, approvalUnverified: false, updatedAt: AT },
        events: [],
      });
    });

    it('is refused where nothing is open', () => {
      expectRefusedOutside(EVENTS.inquiryFailed, ['requested', 'unknown', 'unknownWithoutTid', 'declinedUnverified']);
    });
  });

  describe('the double-check of an unsigned decline, step by step', () => {
    const declinedUnsigned = () => {
      const requested = after(STATES.fresh, decide(STATES.fresh, EVENTS.approvalRequested));
      const declined = after(requested, decide(requested, EVENTS.declinedUnsigned));
      expect(declined).toEqual(STATES.declinedUnverified);
      return declined;
    };

    it('ends paid when the inquiry finds the approval', () => {
      const state = declinedUnsigned();
      const decision = decide(state, { ...EVENTS.approved, at: LATER });
      expect(decision).toMatchObject({ ok: true, changes: { status: 'paid', approvalUnverified: false, claim: 'take', failCode: null } });
      expect(after(state, decision)).toEqual(STATES.paid);
    });

    it('ends failed for good when the inquiry confirms the decline', () => {
      const state = declinedUnsigned();
      const confirmed = after(state, decide(state, EVENTS.declined));
      expect(confirmed).toEqual(STATES.declined);
      // Now nothing may change it any more.
      for (const event of Object.values(EVENTS)) expect(decide(confirmed, event).ok, event.type).toBe(false);
    });

    it('ends failed when the inquiries give up', () => {
      const state = declinedUnsigned();
      const retried = after(state, decide(state, EVENTS.inquiryFailed));
      expect(retried).toEqual(STATES.declinedUnverified);
      expect(after(retried, decide(retried, { ...EVENTS.inquiryFailed, reconcileAfter: null, attempts: 3 }))).toEqual(STATES.declined);
    });
  });
});

describe('vbank-deposited', () => {
  const DEPOSITED_AT = new Date('2026-01-16T01:02:03Z');
  const deposited = { type: 'vbank-deposited', pgTid: 'T1', depositedAt: DEPOSITED_AT, at: AT } as const satisfies PaymentEvent;

  it('pays an issued virtual account at the deposit time and announces payment.paid', () => {
    expect(decide(STATES.vbankIssued, deposited)).toEqual({
      ok: true,
      expect: expectOf(STATES.vbankIssued),
      changes: { status: 'paid', paidAt: DEPOSITED_AT, updatedAt: AT },
      events: [domainEvent('paid', 'payment.paid')],
    });
  });

  it('is refused from every other state, so a repeated notification changes nothing and announces nothing', () => {
    expectRefusedOutside(deposited, ['vbankIssued']);
    const paid = after(STATES.vbankIssued, decide(STATES.vbankIssued, deposited));
    expect(decide(paid, deposited).ok).toBe(false);
  });

  it('is refused for another Tid than the account issued', () => {
    expect(decide(STATES.vbankIssued, { ...deposited, pgTid: 'T2' })).toEqual({ ok: false, reason: expect.stringContaining('vbank-deposited does not apply') });
  });
});

describe('approvalOpen', () => {
  it('is true only while a ready payment waits for the PG’s answer', () => {
    const open = Object.fromEntries(ALL.map((name) => [name, approvalOpen(STATES[name])]));
    expect(open).toEqual({
      fresh: false,
      requested: true,
      unknown: true,
      unknownWithoutTid: true,
      paid: false,
      vbankIssued: false,
      declined: false,
      declinedUnverified: false,
      abandoned: false,
      cancelled: false,
    });
  });
});

describe('escrow as the PG processed it', () => {
  it('takes the PG’s word when it says, and keeps the payment’s own flag when it is silent', () => {
    const told = (escrow: boolean | null | undefined) => {
      const decision = decide(STATES.requested, { ...EVENTS.approved, escrow });
      expect(decision.ok).toBe(true);
      return (decision as Extract<Decision, { ok: true }>).changes.escrow;
    };
    expect(told(false)).toBe(false);
    expect(told(true)).toBe(true);
    expect(told(null)).toBeUndefined();
    expect(told(undefined)).toBeUndefined();
  });
});

describe('a deposit after the virtual account deadline', () => {
  it('is refused; one before or at the deadline pays', () => {
    const deadline = new Date('2026-01-20T14:59:59Z');
    const issued = { ...STATES.vbankIssued, vbank: { vbankDate: deadline } };
    const deposit = (depositedAt: Date) => decide(issued, { type: 'vbank-deposited', pgTid: 'T1', depositedAt, at: depositedAt });
    expect(deposit(new Date(deadline.getTime() + 1000)).ok).toBe(false);
    expect(deposit(deadline)).toMatchObject({ ok: true, changes: { status: 'paid', paidAt: deadline } });
    expect(deposit(new Date(deadline.getTime() - 60_000)).ok).toBe(true);
  });
});

describe('vbank-expired', () => {
  const deadline = new Date('2026-01-20T14:59:59Z');
  const afterDeadline = new Date(deadline.getTime() + 1000);
  const issued = { ...STATES.vbankIssued, vbank: { vbankDate: deadline } };
  const expired = { type: 'vbank-expired', at: afterDeadline } as const satisfies PaymentEvent;

  it('fails an issued account past its deadline with the deadline reason, releases the order and announces payment.vbank_expired', () => {
    expect(decide(issued, expired)).toEqual({
      ok: true,
      expect: expectOf(issued),
      changes: {
        status: 'failed',
        claim: 'release',
        failCode: 'VBANK_EXPIRED',
        failReason: '[가상계좌 입금기한 만료] 입금기한이 지났습니다',
        failedAt: afterDeadline,
        updatedAt: afterDeadline,
      },
      events: [{ type: 'payment.vbank_expired', impUid: IDS.impUid, merchantUid: IDS.merchantUid, status: 'failed', occurredAt: afterDeadline }],
    });
    expect(VBANK_EXPIRED).toEqual({ code: 'VBANK_EXPIRED', reason: '[가상계좌 입금기한 만료] 입금기한이 지났습니다' });
  });

  it('is refused at or before the deadline, and for an account without one', () => {
    expect(decide(issued, { ...expired, at: deadline })).toEqual({ ok: false, reason: expect.stringContaining('is not past') });
    expect(decide(issued, { ...expired, at: new Date(deadline.getTime() - 60_000) }).ok).toBe(false);
    expect(decide({ ...issued, vbank: { vbankDate: null } }, expired)).toEqual({ ok: false, reason: expect.stringContaining('is not past') });
    expect(decide({ ...issued, vbank: null }, expired).ok).toBe(false);
  });

  it('is refused from every state but an issued account, so a paid or already expired one is never touched', () => {
    for (const name of ALL.filter((n) => n !== 'vbankIssued')) {
      expect(decide({ ...STATES[name], vbank: { vbankDate: deadline } }, expired), name).toEqual({ ok: false, reason: expect.stringContaining('vbank-expired does not apply') });
    }
    const failed = after(issued, decide(issued, expired));
    expect(decide(failed, expired).ok).toBe(false);
  });

  it('leaves an expired account unpayable: a deposit notified afterwards is refused', () => {
    const failed = after(issued, decide(issued, expired));
    // Even a deposit the PG dates before the deadline (a late notification) no longer pays it.
    expect(decide(failed, { type: 'vbank-deposited', pgTid: 'T1', depositedAt: deadline, at: afterDeadline })).toEqual({
      ok: false,
      reason: expect.stringContaining('vbank-deposited does not apply'),
    });
  });
});
