/**
 * One approval pipeline for every method and PG (DESIGN §3): claim → call the PG outside any
 * transaction → record the outcome and its domain events in one transaction. The checkout uses it
 * for the window's return; the reconciler for outcomes left open by a timeout, an untrustworthy
 * answer or a crash; `POST /vbanks` and billing-key charges for their server calls; PG
 * notifications for deposits.
 *
 * Every state change goes through the pure `decide` of domain/payment-transitions.ts and is
 * enforced by the store's conditional update.
 */
import { ConnectorFault, type ApprovalResult, type BillingChargeInput, type VirtualAccountIssueInput, type VirtualAccountIssueResult } from '../connectors/contract';
import { executeFlow } from '../connectors/executor';
import { AppError, type ErrorCode } from '../domain/errors';
import { fromMinorUnits } from '../domain/money';
import { CARD_CHECK_CANCEL_REASON, type Payment } from '../domain/payment';
import { approvalOpen, decide, type PaymentEvent } from '../domain/payment-transitions';
import type { NewPayment, StrayApproval } from '../store/types';

export type { StrayApproval };
import type { CancelService } from './cancels';
import type { ChannelService, ResolvedChannel } from './channels';
import type { ServiceDeps } from './deps';
import { TIMED_OUT, withinMs } from './within';
import { signWebhook } from './webhooks';
import { randomBytes } from 'node:crypto';

/** What a failed or unsettled attempt reports to the buyer's callback. */
export interface AttemptError {
  code: string;
  message: string;
}

/**
 * What a PG notification led to. Every outcome but a failure to record it is answered to the PG
 * as received (see recordNotification): a PG retries anything else, and a forged or misdirected
 * notification would be retried for nothing.
 */
export type NotificationOutcome =
  /** The deposit was recorded: the payment is paid now. */
  | { kind: 'paid'; payment: Payment }
  /** The payment was already paid by this deposit (or refunded by this refund): a repeated notification, nothing changes. */
  | { kind: 'duplicate'; payment: Payment }
  /** A pending refund is done: the cancel is final now. */
  | { kind: 'refunded'; payment: Payment }
  /** Not trustworthy or about nothing gyeol can pay (bad signature, unknown Tid, wrong amount…): nothing changes. */
  | { kind: 'refused'; reason: string };

/** What a virtual account issue by API (V1 `POST /vbanks`) led to. */
export type IssueOutcome =
  /** Issued: the payment is `ready` with its account (webhook `ready`). */
  | { kind: 'issued'; payment: Payment }
  /** The PG issued nothing (or the call never reached it): the payment is `failed`. */
  | { kind: 'declined'; payment: Payment; error: AttemptError }
  /** No trustworthy answer: the reconciler re-sends the same issue until it knows. */
  | { kind: 'unknown'; payment: Payment; error: AttemptError }
  /** Another payment of the same merchant_uid holds the claim: the PG was not asked. */
  | { kind: 'not-claimed'; payment: Payment; holder: Payment | null };

/** What the sealed auth of an API-issued virtual account holds: the input that re-sends it. */
interface SealedIssue {
  kind: 'vbank-issue';
  input: VirtualAccountIssueInput;
}

/**
 * What a billing-key charge (V1 `/subscribe/payments/again`, a schedule's run) led to. The
 * payment is `channel: "api"`, `pay_method: "card"`, with its `customer_uid`.
 */
export type ChargeOutcome =
  /** Approved: the payment is `paid` (webhook `paid`). */
  | { kind: 'paid'; payment: Payment }
  /**
   * The PG said no, or the call never reached it: the payment is `failed` with the reason. A "no"
   * without a signature is re-checked by the reconciler (the same charge sent again), which may
   * still make it `paid`.
   */
  | { kind: 'declined'; payment: Payment; error: AttemptError }
  /** No trustworthy answer: the payment stays `ready`; the reconciler re-sends the same charge until it knows. */
  | { kind: 'unknown'; payment: Payment; error: AttemptError }
  /** Another payment of the same merchant_uid holds the claim: the PG was not asked. */
  | { kind: 'not-claimed'; payment: Payment; holder: Payment | null };

/**
 * What the sealed auth of a billing-key charge holds: the input that re-sends it, billing key
 * included (sealed with the instance secret like every key at rest; never logged).
 */
interface SealedCharge {
  kind: 'billing-charge';
  input: BillingChargeInput;
}

/** A server call the reconciler settles by sending it again (there is no inquiry by Tid for it). */
type SealedServerCall = SealedIssue | SealedCharge;

export type ApproveOutcome =
  | { kind: 'settled'; payment: Payment; error: AttemptError | null }
  /** The claim could not be taken: another attempt is approving this payment, or holds its merchant_uid. */
  | { kind: 'not-claimed'; payment: Payment; holder: Payment | null };

/** How long after an inquiry that found nothing the reconciler asks again (by attempts so far). */
const INQUIRY_BACKOFF_MS = [15_000, 30_000, 60_000, 120_000, 300_000, 600_000];
/** An unsigned decline is double-checked once; a few retries when the inquiry itself fails. */
const UNVERIFIED_CHECK_ATTEMPTS = 3;
/** Margin after the PG timeout before a `requested` approval (left by a crash) is inquired. */
const CRASH_MARGIN_MS = 5_000;
/** V1's confirm_url timeout (reference §4.3). */
const CONFIRM_TIMEOUT_MS = 10_000;
/** A card check still paid this long after its approval was stranded by a crash (its request cancels it within a PG call). */
const CARD_CHECK_GRACE_MS = 2 * 60_000;
/** How many days the reconciler keeps trying to cancel a stranded card check. */
const CARD_CHECK_SWEEP_DAYS = 7;
/** A confirm answer is only read for its `reason`. */
const CONFIRM_MAX_ANSWER_BYTES = 16 * 1024;
/**
 * How long after an account's deadline the expiry job waits before failing it: a deposit made
 * just before the deadline may be notified late (Smartro resends an unacknowledged notification
 * every minute, five times), and a notification dated before the deadline still pays the account
 * until it is marked expired.
 */
export const VBANK_EXPIRY_GRACE_MS = 10 * 60_000;
/** The longest merchant reason kept in fail_reason. */
const CONFIRM_MAX_REASON_LENGTH = 200;

const errorOf = (code: ErrorCode): AttemptError => ({ code, message: new AppError(code).message });

export class ApprovalService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly channels: ChannelService,
    private readonly cancels: Pick<CancelService, 'recordRefund' | 'cancel'>,
  ) {}

  /** Ends an attempt that never reached approval (the buyer gave up, the window was refused). */
  async abandon(payment: Payment, failure: AttemptError): Promise<Payment> {
    const result = await this.applyEvent(payment, { type: 'abandoned', failCode: failure.code, failReason: failure.message, at: this.now() });
    return result ?? (await this.reload(payment));
  }

  /**
   * Approves an authenticated attempt: asks the merchant's confirm_url when the store has the
   * confirm step on, claims the merchant_uid, asks the PG, records what it said.
   * Never throws a connector fault: a fault leaves the outcome open for the reconciler.
   *
   * @param progress.confirmed called once the confirm step is passed (or off), right before the
   *   claim: until then the payment is still `ready` and unclaimed, so a caller timing the PG's
   *   part (the checkout's return wait) starts its clock here.
   */
  async approve(
    payment: Payment,
    resolved: ResolvedChannel,
    pgTid: string,
    auth: unknown,
    progress: { confirmed?: () => void } = {},
  ): Promise<ApproveOutcome> {
    const timeoutMs = this.deps.connectorContext.timeoutMs;
    const claimAt = (at: Date) =>
      decide(payment, {
        type: 'approval-requested',
        pgTid,
        pgAuthSealed: this.deps.secretBox.seal(JSON.stringify(auth ?? null)),
        at,
        // If this process dies during the call, the reconciler asks the PG after the call could have ended.
        reconcileAfter: new Date(at.getTime() + timeoutMs + CRASH_MARGIN_MS),
      });
    // The merchant is not asked about a payment that could not be claimed anyway.
    if (!claimAt(this.now()).ok) return { kind: 'not-claimed', payment, holder: null };
    // Before the claim, so nothing is held while the merchant's server thinks.
    const refused = await this.confirmWithMerchant(payment);
    if (refused) return refused;
    progress.confirmed?.();

    const now = this.now();
    const claim = claimAt(now);
    if (!claim.ok) return { kind: 'not-claimed', payment, holder: null };
    const claimed = await this.deps.store.payments.apply(payment.storeId, payment.id, claim);
    if (!claimed.ok) {
      const holder = claimed.reason === 'claim' ? await this.deps.store.payments.findClaim(payment.storeId, payment.merchantUid) : null;
      return { kind: 'not-claimed', payment: await this.reload(payment), holder };
    }

    let result: ApprovalResult;
    try {
      result = await executeFlow(this.deps.connectorContext, resolved.connector.flows.approve, resolved.credentials, {
        pgTid,
        auth,
        payMethod: payment.payMethod,
      });
    } catch (err) {
      if (!(err instanceof ConnectorFault)) throw err;
      this.deps.logger.error({ impUid: payment.impUid, pgTid, fault: err.kind, err: err.message }, 'PG approval fault');
      const error = errorOf(err.kind === 'timeout' ? 'PG_TIMEOUT' : 'PG_FAULT');
      if (err.kind === 'network' && !err.outcomeUnknown) {
        // The request never reached the PG, so nothing can have been approved.
        const failed = await this.settle(claimed.payment, {
          type: 'pg-declined',
          pgTid,
          code: error.code,
          message: `${error.message} (${err.message})`,
          verified: true,
          at: this.now(),
          reconcileAfter: null,
        });
        return { kind: 'settled', payment: failed, error };
      }
      const at = this.now();
      const requestedAt = claimed.payment.approvalRequestedAt ?? now;
      const unknown = await this.settle(claimed.payment, {
        type: 'pg-outcome-unknown',
        pgTid,
        note: `${error.message} (${err.kind}: ${err.message})`,
        at,
        // Not before the PG itself could have finished the approval.
        reconcileAfter: new Date(Math.max(at.getTime(), requestedAt.getTime() + timeoutMs)),
      });
      return { kind: 'settled', payment: unknown, error: unknown.status === 'ready' ? error : this.errorFor(unknown) };
    }
    const settled = await this.recordResult(claimed.payment, resolved, result, 'approval');
    return { kind: 'settled', payment: settled.payment, error: settled.error };
  }

  /**
   * Asks the PG what became of a payment whose outcome is open (or whose decline was unsigned) and
   * records the answer. An inquiry that finds nothing trustworthy schedules the next one.
   */
  async reconcile(payment: Payment): Promise<Payment> {
    if (!approvalOpen(payment) && !payment.approvalUnverified) return payment;
    const sealed = this.sealedServerCall(payment);
    if (sealed?.kind === 'billing-charge') return this.reconcileCharge(payment, sealed.input);
    if (sealed?.kind === 'vbank-issue' && payment.pgTid === null) return this.reconcileIssue(payment, sealed.input);
    if (payment.pgTid === null) throw new Error(`payment ${payment.impUid} is open without a PG transaction id`);
    const resolved = await this.channels.openById(payment.storeId, payment.channelId);
    const auth = payment.pgAuthSealed === null ? null : (JSON.parse(this.deps.secretBox.open(payment.pgAuthSealed)) as unknown);
    let result: ApprovalResult;
    try {
      result = await executeFlow(this.deps.connectorContext, resolved.connector.flows.inquire, resolved.credentials, {
        pgTid: payment.pgTid,
        auth,
        payMethod: payment.payMethod,
      });
    } catch (err) {
      if (!(err instanceof ConnectorFault)) throw err;
      this.deps.logger.warn({ impUid: payment.impUid, pgTid: payment.pgTid, fault: err.kind, err: err.message }, 'PG inquiry fault');
      return this.inquiryFailed(payment, `조회 실패 (${err.kind}: ${err.message})`);
    }
    if (result.outcome === 'declined' && !result.verified) {
      // An unsigned "no" cannot settle an open outcome, nor confirm an unsigned decline.
      return this.inquiryFailed(payment, `조회 응답에 서명이 없습니다 (${result.code} ${result.message})`);
    }
    const settled = await this.recordResult(payment, resolved, result, 'inquiry');
    this.deps.logger.info({ impUid: settled.payment.impUid, status: settled.payment.status, pgTid: payment.pgTid }, 'payment reconciled');
    return settled.payment;
  }

  /**
   * Issues a virtual account by a server call (V1 `POST /vbanks`): records the `ready` payment
   * `record` describes and claims its merchant_uid with the issue's input sealed (what re-sends
   * it), calls the PG outside any transaction, then records the account (`pg-approved`: `ready`,
   * webhook `ready`) or the refusal. A fault leaves the outcome open: the reconciler re-sends the
   * same input, which the connector guarantees issues no second account (contract
   * `VirtualAccountIssueFlow`).
   */
  async issueVirtualAccount(record: NewPayment, resolved: ResolvedChannel, input: VirtualAccountIssueInput): Promise<IssueOutcome> {
    const flow = resolved.connector.flows.issueVirtualAccount;
    if (!flow) throw new Error(`${resolved.connector.id} cannot issue a virtual account by API`);
    const now = this.now();
    const claimed = await this.claimServerCall(record, { kind: 'vbank-issue', input } satisfies SealedIssue, now);
    if (claimed.kind === 'not-claimed') return claimed;
    let result: VirtualAccountIssueResult;
    try {
      result = await executeFlow(this.deps.connectorContext, flow, resolved.credentials, input);
    } catch (err) {
      if (!(err instanceof ConnectorFault)) throw err;
      this.deps.logger.error({ impUid: claimed.payment.impUid, fault: err.kind, err: err.message }, 'PG virtual account issue fault');
      return this.serverCallFault(claimed.payment, err, now);
    }
    return this.recordIssue(claimed.payment, resolved, result);
  }

  /**
   * Charges a stored billing key (V1 `POST /subscribe/payments/again`, a schedule's run): records
   * the `ready` payment `record` describes and claims its merchant_uid with the charge's input
   * sealed (what re-sends it; the billing key is in it, so it is sealed and never logged), calls
   * the PG outside any transaction, then records the approval (`paid`, webhook `paid`) or the
   * decline (`failed`). A fault leaves the outcome open: the reconciler re-sends the same charge,
   * which the connector guarantees never charges the order twice (contract `BillingChargeFlow`).
   */
  async chargeBillingKey(record: NewPayment, resolved: ResolvedChannel, input: BillingChargeInput): Promise<ChargeOutcome> {
    const flow = resolved.connector.flows.chargeBillingKey;
    if (!flow) throw new Error(`${resolved.connector.id} cannot charge a billing key`);
    const now = this.now();
    const claimed = await this.claimServerCall(record, { kind: 'billing-charge', input } satisfies SealedCharge, now);
    if (claimed.kind === 'not-claimed') return claimed;
    let result: ApprovalResult;
    try {
      result = await executeFlow(this.deps.connectorContext, flow, resolved.credentials, input);
    } catch (err) {
      if (!(err instanceof ConnectorFault)) throw err;
      this.deps.logger.error({ impUid: claimed.payment.impUid, fault: err.kind, err: err.message }, 'PG billing charge fault');
      return this.serverCallFault(claimed.payment, err, now);
    }
    const settled = await this.recordResult(claimed.payment, resolved, result, 'approval');
    const after = settled.payment;
    if (after.status === 'paid') return { kind: 'paid', payment: after };
    if (approvalOpen(after)) return { kind: 'unknown', payment: after, error: settled.error ?? errorOf('PG_TIMEOUT') };
    return { kind: 'declined', payment: after, error: settled.error ?? this.errorFor(after) ?? errorOf('PG_FAULT') };
  }

  /**
   * Records the payment of a server call made without a Tid (an API virtual account issue, a
   * billing charge) and claims its merchant_uid with the call's input sealed — what the reconciler
   * re-sends when the answer is lost — in one transaction: one durable commit before the call
   * instead of two (issue 10), and no unclaimed payment is left behind by a crash in between. If
   * this process dies during the call, the reconciler asks after the call could have ended. When
   * another payment of the merchant_uid holds the claim, this one stays recorded `ready` and
   * unclaimed (the caller ends it).
   */
  private async claimServerCall(
    record: NewPayment,
    sealed: SealedIssue | SealedCharge,
    now: Date,
  ): Promise<{ kind: 'claimed'; payment: Payment } | { kind: 'not-claimed'; payment: Payment; holder: Payment | null }> {
    const pgAuthSealed = this.deps.secretBox.seal(JSON.stringify(sealed));
    const reconcileAfter = new Date(now.getTime() + this.deps.connectorContext.timeoutMs + CRASH_MARGIN_MS);
    const { payment, claimed } = await this.deps.store.transaction(async (repos) => {
      const inserted = await repos.payments.insert(record);
      const claim = decide(inserted, { type: 'approval-requested', pgTid: null, pgAuthSealed, at: now, reconcileAfter });
      // The claim's unique violation is caught inside a savepoint: the payment is kept either way.
      return { payment: inserted, claimed: claim.ok ? await repos.payments.apply(inserted.storeId, inserted.id, claim) : null };
    });
    if (claimed?.ok) return { kind: 'claimed', payment: claimed.payment };
    const holder = claimed?.reason === 'claim' ? await this.deps.store.payments.findClaim(payment.storeId, payment.merchantUid) : null;
    return { kind: 'not-claimed', payment: await this.reload(payment), holder };
  }

  /**
   * Records a fault of a server call made without a Tid (an API virtual account issue, a billing
   * charge): one that never reached the PG fails the payment (nothing can have happened there);
   * any other leaves the outcome open for the reconciler, not before the PG could have finished.
   */
  private async serverCallFault(
    claimed: Payment,
    err: ConnectorFault,
    requestedAt: Date,
  ): Promise<{ kind: 'declined'; payment: Payment; error: AttemptError } | { kind: 'unknown'; payment: Payment; error: AttemptError }> {
    const error = errorOf(err.kind === 'timeout' ? 'PG_TIMEOUT' : 'PG_FAULT');
    const at = this.now();
    if (err.kind === 'network' && !err.outcomeUnknown) {
      const failed = await this.settle(claimed, { type: 'pg-declined', pgTid: null, code: error.code, message: `${error.message} (${err.message})`, verified: true, at, reconcileAfter: null });
      return { kind: 'declined', payment: failed, error };
    }
    const unknown = await this.settle(claimed, {
      type: 'pg-outcome-unknown',
      pgTid: null,
      note: `${error.message} (${err.kind}: ${err.message})`,
      at,
      reconcileAfter: new Date(Math.max(at.getTime(), requestedAt.getTime() + this.deps.connectorContext.timeoutMs)),
    });
    return { kind: 'unknown', payment: unknown, error };
  }

  /** The sealed input of a server call the reconciler re-sends (API virtual account, billing charge), or null for any other payment. */
  private sealedServerCall(payment: Payment): SealedServerCall | null {
    if (payment.pgAuthSealed === null || payment.channel !== 'api') return null;
    const issue = payment.payMethod === 'vbank';
    const charge = payment.customerUid !== null && payment.customerUidUsage !== null && payment.customerUidUsage !== 'issue';
    if (!issue && !charge) return null;
    const sealed = JSON.parse(this.deps.secretBox.open(payment.pgAuthSealed)) as Partial<SealedServerCall> | null;
    if (!sealed?.input) return null;
    if (issue && sealed.kind === 'vbank-issue') return sealed as SealedIssue;
    if (charge && sealed.kind === 'billing-charge') return sealed as SealedCharge;
    return null;
  }

  /**
   * Re-sends a billing charge whose outcome is open (timeout, lost answer, crash) or whose decline
   * was unsigned, and records what the PG says now. The same order on the same key is never
   * charged twice: a PG that charged it before answers with that approval (contract
   * `BillingChargeFlow`). An unsigned "no" settles nothing, as for an inquiry.
   */
  private async reconcileCharge(payment: Payment, input: BillingChargeInput): Promise<Payment> {
    const resolved = await this.channels.openById(payment.storeId, payment.channelId);
    const flow = resolved.connector.flows.chargeBillingKey;
    if (!flow) throw new Error(`${resolved.connector.id} cannot charge a billing key`);
    let result: ApprovalResult;
    try {
      result = await executeFlow(this.deps.connectorContext, flow, resolved.credentials, input);
    } catch (err) {
      if (!(err instanceof ConnectorFault)) throw err;
      this.deps.logger.warn({ impUid: payment.impUid, fault: err.kind, err: err.message }, 'PG billing charge re-send fault');
      return this.inquiryFailed(payment, `빌링 결제 재확인 실패 (${err.kind}: ${err.message})`);
    }
    if (result.outcome === 'declined' && !result.verified) {
      return this.inquiryFailed(payment, `빌링 결제 재확인 응답에 서명이 없습니다 (${result.code} ${result.message})`);
    }
    const settled = await this.recordResult(payment, resolved, result, 'inquiry');
    this.deps.logger.info({ impUid: settled.payment.impUid, status: settled.payment.status, pgTid: settled.payment.pgTid }, 'billing charge reconciled');
    if (settled.payment.status === 'paid' && settled.payment.customerUidUsage === 'payment.check') return this.cancelCardCheck(settled.payment);
    return settled.payment;
  }

  /**
   * A card check (`checking_amount` of `/subscribe/payments/schedule`) the re-send found paid
   * after its request was answered (the PG's answer had been lost, or a bare "no" was a yes): it
   * is cancelled in full now, as the request would have cancelled it; also the reconciler's sweep of
   * checks a crash left paid ({@link cancelStrandedCardChecks}). A cancel whose outcome is open is
   * re-sent by the cancel reconciler; one the PG refuses is logged as an error (the payment stays
   * `paid`, shows in the customer's payments and the console, and the sweep tries again).
   */
  private async cancelCardCheck(payment: Payment): Promise<Payment> {
    try {
      const answer = await this.cancels.cancel(payment.storeId, { impUid: payment.impUid, reason: CARD_CHECK_CANCEL_REASON, enableWebhook: false });
      this.deps.logger.info({ impUid: payment.impUid, status: answer.payment.status }, 'card check found paid late: cancelled');
      return answer.payment;
    } catch (err) {
      const code = err instanceof AppError ? err.code : null;
      const log = code === 'CANCEL_OUTCOME_UNKNOWN' ? this.deps.logger.warn : this.deps.logger.error;
      log.call(this.deps.logger, { impUid: payment.impUid, code, err: err instanceof Error ? err.message : String(err) }, 'card check found paid late: cancel not done');
      return this.reload(payment);
    }
  }

  /** Re-sends an API issue whose answer was lost and records what the PG says now. */
  private async reconcileIssue(payment: Payment, input: VirtualAccountIssueInput): Promise<Payment> {
    const resolved = await this.channels.openById(payment.storeId, payment.channelId);
    const flow = resolved.connector.flows.issueVirtualAccount;
    if (!flow) throw new Error(`${resolved.connector.id} cannot issue a virtual account by API`);
    let result: VirtualAccountIssueResult;
    try {
      result = await executeFlow(this.deps.connectorContext, flow, resolved.credentials, input);
    } catch (err) {
      if (!(err instanceof ConnectorFault)) throw err;
      this.deps.logger.warn({ impUid: payment.impUid, fault: err.kind, err: err.message }, 'PG virtual account re-issue fault');
      return this.inquiryFailed(payment, `가상계좌 발급 재확인 실패 (${err.kind}: ${err.message})`);
    }
    const recorded = await this.recordIssue(payment, resolved, result);
    this.deps.logger.info({ impUid: recorded.payment.impUid, status: recorded.payment.status }, 'virtual account issue reconciled');
    return recorded.payment;
  }

  /** Records a trustworthy answer to an API issue. */
  private async recordIssue(payment: Payment, resolved: ResolvedChannel, result: VirtualAccountIssueResult): Promise<IssueOutcome> {
    const at = this.now();
    const decline = async (error: AttemptError): Promise<IssueOutcome> => {
      const failed = await this.settle(payment, { type: 'pg-declined', pgTid: null, code: error.code, message: error.message, verified: true, at, reconcileAfter: null });
      return { kind: 'declined', payment: failed, error };
    };
    if (result.outcome === 'declined') return decline({ code: result.code, message: result.message });
    const { order } = result;
    if (order.merchantUid !== pgOrderIdOf(resolved, payment.merchantUid) || order.amount !== payment.amount || order.pgId !== resolved.channel.pgId) {
      this.deps.logger.warn({ impUid: payment.impUid, pgTid: result.pgTid, order }, 'PG issued an account for another order than the one asked about');
      return decline(errorOf('PG_APPROVAL_MISMATCH'));
    }
    const issued = await this.settle(payment, {
      type: 'pg-approved',
      pgTid: result.pgTid,
      approvedAt: result.issuedAt,
      details: { method: 'vbank', vbank: result.vbank },
      receiptUrl: null,
      escrow: null,
      at,
    });
    if (issued.status === 'ready' && issued.approvalState === 'approved') return { kind: 'issued', payment: issued };
    return { kind: 'declined', payment: issued, error: this.errorFor(issued) ?? errorOf('PG_FAULT') };
  }

  /**
   * One pass of the reconciler: every payment of any store whose inquiry is due.
   * @returns how many were asked about and how many are settled now
   */
  async reconcileDue(limit = 50): Promise<{ checked: number; settled: number }> {
    const due = await this.deps.store.payments.listReconcileDue(this.now(), limit);
    let settled = 0;
    for (const payment of due) {
      try {
        const after = await this.reconcile(payment);
        if (!approvalOpen(after) && !after.approvalUnverified) settled++;
      } catch (err) {
        // One broken payment (e.g. a channel that no longer fits its connector) must not stop the rest.
        this.deps.logger.error({ impUid: payment.impUid, err: err instanceof Error ? err.message : String(err) }, 'reconciliation failed');
        await this.inquiryFailed(payment, `조회 중 오류: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return { checked: due.length, settled };
  }

  /**
   * One pass of the reconciler over card checks left `paid` (the schedule request or the
   * re-send approved one, then the process died before its cancel): each is cancelled in full now.
   * Only checks paid more than {@link CARD_CHECK_GRACE_MS} ago are taken, so a check its request is
   * cancelling right now is left to it (were both to try, the cancel's reservation lets one through),
   * and only for {@link CARD_CHECK_SWEEP_DAYS} days: one the PG keeps refusing is logged as an error
   * on every pass until then, and stays for an operator.
   * @returns how many were found and how many are cancelled now
   */
  async cancelStrandedCardChecks(limit = 50): Promise<{ checked: number; cancelled: number }> {
    const now = this.now().getTime();
    const stranded = await this.deps.store.payments.listPaidCardChecks(new Date(now - CARD_CHECK_SWEEP_DAYS * 86_400_000), new Date(now - CARD_CHECK_GRACE_MS), limit);
    let cancelled = 0;
    for (const payment of stranded) {
      if ((await this.cancelCardCheck(payment)).status === 'cancelled') cancelled++;
    }
    return { checked: stranded.length, cancelled };
  }

  /**
   * One pass of the virtual-account expiry job: every issued account, of any store, whose deadline
   * passed more than {@link VBANK_EXPIRY_GRACE_MS} ago without a deposit becomes `failed`
   * (`vbank-expired`; its webhook says `failed`). Another instance or a deposit changing one
   * meanwhile makes that update miss: each account is marked once.
   * @returns how many were found and how many this pass marked
   */
  async expireVbanks(limit = 50): Promise<{ checked: number; expired: number }> {
    const now = this.now();
    const due = await this.deps.store.payments.listVbankExpired(new Date(now.getTime() - VBANK_EXPIRY_GRACE_MS), limit);
    let expired = 0;
    for (const payment of due) {
      if (await this.applyEvent(payment, { type: 'vbank-expired', at: now })) expired++;
    }
    return { checked: due.length, expired };
  }

  /** The store's payments whose PG outcome is open, for operators. */
  listInApproval(storeId: number): Promise<Payment[]> {
    return this.deps.store.payments.listInApproval(storeId);
  }

  /** Approvals that reached gyeol through another order's window, for operators. */
  listStrayApprovals(storeId: number): Promise<StrayApproval[]> {
    return this.deps.store.strayApprovals.list(storeId);
  }

  /**
   * An operator's "ask the PG now" for one payment of their store.
   * @throws AppError PAYMENT_NOT_FOUND
   */
  async inquireNow(storeId: number, impUid: string): Promise<Payment> {
    const payment = await this.deps.store.payments.findByImpUid(storeId, impUid);
    if (!payment) throw new AppError('PAYMENT_NOT_FOUND');
    return this.reconcile(payment);
  }

  /** What a settled payment reports to the buyer: nothing when paid (or a virtual account issued). */
  errorFor(payment: Payment): AttemptError | null {
    if (payment.status === 'paid' || (payment.status === 'ready' && payment.approvalState === 'approved')) return null;
    if (payment.status === 'failed') return { code: payment.failCode ?? 'PG_FAULT', message: payment.failReason ?? '' };
    if (approvalOpen(payment)) return errorOf('PG_TIMEOUT');
    return errorOf('PG_FAULT');
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * The confirm step (reference §4.3): with the store's confirm on, POSTs `{imp_uid, merchant_uid,
   * amount}` to its confirm_url, signed with the webhook secret. HTTP 200 goes on (null). Any other answer, a timeout or a network
   * error fails the payment without asking the PG, with the answer's `reason` in fail_reason.
   */
  private async confirmWithMerchant(payment: Payment): Promise<ApproveOutcome | null> {
    const settings = await this.deps.store.webhookSettings.find(payment.storeId);
    if (!settings?.confirmEnabled || !settings.confirmUrl) return null;
    const budgetMs = this.deps.approvals.confirmTimeoutMs ?? CONFIRM_TIMEOUT_MS;
    const body = JSON.stringify({ imp_uid: payment.impUid, merchant_uid: payment.merchantUid, amount: fromMinorUnits(payment.amount, payment.currency) });
    // Signed like a webhook, so the merchant can tell the question comes from gyeol.
    const id = `cfm_${randomBytes(18).toString('base64url')}`;
    const timestamp = Math.floor(this.now().getTime() / 1000);
    const call = this.deps.outbound.post({
      url: settings.confirmUrl,
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(this.deps.secretBox.open(settings.secretSealed), id, timestamp, body),
      },
      body,
      connectTimeoutMs: budgetMs,
      readTimeoutMs: budgetMs,
      maxResponseBytes: CONFIRM_MAX_ANSWER_BYTES,
    });
    // One budget for the whole call (connect and answer together), as V1's single 10 s timeout.
    const result = await withinMs(call, budgetMs);
    if (result !== TIMED_OUT && result.ok && result.status === 200) return null;

    const detail = result !== TIMED_OUT && result.ok ? merchantReason(result.body) : null;
    this.deps.logger.warn(
      {
        impUid: payment.impUid,
        merchantUid: payment.merchantUid,
        confirm: result === TIMED_OUT ? 'timeout' : result.ok ? `HTTP ${result.status}` : `${result.error}: ${result.message}`,
      },
      'confirm_url did not accept the payment; failing it without asking the PG',
    );
    const error = { code: 'CONFIRM_REFUSED', message: `고객사 요청에 의해 결제를 중단합니다. (상세사유: ${detail ?? '알 수 없음'})` };
    const failed = await this.abandon(payment, error);
    // Failed meanwhile by another attempt's refusal too: the same answer. Claimed or ended in
    // another way (a double submit passed its confirm, the buyer gave up): not this attempt's to settle.
    if (failed.status === 'failed' && failed.failCode === error.code) return { kind: 'settled', payment: failed, error: { code: error.code, message: failed.failReason ?? error.message } };
    return { kind: 'not-claimed', payment: failed, holder: null };
  }

  /** Records a trustworthy PG answer about `payment`'s Tid. */
  private async recordResult(
    payment: Payment,
    resolved: ResolvedChannel,
    result: ApprovalResult,
    via: 'approval' | 'inquiry',
  ): Promise<{ payment: Payment; error: AttemptError | null }> {
    const at = this.now();
    if (result.outcome === 'declined') {
      const after = await this.settle(payment, {
        type: 'pg-declined',
        pgTid: result.pgTid ?? payment.pgTid,
        code: result.code,
        message: result.message,
        verified: result.verified,
        at,
        // An unsigned decline is double-checked through the inquiry right away.
        reconcileAfter: result.verified ? null : at,
      });
      return { payment: after, error: after.status === 'paid' ? null : { code: result.code, message: result.message } };
    }
    const { order } = result;
    // The PG knows the order by the id the connector sent (e.g. Smartro's 40-character Moid).
    const ours = order.merchantUid === pgOrderIdOf(resolved, payment.merchantUid) && order.amount === payment.amount && order.pgId === resolved.channel.pgId;
    if (ours) {
      const after = await this.settle(payment, {
        type: 'pg-approved',
        pgTid: result.pgTid,
        approvedAt: result.approvedAt,
        details: result.details,
        receiptUrl: result.receiptUrl,
        escrow: result.escrow,
        at,
      });
      if (after.status !== 'paid' && after.approvalState !== 'approved' && payment.approvalUnverified) {
        // The bare "no" was a yes, but the order was paid meanwhile by another attempt: the
        // approval is kept for cancellation instead — unless it is that attempt's own approval (a
        // billing PG answers a re-sent order with the charge that paid it).
        const owner = await this.deps.store.payments.findByPgTid(payment.storeId, resolved.channel.pgProvider, result.pgTid);
        if (owner === null || owner.id === payment.id) await this.recordStray(payment, resolved, result, null);
        const confirmed = await this.settle(after, {
          type: 'pg-declined',
          pgTid: payment.pgTid,
          code: after.failCode ?? result.code,
          message: after.failReason ?? result.message,
          verified: true,
          at,
          reconcileAfter: null,
        });
        return { payment: confirmed, error: this.errorFor(confirmed) };
      }
      return { payment: after, error: this.errorFor(after) };
    }
    // A verified approval about another order, amount or merchant id: this attempt fails at once
    // (its order is not held), and the approval goes to its own order or is kept for cancellation.
    this.deps.logger.warn(
      { impUid: payment.impUid, pgTid: result.pgTid, approvedOrder: order.merchantUid, approvedAmount: order.amount, via },
      'PG approved another order than the one asked about',
    );
    const error = errorOf('PG_APPROVAL_MISMATCH');
    const failed =
      approvalOpen(payment) || payment.approvalUnverified
        ? await this.settle(payment, { type: 'pg-declined', pgTid: payment.pgTid, code: error.code, message: error.message, verified: true, at, reconcileAfter: null })
        : payment;
    await this.adoptStray(failed, resolved, result);
    return { payment: failed, error };
  }

  /** Gives a stray approval to the order it is about, when that order is waiting for exactly it. */
  private async adoptStray(seenIn: Payment, resolved: ResolvedChannel, result: Extract<ApprovalResult, { outcome: 'approved' }>): Promise<void> {
    const { order } = result;
    if (order.pgId === resolved.channel.pgId) {
      const candidate = await this.deps.store.payments.findByMerchantUid(seenIn.storeId, order.merchantUid, { status: 'ready' });
      const fits =
        candidate !== null &&
        candidate.id !== seenIn.id &&
        pgOrderIdOf(resolved, candidate.merchantUid) === order.merchantUid &&
        candidate.amount === order.amount &&
        candidate.pgId === order.pgId &&
        candidate.pgProvider === resolved.channel.pgProvider &&
        (candidate.approvalState === 'none' || candidate.pgTid === result.pgTid);
      if (fits) {
        const adopted = await this.applyEvent(candidate, {
          type: 'pg-approved',
          pgTid: result.pgTid,
          approvedAt: result.approvedAt,
          details: result.details,
          receiptUrl: result.receiptUrl,
          escrow: result.escrow,
          at: this.now(),
        });
        if (adopted?.status === 'paid') {
          await this.recordStray(seenIn, resolved, result, adopted.id);
          this.deps.logger.info({ impUid: adopted.impUid, pgTid: result.pgTid }, 'stray approval reconciled onto its order');
          return;
        }
      }
    }
    await this.recordStray(seenIn, resolved, result, null);
    this.deps.logger.warn({ pgTid: result.pgTid, merchantUid: order.merchantUid }, 'stray approval recorded for cancellation');
  }

  private async recordStray(
    seenIn: Payment,
    resolved: ResolvedChannel,
    result: Extract<ApprovalResult, { outcome: 'approved' }>,
    paymentId: number | null,
  ): Promise<void> {
    await this.deps.store.strayApprovals.record({
      storeId: seenIn.storeId,
      channelId: resolved.channel.id,
      pgProvider: resolved.channel.pgProvider,
      pgTid: result.pgTid,
      pgId: result.order.pgId,
      merchantUid: result.order.merchantUid,
      amount: result.order.amount,
      approvedAt: result.approvedAt,
      seenInPaymentId: seenIn.id,
      state: paymentId === null ? 'needs_cancel' : 'reconciled',
      paymentId,
      createdAt: this.now(),
    });
  }

  private async inquiryFailed(payment: Payment, note: string): Promise<Payment> {
    const attempts = payment.reconcileAttempts + 1;
    const giveUp = !approvalOpen(payment) && attempts >= UNVERIFIED_CHECK_ATTEMPTS;
    const delay = INQUIRY_BACKOFF_MS[Math.min(attempts - 1, INQUIRY_BACKOFF_MS.length - 1)];
    const at = this.now();
    return this.settle(payment, {
      type: 'inquiry-failed',
      note,
      at,
      attempts,
      reconcileAfter: giveUp ? null : new Date(at.getTime() + delay),
    });
  }

  /**
   * Records a notification a PG posted (today: a virtual account deposit). The notification names
   * a PG merchant id, not a store: every channel of that PG and merchant id is tried, and only
   * one whose credentials verify it counts. A deposit pays the payment of its Tid when that
   * payment is an issued virtual account of the same amount.
   * @throws only when the outcome could not be recorded (the PG should send it again)
   */
  async recordNotification(pgProvider: string, fields: Record<string, string>): Promise<NotificationOutcome> {
    const connector = this.deps.connectors.get(pgProvider);
    if (!connector?.readNotification) return { kind: 'refused', reason: `${pgProvider} sends no notifications gyeol reads` };
    const pgId = typeof fields.Mid === 'string' ? fields.Mid : '';
    const channels = pgId ? await this.deps.store.channels.findAllByPgId(pgProvider, pgId) : [];
    let reason = `no channel of ${pgProvider} with merchant id ${pgId || '(none)'}`;
    for (const channel of channels) {
      let resolved: ResolvedChannel;
      try {
        resolved = this.channels.open(channel);
      } catch {
        continue;
      }
      const note = resolved.connector.readNotification!(resolved.credentials, fields, this.now());
      if (note.kind === 'rejected') {
        reason = note.reason;
        continue;
      }
      if (note.kind === 'ignored') return { kind: 'refused', reason: note.reason };
      if (note.kind === 'refund-completed') {
        // The cancel pipeline's: a pending refund becomes final.
        const refund = await this.cancels.recordRefund(channel, note);
        if (refund.kind === 'refused') {
          reason = refund.reason;
          continue;
        }
        return refund;
      }
      const payment = await this.deps.store.payments.findByPgTid(channel.storeId, pgProvider, note.pgTid);
      if (!payment || payment.channelId !== channel.id) {
        reason = `no payment with Tid ${note.pgTid}`;
        continue;
      }
      if (payment.payMethod !== 'vbank' || payment.vbank === null) return { kind: 'refused', reason: `${payment.impUid} is not a virtual account` };
      if (note.amount !== payment.amount) return { kind: 'refused', reason: `deposit of ${note.amount} for ${payment.impUid} of ${payment.amount}` };
      if (payment.status === 'paid') return { kind: 'duplicate', payment };
      const paid = await this.applyEvent(payment, { type: 'vbank-deposited', pgTid: note.pgTid, depositedAt: note.depositedAt, at: this.now() });
      if (paid) return { kind: 'paid', payment: paid };
      // Moved meanwhile: a concurrent copy of this notification may have paid it.
      const now = await this.reload(payment);
      return now.status === 'paid' ? { kind: 'duplicate', payment: now } : { kind: 'refused', reason: `${payment.impUid} is ${now.status}` };
    }
    return { kind: 'refused', reason };
  }

  /** Applies an event; when the payment moved meanwhile (another attempt, the reconciler), returns it as it is now. */
  private async settle(payment: Payment, event: PaymentEvent): Promise<Payment> {
    return (await this.applyEvent(payment, event)) ?? (await this.reload(payment));
  }

  private async applyEvent(payment: Payment, event: PaymentEvent): Promise<Payment | null> {
    const decision = decide(payment, event);
    if (!decision.ok) {
      this.deps.logger.warn({ impUid: payment.impUid, reason: decision.reason }, 'payment event refused');
      return null;
    }
    const applied = await this.deps.store.payments.apply(payment.storeId, payment.id, decision);
    if (!applied.ok) return null;
    if (applied.events.length > 0) {
      this.deps.logger.info({ impUid: applied.payment.impUid, status: applied.payment.status, events: applied.events.map((e) => e.type) }, 'payment changed');
    }
    return applied.payment;
  }

  private async reload(payment: Payment): Promise<Payment> {
    const fresh = await this.deps.store.payments.findById(payment.storeId, payment.id);
    if (!fresh) throw new Error(`payment ${payment.impUid} vanished`);
    return fresh;
  }

  private now(): Date {
    return this.deps.clock.now();
  }
}

/** The `reason` of a confirm answer that is JSON with a non-empty string `reason`, cut to a sane length. */
function merchantReason(body: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const reason = (parsed as { reason?: unknown }).reason;
  if (typeof reason !== 'string' || reason.trim() === '') return null;
  return reason.trim().slice(0, CONFIRM_MAX_REASON_LENGTH);
}

/** The order id the channel's PG knows a merchant_uid by (the merchant_uid itself unless the connector says otherwise). */
function pgOrderIdOf(resolved: ResolvedChannel, merchantUid: string): string {
  return resolved.connector.pgOrderId?.(merchantUid) ?? merchantUid;
}
