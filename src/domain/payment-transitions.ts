/**
 * The payment state machine: one pure function, {@link decide}, says what an event does to a
 * payment. The store enforces each decision with a conditional update on the state the decision
 * was made from (`expect`), so the two agree by construction and a concurrent change makes the
 * update miss instead of overwriting.
 */
import type { ApprovalState, MethodDetails, Payment, PaymentStatus } from './payment';

/** Something that happened to a payment. */
export type PaymentEvent =
  /**
   * gyeol is about to ask the PG to approve `pgTid`; the merchant_uid is claimed. `pgTid` is null
   * for a server call whose transaction id comes only with the PG's answer (a virtual account
   * issued by API): the sealed auth then holds what re-sends the call.
   */
  | { type: 'approval-requested'; pgTid: string | null; pgAuthSealed: string; at: Date; reconcileAfter: Date }
  /** The attempt ended before any approval was asked for (buyer gave up, window refused). */
  | { type: 'abandoned'; failCode: string; failReason: string; at: Date }
  /** The PG approved (a card charge, a transfer, an issued virtual account…). */
  | {
      type: 'pg-approved';
      pgTid: string;
      approvedAt: Date;
      details: MethodDetails;
      receiptUrl: string | null;
      /** What the PG says it processed (escrow or not); null keeps the payment's own flag. */
      escrow?: boolean | null;
      at: Date;
    }
  /**
   * The PG's billing window issued a billing key for this payment (`customer_uid_usage: "issue"`),
   * its answer verified by the connector. Nothing was approved: the payment is `paid` with its
   * amount (0), so V1's `success` is true, and carries the card the key was issued for.
   */
  | { type: 'billing-key-issued'; pgTid: string; issuedAt: Date; details: MethodDetails; at: Date }
  /** The PG said no. `verified` is false when its answer carried no signature. */
  | { type: 'pg-declined'; pgTid: string | null; code: string; message: string; verified: boolean; at: Date; reconcileAfter: Date | null }
  /** No trustworthy answer: the PG may or may not have approved. */
  | { type: 'pg-outcome-unknown'; pgTid: string | null; note: string; at: Date; reconcileAfter: Date }
  /**
   * Money arrived on the payment's issued virtual account (the PG's verified notification about
   * `pgTid`, for the payment's amount; the service checks both before deciding).
   */
  | { type: 'vbank-deposited'; pgTid: string; depositedAt: Date; at: Date }
  /** The expiry job found the issued virtual account's deadline (`vbank_date`) past, unpaid. */
  | { type: 'vbank-expired'; at: Date }
  /** The reconciler could not get an answer either; `reconcileAfter` null means stop asking. */
  | { type: 'inquiry-failed'; note: string; at: Date; reconcileAfter: Date | null; attempts: number };

/** A change of a payment's columns, in domain terms. Absent fields stay as they are. */
export interface PaymentChanges {
  status?: PaymentStatus;
  approvalState?: ApprovalState;
  /** `take`: the merchant_uid claim is set (unique per store); `release`: it is cleared. */
  claim?: 'take' | 'release';
  pgTid?: string;
  pgAuthSealed?: string;
  approvalRequestedAt?: Date;
  approvalUnverified?: boolean;
  reconcileAfter?: Date | null;
  reconcileAttempts?: number;
  paidAt?: Date;
  failedAt?: Date | null;
  failCode?: string | null;
  failReason?: string | null;
  details?: MethodDetails;
  receiptUrl?: string | null;
  escrow?: boolean;
  updatedAt: Date;
}

export type DomainEventType =
  | 'payment.paid'
  | 'payment.failed'
  | 'payment.vbank_issued'
  | 'payment.vbank_expired'
  /** A cancel became final (partial or full); the merchant asked for a webhook or the console cancelled. */
  | 'payment.cancelled'
  /** A cancel became final through the API without `enable_webhook` (V1: no webhook). */
  | 'payment.cancelled_quietly'
  /** An issued, unpaid virtual account was revoked (`DELETE /vbanks`). */
  | 'payment.vbank_revoked';

/** What the rest of the world is told (webhooks deliver these later). */
export interface DomainEvent {
  type: DomainEventType;
  impUid: string;
  merchantUid: string;
  /** The payment's status after the change. */
  status: PaymentStatus;
  occurredAt: Date;
  /** The cancel the event is about (cancel events only). */
  cancellationId?: string | null;
}

/** The state a decision was made from; the store updates only a payment still in it. */
export interface ExpectedState {
  status: PaymentStatus;
  approvalState: ApprovalState;
  approvalUnverified: boolean;
}

export type Decision =
  | { ok: true; expect: ExpectedState; changes: PaymentChanges; events: DomainEvent[] }
  | { ok: false; reason: string };

type State = Pick<Payment, 'status' | 'approvalState' | 'approvalUnverified' | 'pgTid' | 'impUid' | 'merchantUid'> & {
  /** An issued virtual account's deadline, when the payment has one. */
  vbank?: { vbankDate: Date | null } | null;
};

/**
 * What an expired virtual account carries: V1 documents no expired state, so gyeol fails it
 * (status `failed`, webhook `failed`) with this code and reason.
 */
export const VBANK_EXPIRED = { code: 'VBANK_EXPIRED', reason: '[가상계좌 입금기한 만료] 입금기한이 지났습니다' } as const;

const refuse = (payment: State, event: PaymentEvent): Decision => ({
  ok: false,
  reason: `${event.type} does not apply to a payment that is ${payment.status}/${payment.approvalState}${payment.approvalUnverified ? ' (unverified)' : ''}`,
});

function emit(payment: State, type: DomainEventType, status: PaymentStatus, at: Date): DomainEvent {
  return { type, impUid: payment.impUid, merchantUid: payment.merchantUid, status, occurredAt: at };
}

/** Whether the PG's outcome of this payment's approval is still open (asked, answer not known). */
export function approvalOpen(payment: Pick<Payment, 'status' | 'approvalState'>): boolean {
  return payment.status === 'ready' && (payment.approvalState === 'requested' || payment.approvalState === 'unknown');
}

/** A decline that rests on an unsigned answer and waits for the reconciler's double-check. */
function unverifiedDecline(payment: State): boolean {
  return payment.status === 'failed' && payment.approvalState === 'declined' && payment.approvalUnverified;
}

/**
 * Decides what `event` does to `payment`: the column changes and the domain events, or a
 * refusal when the event does not apply to the payment's state.
 */
export function decide(payment: State, event: PaymentEvent): Decision {
  const expect: ExpectedState = {
    status: payment.status,
    approvalState: payment.approvalState,
    approvalUnverified: payment.approvalUnverified,
  };
  const at = event.at;
  switch (event.type) {
    case 'approval-requested': {
      if (payment.status !== 'ready' || payment.approvalState !== 'none') return refuse(payment, event);
      return {
        ok: true,
        expect,
        changes: {
          approvalState: 'requested',
          claim: 'take',
          ...(event.pgTid !== null ? { pgTid: event.pgTid } : {}),
          pgAuthSealed: event.pgAuthSealed,
          approvalRequestedAt: at,
          reconcileAfter: event.reconcileAfter,
          reconcileAttempts: 0,
          updatedAt: at,
        },
        events: [],
      };
    }
    case 'abandoned': {
      if (payment.status !== 'ready' || payment.approvalState !== 'none') return refuse(payment, event);
      return {
        ok: true,
        expect,
        changes: { status: 'failed', failCode: event.failCode, failReason: event.failReason, failedAt: at, updatedAt: at },
        events: [emit(payment, 'payment.failed', 'failed', at)],
      };
    }
    case 'pg-approved': {
      // An approval about a Tid other than the one this payment asked for belongs elsewhere.
      if (payment.pgTid !== null && payment.pgTid !== event.pgTid && payment.approvalState !== 'none') return refuse(payment, event);
      const fromOpen = approvalOpen(payment);
      // ready/none: an approval learned outside this payment's own window (a Tid posted into
      // another order's window); failed/unverified: the PG's bare "no" turned out to be a yes.
      const fromElsewhere = payment.status === 'ready' && payment.approvalState === 'none';
      if (!fromOpen && !fromElsewhere && !unverifiedDecline(payment)) return refuse(payment, event);
      const vbankIssued = event.details.method === 'vbank';
      const status: PaymentStatus = vbankIssued ? 'ready' : 'paid';
      return {
        ok: true,
        expect,
        changes: {
          status,
          approvalState: 'approved',
          claim: 'take',
          pgTid: event.pgTid,
          approvalUnverified: false,
          reconcileAfter: null,
          ...(vbankIssued ? {} : { paidAt: event.approvedAt }),
          details: event.details,
          receiptUrl: event.receiptUrl,
          ...(event.escrow === true || event.escrow === false ? { escrow: event.escrow } : {}),
          // A paid payment carries no failure: drop what an unknown outcome or a bare decline left.
          failCode: null,
          failReason: null,
          failedAt: null,
          updatedAt: at,
        },
        events: [emit(payment, vbankIssued ? 'payment.vbank_issued' : 'payment.paid', status, at)],
      };
    }
    case 'billing-key-issued': {
      // Only from the issue window's own attempt: ready, nothing asked of the PG.
      if (payment.status !== 'ready' || payment.approvalState !== 'none') return refuse(payment, event);
      return {
        ok: true,
        expect,
        changes: {
          status: 'paid',
          approvalState: 'approved',
          // The order is done: another window of the same merchant_uid is refused from now on.
          claim: 'take',
          pgTid: event.pgTid,
          paidAt: event.issuedAt,
          details: event.details,
          receiptUrl: null,
          updatedAt: at,
        },
        events: [emit(payment, 'payment.paid', 'paid', at)],
      };
    }
    case 'vbank-deposited': {
      // Only an issued account (ready/approved) of this Tid can be paid; a repeated notification
      // finds it paid and is refused here, so it emits nothing twice.
      if (payment.status !== 'ready' || payment.approvalState !== 'approved' || payment.pgTid !== event.pgTid) return refuse(payment, event);
      // An account past its deadline can no longer be paid (V1: the deposit is not accepted).
      const deadline = payment.vbank?.vbankDate ?? null;
      if (deadline !== null && event.depositedAt.getTime() > deadline.getTime()) {
        return { ok: false, reason: `deposit at ${event.depositedAt.toISOString()} is after the account's deadline ${deadline.toISOString()}` };
      }
      return {
        ok: true,
        expect,
        changes: { status: 'paid', paidAt: event.depositedAt, updatedAt: at },
        events: [emit(payment, 'payment.paid', 'paid', at)],
      };
    }
    case 'vbank-expired': {
      // Only an issued, unpaid account whose deadline is past; a deposit at the deadline still pays.
      if (payment.status !== 'ready' || payment.approvalState !== 'approved') return refuse(payment, event);
      const deadline = payment.vbank?.vbankDate ?? null;
      if (deadline === null || at.getTime() <= deadline.getTime()) {
        return { ok: false, reason: `the account's deadline ${deadline ? deadline.toISOString() : '(none)'} is not past at ${at.toISOString()}` };
      }
      return {
        ok: true,
        expect,
        changes: {
          status: 'failed',
          // The order may be paid again (a new account, or another method).
          claim: 'release',
          failCode: VBANK_EXPIRED.code,
          failReason: VBANK_EXPIRED.reason,
          failedAt: at,
          updatedAt: at,
        },
        events: [emit(payment, 'payment.vbank_expired', 'failed', at)],
      };
    }
    case 'pg-declined': {
      if (unverifiedDecline(payment) && event.verified) {
        // The double-check confirmed the decline: nothing changes for the merchant.
        return { ok: true, expect, changes: { approvalUnverified: false, reconcileAfter: null, updatedAt: at }, events: [] };
      }
      if (!approvalOpen(payment)) return refuse(payment, event);
      return {
        ok: true,
        expect,
        changes: {
          status: 'failed',
          approvalState: 'declined',
          claim: 'release',
          ...(event.pgTid !== null ? { pgTid: event.pgTid } : {}),
          approvalUnverified: !event.verified,
          reconcileAfter: event.verified ? null : event.reconcileAfter,
          reconcileAttempts: 0,
          failCode: event.code,
          failReason: event.message,
          failedAt: at,
          updatedAt: at,
        },
        events: [emit(payment, 'payment.failed', 'failed', at)],
      };
    }
    case 'pg-outcome-unknown': {
      if (!approvalOpen(payment)) return refuse(payment, event);
      return {
        ok: true,
        expect,
        changes: {
          approvalState: 'unknown',
          ...(event.pgTid !== null ? { pgTid: event.pgTid } : {}),
          failReason: event.note,
          reconcileAfter: event.reconcileAfter,
          updatedAt: at,
        },
        events: [],
      };
    }
    case 'inquiry-failed': {
      if (!approvalOpen(payment) && !unverifiedDecline(payment)) return refuse(payment, event);
      return {
        ok: true,
        expect,
        changes: {
          reconcileAfter: event.reconcileAfter,
          reconcileAttempts: event.attempts,
          ...(event.reconcileAfter === null && unverifiedDecline(payment) ? { approvalUnverified: false } : {}),
          ...(payment.status === 'ready' ? { failReason: event.note } : {}),
          updatedAt: at,
        },
        events: [],
      };
    }
    default: {
      const never: never = event;
      throw new TypeError(`unknown payment event ${JSON.stringify(never)}`);
    }
  }
}
