/**
 * Cancels through the PG (`POST /payments/cancel`) and revocations of issued virtual accounts
 * (`DELETE /vbanks/{imp_uid}`), in the approvals' shape: reserve (a conditional update that can
 * never take more than is left, on any number of instances) → call the PG outside any transaction
 * → record the outcome with its domain event in one transaction. An outcome the PG did not
 * answer trustworthily stays `unknown`, holding its amount, and the reconciler re-sends the very
 * same cancel (same `seq`, which the PG treats as the same request) until it gets an answer.
 */
import { ConnectorFault, type CancelInput, type CancelResult, type PgNotification, type RefundAccount } from '../connectors/contract';
import { executeFlow } from '../connectors/executor';
import { cancellableAmount, planCancel, type Cancellation, type CancelRequest } from '../domain/cancellations';
import { AppError, invalidParameter, type FieldViolation } from '../domain/errors';
import { newCancellationId } from '../domain/ids';
import { fromMinorUnits, toMinorUnits } from '../domain/money';
import type { Payment } from '../domain/payment';
import { amountProblem } from '../domain/request-pay';
import type { CancellationOutcome, ChannelRecord } from '../store/types';
import type { ChannelService, ResolvedChannel } from './channels';
import type { ServiceDeps } from './deps';
import { withCancels, type PaymentWithCancels } from './payments';

/** `POST /payments/cancel` as read from JSON or a form (numbers already numbers). */
export interface CancelCommand {
  impUid?: string | null;
  merchantUid?: string | null;
  amount?: number | null;
  taxFree?: number | null;
  vatAmount?: number | null;
  checksum?: number | null;
  reason?: string | null;
  refundHolder?: string | null;
  refundBank?: string | null;
  refundAccount?: string | null;
  refundTel?: string | null;
  enableWebhook?: boolean | null;
}

/** What a cancel request came to. `note` says why a successful answer is not final yet. */
export interface CancelAnswer extends PaymentWithCancels {
  note: string | null;
}

/** What a PG refund notification led to (see ApprovalService.recordNotification). */
export type RefundOutcome =
  | { kind: 'refunded'; payment: Payment }
  | { kind: 'duplicate'; payment: Payment }
  | { kind: 'refused'; reason: string };

/** Margin after the PG timeout before a `requested` cancel (left by a crash) is re-sent. */
const CRASH_MARGIN_MS = 5_000;
/** Delays between re-sends of a cancel whose outcome is unknown (then the last one, forever). */
const RESEND_BACKOFF_MS = [15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000];

const REFUND_PENDING_NOTE = '환불 요청이 접수되었습니다. PG사의 환불 완료 통보를 받으면 취소가 확정됩니다.';

export class CancelService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly channels: ChannelService,
  ) {}

  /**
   * `POST /payments/cancel`: cancels all that is left, or `amount` of it.
   * @throws AppError — refusals with V1's code 1 (HTTP 200), bad input with INVALID_PARAMETER
   */
  async cancel(storeId: number, command: CancelCommand): Promise<CancelAnswer> {
    const payment = await this.findTarget(storeId, command);
    if (payment.status === 'cancelled') throw new AppError('CANCEL_ALREADY_CANCELLED');
    if (payment.status !== 'paid') {
      const vbankHint = payment.status === 'ready' && payment.vbank !== null ? ' 입금 전 가상계좌는 DELETE /vbanks/{imp_uid}로 말소해 주세요.' : '';
      throw new AppError('CANCEL_NOT_PAID', { message: `결제완료 상태가 아닌 결제건은 취소할 수 없습니다. (현재 상태: ${payment.status})${vbankHint}` });
    }
    const resolved = await this.channels.openById(storeId, payment.channelId);
    const flow = resolved.connector.flows.cancel;
    if (!flow) throw new AppError('CANCEL_NOT_SUPPORTED', { message: `이 결제의 PG사(${payment.pgProvider})는 API 취소를 지원하지 않습니다.` });

    const request = readCancelRequest(command, payment);
    const remaining = cancellableAmount(payment);
    const partial = request.amount !== null && request.amount > 0 && request.amount < payment.amount;
    if (partial && !resolved.connector.capabilities.partialCancel) {
      throw new AppError('CANCEL_NOT_SUPPORTED', { field: 'amount', message: `amount: 이 결제의 PG사(${payment.pgProvider})는 부분취소를 지원하지 않습니다.` });
    }
    this.refuseOverRemaining(payment, remaining, request);
    const planned = planCancel(payment, remaining, request);
    if (!planned.ok) throw invalidParameter(planned.violations);
    const plan = planned.plan;

    const now = this.now();
    const reserved = await this.deps.store.cancellations.reserve(
      {
        storeId,
        paymentId: payment.id,
        cancellationId: newCancellationId(),
        kind: 'cancel',
        amount: plan.amount,
        taxFree: plan.taxFree,
        vatAmount: plan.vatAmount,
        reason: plan.reason,
        enableWebhook: request.enableWebhook,
        refundSealed: plan.refund ? this.deps.secretBox.seal(JSON.stringify(plan.refund)) : null,
        requestedAt: now,
        reconcileAfter: new Date(now.getTime() + this.deps.connectorContext.timeoutMs + CRASH_MARGIN_MS),
      },
      { status: 'paid', checksum: request.checksum },
    );
    if (!reserved.ok) {
      // Another cancel (or a status change) came first: explain with the payment as it is now.
      const now2 = reserved.payment;
      if (!now2 || now2.status === 'cancelled') throw new AppError('CANCEL_ALREADY_CANCELLED');
      if (now2.status !== 'paid') throw new AppError('CANCEL_NOT_PAID', { message: `결제완료 상태가 아닌 결제건은 취소할 수 없습니다. (현재 상태: ${now2.status})` });
      this.refuseOverRemaining(now2, cancellableAmount(now2), { ...request, amount: plan.amount });
      throw new AppError('CANCEL_AMOUNT_EXCEEDED');
    }
    const settled = await this.send(resolved, reserved.payment, reserved.cancellation, plan.refund);
    return this.answer(settled.payment, settled.cancellation);
  }

  /**
   * `DELETE /vbanks/{imp_uid}`: revokes an issued virtual account nobody paid (the PG's cancel of
   * an unpaid account removes its number). The payment becomes `failed` (V1's console: 결제실패 /
   * 계좌말소).
   */
  async revokeVbank(storeId: number, impUid: string): Promise<PaymentWithCancels> {
    const payment = await this.deps.store.payments.findByImpUid(storeId, impUid);
    if (!payment) throw new AppError('PAYMENT_NOT_FOUND');
    if (payment.payMethod !== 'vbank' || payment.vbank === null || payment.status !== 'ready' || payment.approvalState !== 'approved') {
      throw new AppError('VBANK_NOT_ISSUED', { message: `입금 대기 중인 가상계좌 결제건이 아닙니다. (결제수단: ${payment.payMethod}, 상태: ${payment.status})` });
    }
    const resolved = await this.channels.openById(storeId, payment.channelId);
    if (!resolved.connector.flows.cancel) throw new AppError('CANCEL_NOT_SUPPORTED', { message: `이 결제의 PG사(${payment.pgProvider})는 가상계좌 말소를 지원하지 않습니다.` });
    const now = this.now();
    const reserved = await this.deps.store.cancellations.reserve(
      {
        storeId,
        paymentId: payment.id,
        cancellationId: newCancellationId(),
        kind: 'revoke',
        amount: payment.amount,
        taxFree: payment.taxFree ?? 0,
        vatAmount: payment.vatAmount,
        reason: '가상계좌 말소',
        enableWebhook: false,
        refundSealed: null,
        requestedAt: now,
        reconcileAfter: new Date(now.getTime() + this.deps.connectorContext.timeoutMs + CRASH_MARGIN_MS),
      },
      { status: 'ready', checksum: null },
    );
    if (!reserved.ok) {
      const status = reserved.payment?.status ?? 'unknown';
      throw new AppError('VBANK_NOT_ISSUED', { message: `입금 대기 중인 가상계좌 결제건이 아닙니다. (상태: ${status}; 이미 말소 요청 중이거나 입금되었습니다)` });
    }
    const settled = await this.send(resolved, reserved.payment, reserved.cancellation, null);
    return this.withCancelsOf(settled.payment);
  }

  /**
   * One pass of the cancel reconciler: re-sends every cancel whose outcome is open and due (the
   * PG answers a re-sent `seq` with its first answer, never a second cancel).
   */
  async reconcileDue(limit = 50): Promise<{ checked: number; settled: number }> {
    const due = await this.deps.store.cancellations.listReconcileDue(this.now(), limit);
    let settled = 0;
    for (const cancellation of due) {
      try {
        const payment = await this.deps.store.payments.findById(cancellation.storeId, cancellation.paymentId);
        if (!payment) throw new Error(`payment ${cancellation.paymentId} vanished`);
        const resolved = await this.channels.openById(payment.storeId, payment.channelId);
        const refund = cancellation.refundSealed ? (JSON.parse(this.deps.secretBox.open(cancellation.refundSealed)) as RefundAccount) : null;
        const after = await this.send(resolved, payment, cancellation, refund);
        if (after.cancellation.state !== 'unknown' && after.cancellation.state !== 'requested') settled++;
      } catch (err) {
        this.deps.logger.error({ cancellationId: cancellation.cancellationId, err: err instanceof Error ? err.message : String(err) }, 'cancel reconciliation failed');
        await this.deps.store.cancellations.settle(cancellation, this.unknownOutcome(cancellation, `재전송 중 오류: ${err instanceof Error ? err.message : String(err)}`));
      }
    }
    return { checked: due.length, settled };
  }

  /**
   * A PG notification that a pending refund is done: the cancel becomes final. Verified by the
   * connector; here it must name a pending refund of this channel's payment, of its amount.
   */
  async recordRefund(channel: ChannelRecord, note: Extract<PgNotification, { kind: 'refund-completed' }>): Promise<RefundOutcome> {
    const cancellation = await this.deps.store.cancellations.findPendingByPgTid(channel.storeId, note.pgTid);
    if (!cancellation) {
      const payment = await this.deps.store.payments.findByPgTid(channel.storeId, channel.pgProvider, note.originalPgTid);
      const done = payment ? (await this.deps.store.cancellations.listByPayments(channel.storeId, [payment.id])).find((c) => c.pgTid === note.pgTid && c.state === 'done') : undefined;
      if (payment && done) return { kind: 'duplicate', payment };
      return { kind: 'refused', reason: `no pending refund with Tid ${note.pgTid}` };
    }
    const payment = await this.deps.store.payments.findById(channel.storeId, cancellation.paymentId);
    if (!payment || payment.channelId !== channel.id || payment.pgTid !== note.originalPgTid) {
      return { kind: 'refused', reason: `refund ${note.pgTid} is not about payment Tid ${note.originalPgTid}` };
    }
    if (note.amount !== cancellation.amount) return { kind: 'refused', reason: `refund of ${note.amount} for a cancel of ${cancellation.amount}` };
    const settled = await this.deps.store.cancellations.settle(cancellation, {
      state: 'done',
      pgTid: note.pgTid,
      receiptUrl: null,
      code: cancellation.resultCode ?? '',
      message: cancellation.resultMessage ?? '',
      cancelledAt: note.refundedAt,
      at: this.now(),
    });
    if (!settled) return { kind: 'duplicate', payment };
    this.deps.logger.info({ impUid: payment.impUid, cancellationId: cancellation.cancellationId, status: settled.payment.status }, 'refund completed');
    return { kind: 'refunded', payment: settled.payment };
  }

  // ---- the pipeline --------------------------------------------------------------------------

  /** Asks the PG for a reserved cancellation and records what it said. */
  private async send(
    resolved: ResolvedChannel,
    payment: Payment,
    cancellation: Cancellation,
    refund: RefundAccount | null,
  ): Promise<{ payment: Payment; cancellation: Cancellation }> {
    if (payment.pgTid === null) throw new Error(`payment ${payment.impUid} has no PG transaction id to cancel`);
    const input: CancelInput = {
      pgTid: payment.pgTid,
      payMethod: payment.payMethod,
      paymentAmount: payment.amount,
      // What the other open and final cancels took; this one is in cancel_reserved until settled.
      cancelledBefore: payment.cancelAmount + payment.cancelReserved - cancellation.amount,
      amount: cancellation.amount,
      seq: cancellation.seq,
      taxFree: cancellation.taxFree,
      vatAmount: cancellation.vatAmount,
      reason: cancellation.reason,
      refund,
      revokeAccount: cancellation.kind === 'revoke',
    };
    let result: CancelResult;
    try {
      result = await executeFlow(this.deps.connectorContext, resolved.connector.flows.cancel!, resolved.credentials, input);
    } catch (err) {
      if (!(err instanceof ConnectorFault)) throw err;
      this.deps.logger.error({ impUid: payment.impUid, cancellationId: cancellation.cancellationId, fault: err.kind, err: err.message }, 'PG cancel fault');
      const outcome: CancellationOutcome =
        err.kind === 'network' && !err.outcomeUnknown
          ? // Never reached the PG: nothing was cancelled, the amount is free again.
            { state: 'refused', code: 'PG_FAULT', message: `PG사에 연결하지 못해 취소하지 못했습니다 (${err.message})`, at: this.now() }
          : this.unknownOutcome(cancellation, `${err.kind}: ${err.message}`);
      return this.record(payment, cancellation, outcome);
    }
    const at = this.now();
    switch (result.outcome) {
      case 'cancelled':
        return this.record(payment, cancellation, { state: 'done', pgTid: result.pgTid, receiptUrl: result.receiptUrl, code: result.code, message: result.message, cancelledAt: result.cancelledAt, at });
      case 'refund-pending':
        return this.record(payment, cancellation, { state: 'pending', pgTid: result.pgTid, code: result.code, message: result.message, at });
      case 'refused':
        // An unsigned "no" is still a no for a cancel: nothing is taken, and the merchant may ask again.
        return this.record(payment, cancellation, { state: 'refused', code: result.code, message: result.message, at });
      default: {
        const never: never = result;
        throw new TypeError(`unknown cancel result ${JSON.stringify(never)}`);
      }
    }
  }

  private async withCancelsOf(payment: Payment): Promise<PaymentWithCancels> {
    return (await withCancels(this.deps.store, [payment]))[0]!;
  }

  private unknownOutcome(cancellation: Cancellation, note: string): CancellationOutcome {
    const attempts = cancellation.reconcileAttempts + 1;
    const delay = RESEND_BACKOFF_MS[Math.min(attempts - 1, RESEND_BACKOFF_MS.length - 1)]!;
    const at = this.now();
    return { state: 'unknown', note, attempts, reconcileAfter: new Date(at.getTime() + delay), at };
  }

  private async record(payment: Payment, cancellation: Cancellation, outcome: CancellationOutcome) {
    const settled = await this.deps.store.cancellations.settle(cancellation, outcome);
    if (settled) return settled;
    // Settled meanwhile (the reconciler and the request both got an answer): report what stands.
    const fresh = await this.deps.store.cancellations.findByCancellationId(cancellation.storeId, cancellation.cancellationId);
    const now = await this.deps.store.payments.findById(payment.storeId, payment.id);
    if (!fresh || !now) throw new Error(`cancellation ${cancellation.cancellationId} vanished`);
    return { payment: now, cancellation: fresh };
  }

  /** The merchant's answer for a cancellation as recorded. */
  private async answer(payment: Payment, cancellation: Cancellation): Promise<CancelAnswer> {
    switch (cancellation.state) {
      case 'done':
        return { ...(await this.withCancelsOf(payment)), note: null };
      case 'pending':
        return { ...(await this.withCancelsOf(payment)), note: REFUND_PENDING_NOTE };
      case 'refused':
        throw new AppError('CANCEL_REFUSED', { message: `PG사에서 취소를 거절했습니다. [${cancellation.resultCode}] ${cancellation.resultMessage}` });
      case 'requested':
      case 'unknown':
        throw new AppError('CANCEL_OUTCOME_UNKNOWN', {
          message: `PG사의 취소 결과를 아직 확인하지 못했습니다 (cancellation_id: ${cancellation.cancellationId}). 결과를 확인하는 대로 반영하니 잠시 후 결제정보를 다시 조회해 주세요.`,
        });
      default: {
        const never: never = cancellation.state;
        throw new TypeError(`unknown cancellation state ${String(never)}`);
      }
    }
  }

  private refuseOverRemaining(payment: Payment, remaining: number, request: Pick<CancelRequest, 'amount' | 'checksum'>): void {
    const shown = (minor: number) => fromMinorUnits(minor, payment.currency);
    const held = payment.cancelReserved > 0 ? ` (진행 중인 취소 ${shown(payment.cancelReserved)} 제외)` : '';
    if (request.checksum !== null && request.checksum !== remaining) {
      throw new AppError('CANCEL_CHECKSUM_MISMATCH', { field: 'checksum', message: `checksum: 취소 가능 잔액(${shown(remaining)})${held}과 일치하지 않습니다.` });
    }
    if (remaining <= 0) throw new AppError('CANCEL_AMOUNT_EXCEEDED', { field: 'amount', message: `amount: 취소 가능 잔액이 없습니다${held}.` });
    if (request.amount !== null && request.amount > remaining) {
      throw new AppError('CANCEL_AMOUNT_EXCEEDED', { field: 'amount', message: `amount: 취소 가능 잔액(${shown(remaining)})${held}보다 큰 금액은 취소할 수 없습니다.` });
    }
  }

  /** imp_uid wins; a merchant_uid names its paid payment, else its latest one. */
  private async findTarget(storeId: number, command: CancelCommand): Promise<Payment> {
    const { payments } = this.deps.store;
    if (command.impUid) {
      const payment = await payments.findByImpUid(storeId, command.impUid);
      if (!payment) throw new AppError('CANCEL_PAYMENT_NOT_FOUND');
      return payment;
    }
    if (command.merchantUid) {
      const payment =
        (await payments.findByMerchantUid(storeId, command.merchantUid, { status: 'paid' })) ?? (await payments.findByMerchantUid(storeId, command.merchantUid));
      if (!payment) throw new AppError('CANCEL_PAYMENT_NOT_FOUND');
      return payment;
    }
    throw invalidParameter([{ field: 'imp_uid', rule: 'imp_uid 또는 merchant_uid 중 하나는 입력해야 합니다' }]);
  }

  private now(): Date {
    return this.deps.clock.now();
  }
}

/** The command's amounts in the payment's minor units, or every broken rule. */
function readCancelRequest(command: CancelCommand, payment: Payment): CancelRequest {
  const violations: FieldViolation[] = [];
  const minor = (field: string, value: number | null | undefined): number | null => {
    if (value === null || value === undefined) return null;
    const problem = amountProblem(value, payment.currency);
    if (problem) {
      violations.push({ field, rule: problem });
      return null;
    }
    return toMinorUnits(value, payment.currency);
  };
  const request: CancelRequest = {
    amount: minor('amount', command.amount),
    taxFree: minor('tax_free', command.taxFree),
    vatAmount: minor('vat_amount', command.vatAmount),
    checksum: minor('checksum', command.checksum),
    reason: command.reason ?? null,
    refund: { holder: command.refundHolder ?? null, bank: command.refundBank ?? null, account: command.refundAccount ?? null, tel: command.refundTel ?? null },
    enableWebhook: command.enableWebhook === true,
  };
  if (violations.length > 0) throw invalidParameter(violations);
  return request;
}
