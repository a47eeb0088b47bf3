import { ConnectorFault, type PaymentWindowLaunch, type PgConnector } from '../connectors/contract';
import { AppError, invalidParameter, type ErrorCode, type FieldViolation } from '../domain/errors';
import { newCheckoutSessionId, newImpUid } from '../domain/ids';
import type { Payment } from '../domain/payment';
import { parseRequestPayParams, type PaymentRequest } from '../domain/request-pay';
import type { ApprovalOutcome, ChannelRecord, CheckoutSessionRecord, StoreRecord } from '../store/types';
import { channelCredentials } from './channels';
import type { ServiceDeps } from './deps';

/** How long a window may stay open before its session is refused. */
export const CHECKOUT_SESSION_TTL_MS = 30 * 60 * 1000;

export type CheckoutMode = 'pc' | 'mobile';

export interface OpenSessionInput {
  userCode: string;
  params: unknown;
  mode: CheckoutMode;
  /** Origin of the merchant page (from the Origin header, else page_url). */
  merchantOrigin: string;
  userAgent: string | null;
}

export interface OpenedSession {
  sessionId: string;
  payment: Payment;
}

/** A session's failure, kept with it so a reload shows the same answer. */
export interface CheckoutError {
  code: string;
  message: string;
}

export interface CheckoutResult {
  session: CheckoutSessionRecord;
  payment: Payment;
  /** null when the payment is paid. */
  error: CheckoutError | null;
}

export interface WindowDescription {
  session: CheckoutSessionRecord;
  payment: Payment;
  launch: PaymentWindowLaunch;
  returnUrl: string;
  stopUrl: string;
}

/**
 * A checkout error that still carries the merchant_uid (and imp_uid when a payment exists), so
 * the SDK can report it in the callback.
 */
export class CheckoutRefusal extends AppError {
  constructor(
    code: ErrorCode,
    readonly merchantUid: string | null,
    detail?: { message?: string; field?: string },
  ) {
    super(code, detail);
  }
}

/**
 * The authenticated payment flow (DESIGN §2): open a session for `IMP.request_pay`, describe
 * the PG window, and complete the PG's return by approving through the connector.
 *
 * Approval records the intent first (claiming merchant_uid), calls the PG outside any
 * transaction, then records the outcome. A payment becomes `paid` only from a verified PG
 * approval; a fault leaves it unpaid, and an unknown outcome keeps the claim until reconciled.
 */
export class CheckoutService {
  constructor(private readonly deps: ServiceDeps) {}

  async openSession(input: OpenSessionInput): Promise<OpenedSession> {
    const { store, clock } = this.deps;
    const rawParams = (typeof input.params === 'object' && input.params !== null ? input.params : {}) as Record<string, unknown>;
    const merchantUid = typeof rawParams.merchant_uid === 'string' ? rawParams.merchant_uid : null;

    const merchant = await store.stores.findByImpCode(input.userCode);
    if (!merchant) throw new CheckoutRefusal('STORE_NOT_FOUND', merchantUid, { field: 'user_code' });

    const parsed = parseRequestPayParams(input.params);
    if (!parsed.ok) throw refusal(parsed.violations, merchantUid);
    const request = parsed.request;

    const channel = await this.resolveChannel(merchant, rawParams, merchantUid);
    const connector = this.connectorFor(channel);
    const violations = connector.validatePaymentRequest(request, { mobile: input.mode === 'mobile' });
    if (input.mode === 'mobile' && !request.mRedirectUrl) {
      violations.push({ field: 'm_redirect_url', rule: '모바일 결제에는 결제 후 돌아갈 m_redirect_url이 필요합니다' });
    }
    if (violations.length > 0) throw refusal(violations, merchantUid);

    const claim = await store.payments.findClaim(merchant.id, request.merchantUid);
    if (claim) {
      throw new CheckoutRefusal(claim.status === 'paid' ? 'MERCHANT_UID_ALREADY_PAID' : 'PAYMENT_IN_PROGRESS', merchantUid, {
        field: 'merchant_uid',
      });
    }

    const now = clock.now();
    const sessionId = newCheckoutSessionId();
    const payment = await store.transaction(async (repos) => {
      const created = await repos.payments.insert(newPaymentFor(merchant, channel, request, input, now));
      await repos.checkoutSessions.insert({
        id: sessionId,
        storeId: merchant.id,
        paymentId: created.id,
        mode: input.mode,
        merchantOrigin: input.merchantOrigin,
        mRedirectUrl: request.mRedirectUrl,
        createdAt: now,
        expiresAt: new Date(now.getTime() + CHECKOUT_SESSION_TTL_MS),
      });
      return created;
    });
    this.deps.logger.info({ impUid: payment.impUid, merchantUid: payment.merchantUid, mode: input.mode }, 'checkout session opened');
    return { sessionId, payment };
  }

  /** The window of an open session: how to launch the PG's own window. */
  async describeWindow(sessionId: string): Promise<WindowDescription | CheckoutResult> {
    const { session, payment } = await this.loadSession(sessionId);
    if (session.state === 'completed') return this.completedResult(session, payment);
    this.assertNotExpired(session);
    const channel = await this.channelOf(payment);
    const returnUrl = `${this.deps.publicUrl}/checkout/${session.id}/return`;
    const stopUrl = `${this.deps.publicUrl}/checkout/${session.id}/stop`;
    const request = requestOf(payment);
    const launch = this.connectorFor(channel).buildPaymentWindow(
      channelCredentials(this.deps, channel),
      { request, returnUrl, stopUrl, mobile: session.mode === 'mobile', buyerIp: null },
      this.deps.clock.now(),
    );
    return { session, payment, launch, returnUrl, stopUrl };
  }

  /**
   * Completes a session with what the PG window sent back (ReturnUrl / StopUrl form fields).
   * Idempotent: a session that is already completed answers its recorded result again.
   */
  async completeReturn(sessionId: string, fields: Record<string, string>): Promise<CheckoutResult> {
    const { session, payment } = await this.loadSession(sessionId);
    if (session.state === 'completed') return this.completedResult(session, payment);
    if (session.expiresAt.getTime() <= this.deps.clock.now().getTime()) {
      return this.finish(session, payment, { code: 'CHECKOUT_SESSION_EXPIRED', message: new AppError('CHECKOUT_SESSION_EXPIRED').message });
    }
    if (payment.approvalState !== 'none') return this.awaitOtherAttempt(session);

    const channel = await this.channelOf(payment);
    const connector = this.connectorFor(channel);
    const windowReturn = connector.parseWindowReturn(fields);
    if (windowReturn.kind === 'aborted') {
      const message = new AppError('USER_CANCELLED').message;
      const failed = await this.failBeforeApproval(payment, windowReturn.code, message);
      return this.finish(session, failed, { code: 'USER_CANCELLED', message });
    }

    const now = this.deps.clock.now();
    const claimed = await this.deps.store.payments.claimForApproval(payment.storeId, payment.id, windowReturn.pgTid, now);
    if (!claimed) {
      const fresh = await this.reload(payment);
      if (fresh.approvalState !== 'none') return this.awaitOtherAttempt(session);
      // Another payment of the same merchant_uid holds the claim: never ask the PG to approve.
      const holder = await this.deps.store.payments.findClaim(payment.storeId, payment.merchantUid);
      const code: ErrorCode = holder?.status === 'paid' ? 'MERCHANT_UID_ALREADY_PAID' : 'PAYMENT_IN_PROGRESS';
      const message = new AppError(code).message;
      const failed = await this.failBeforeApproval(fresh, code, message);
      return this.finish(session, failed, { code, message });
    }

    const outcome = await this.approve(connector, channel, payment, windowReturn.pgTid, windowReturn.authToken);
    const updated = await this.deps.store.payments.recordApprovalOutcome(payment.storeId, payment.id, outcome.record, this.deps.clock.now());
    if (!updated) throw new Error(`approval outcome of ${payment.impUid} could not be recorded: it was no longer requested`);
    this.deps.logger.info(
      { impUid: updated.impUid, status: updated.status, approval: updated.approvalState, pgTid: updated.pgTid },
      'approval recorded',
    );
    return this.finish(session, updated, outcome.error);
  }

  /** Calls the PG and turns whatever happened into what gets recorded. Never throws a connector fault. */
  private async approve(
    connector: PgConnector,
    channel: ChannelRecord,
    payment: Payment,
    pgTid: string,
    authToken: string,
  ): Promise<{ record: ApprovalOutcome; error: CheckoutError | null }> {
    try {
      const result = await connector.approvePayment(this.deps.connectorContext, channelCredentials(this.deps, channel), {
        pgTid,
        authToken,
        expected: { merchantUid: payment.merchantUid, amount: payment.amount },
      });
      if (result.outcome === 'approved') {
        return {
          record: { kind: 'approved', pgTid: result.pgTid, paidAt: result.approvedAt, card: result.card, receiptUrl: result.receiptUrl },
          error: null,
        };
      }
      return {
        record: { kind: 'declined', pgTid: result.pgTid, failCode: result.code, failReason: result.message, failedAt: this.deps.clock.now() },
        error: { code: result.code, message: result.message },
      };
    } catch (err) {
      if (!(err instanceof ConnectorFault)) throw err;
      this.deps.logger.error({ impUid: payment.impUid, pgTid, fault: err.kind, err: err.message }, 'PG approval fault');
      const code: ErrorCode = err.kind === 'timeout' ? 'PG_TIMEOUT' : 'PG_FAULT';
      const message = new AppError(code).message;
      if (err.kind === 'network' && !err.outcomeUnknown) {
        // The request never reached the PG, so nothing can have been approved.
        return {
          record: { kind: 'declined', pgTid, failCode: code, failReason: `${message} (${err.message})`, failedAt: this.deps.clock.now() },
          error: { code, message },
        };
      }
      // The PG may have approved (timeout) or answered something we cannot trust: keep the
      // claim on merchant_uid and leave the payment unpaid until the outcome is reconciled.
      return { record: { kind: 'unknown', pgTid, note: `${message} (${err.kind}: ${err.message})` }, error: { code, message } };
    }
  }

  private async failBeforeApproval(payment: Payment, failCode: string, failReason: string): Promise<Payment> {
    const failed = await this.deps.store.payments.markFailed(payment.storeId, payment.id, {
      failCode,
      failReason,
      failedAt: this.deps.clock.now(),
    });
    return failed ?? (await this.reload(payment));
  }

  private async finish(session: CheckoutSessionRecord, payment: Payment, error: CheckoutError | null): Promise<CheckoutResult> {
    const now = this.deps.clock.now();
    const stored = { error_code: error?.code ?? null, error_msg: error?.message ?? null };
    const completed = await this.deps.store.checkoutSessions.complete(session.id, stored, now);
    if (!completed) {
      const again = await this.loadSession(session.id);
      return this.completedResult(again.session, again.payment);
    }
    return { session: { ...session, state: 'completed', result: stored, completedAt: now }, payment, error };
  }

  /** Another request is approving this very payment (a double submit): wait for its result. */
  private async awaitOtherAttempt(session: CheckoutSessionRecord): Promise<CheckoutResult> {
    const deadline = Date.now() + this.deps.connectorContext.timeoutMs + 5_000;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const current = await this.loadSession(session.id);
      if (current.session.state === 'completed') return this.completedResult(current.session, current.payment);
    }
    throw new AppError('PAYMENT_IN_PROGRESS');
  }

  private completedResult(session: CheckoutSessionRecord, payment: Payment): CheckoutResult {
    const stored = session.result ?? {};
    const code = typeof stored.error_code === 'string' ? stored.error_code : null;
    const message = typeof stored.error_msg === 'string' ? stored.error_msg : null;
    return { session, payment, error: code ? { code, message: message ?? '' } : null };
  }

  private async loadSession(sessionId: string): Promise<{ session: CheckoutSessionRecord; payment: Payment }> {
    const session = await this.deps.store.checkoutSessions.findById(sessionId);
    if (!session) throw new AppError('CHECKOUT_SESSION_NOT_FOUND');
    const payment = await this.deps.store.payments.findById(session.storeId, session.paymentId);
    if (!payment) throw new AppError('CHECKOUT_SESSION_NOT_FOUND');
    return { session, payment };
  }

  private assertNotExpired(session: CheckoutSessionRecord): void {
    if (session.expiresAt.getTime() <= this.deps.clock.now().getTime()) throw new AppError('CHECKOUT_SESSION_EXPIRED');
  }

  private async reload(payment: Payment): Promise<Payment> {
    const fresh = await this.deps.store.payments.findById(payment.storeId, payment.id);
    if (!fresh) throw new Error(`payment ${payment.impUid} vanished`);
    return fresh;
  }

  private async channelOf(payment: Payment): Promise<ChannelRecord> {
    const channel = await this.deps.store.channels.findById(payment.storeId, payment.channelId);
    if (!channel) throw new Error(`channel ${payment.channelId} of ${payment.impUid} is missing`);
    return channel;
  }

  private connectorFor(channel: ChannelRecord): PgConnector {
    const connector = this.deps.connectors.get(channel.pgProvider);
    if (!connector) throw new AppError('UNSUPPORTED_PG', { field: 'pg' });
    return connector;
  }

  /** channelKey, else the deprecated `pg` ("smartro_v2" or "smartro_v2.{MID}"), else the store's default channel. */
  private async resolveChannel(merchant: StoreRecord, raw: Record<string, unknown>, merchantUid: string | null): Promise<ChannelRecord> {
    const { channels } = this.deps.store;
    if (raw.channelKey !== undefined && raw.channelKey !== null && raw.channelKey !== '') {
      if (typeof raw.channelKey !== 'string') throw refusal([{ field: 'channelKey', rule: '문자열이어야 합니다' }], merchantUid);
      const channel = await channels.findByChannelKey(merchant.id, raw.channelKey);
      if (!channel) throw new CheckoutRefusal('CHANNEL_NOT_FOUND', merchantUid, { field: 'channelKey', message: 'channelKey: 해당 채널 키로 등록된 채널이 없습니다' });
      return channel;
    }
    if (raw.pg !== undefined && raw.pg !== null && raw.pg !== '') {
      if (typeof raw.pg !== 'string') throw refusal([{ field: 'pg', rule: '문자열이어야 합니다' }], merchantUid);
      const dot = raw.pg.indexOf('.');
      const provider = dot === -1 ? raw.pg : raw.pg.slice(0, dot);
      const mid = dot === -1 ? undefined : raw.pg.slice(dot + 1);
      if (!this.deps.connectors.has(provider)) {
        throw new CheckoutRefusal('UNSUPPORTED_PG', merchantUid, { field: 'pg', message: `pg: 지원하지 않는 PG사입니다 (${provider})` });
      }
      const [channel] = await channels.findByPg(merchant.id, provider, mid);
      if (!channel) throw new CheckoutRefusal('CHANNEL_NOT_FOUND', merchantUid, { field: 'pg', message: `pg: ${raw.pg}에 해당하는 채널이 없습니다` });
      return channel;
    }
    const channel = await channels.findDefault(merchant.id);
    if (!channel) throw new CheckoutRefusal('CHANNEL_NOT_FOUND', merchantUid, { field: 'channelKey', message: 'channelKey: 기본 채널이 없으니 channelKey를 지정해 주세요' });
    return channel;
  }
}

function refusal(violations: FieldViolation[], merchantUid: string | null): CheckoutRefusal {
  const error = invalidParameter(violations);
  return new CheckoutRefusal('INVALID_PARAMETER', merchantUid, { message: error.message, field: error.field });
}

function newPaymentFor(merchant: StoreRecord, channel: ChannelRecord, request: PaymentRequest, input: OpenSessionInput, now: Date) {
  return {
    storeId: merchant.id,
    channelId: channel.id,
    impUid: newImpUid(),
    merchantUid: request.merchantUid,
    pgProvider: channel.pgProvider,
    pgId: channel.pgId,
    payMethod: request.payMethod,
    channel: input.mode,
    sandbox: channel.testMode,
    escrow: request.escrow,
    name: request.name,
    amount: request.amount,
    currency: request.currency,
    status: 'ready' as const,
    buyerName: request.buyerName,
    buyerEmail: request.buyerEmail,
    buyerTel: request.buyerTel,
    buyerAddr: request.buyerAddr,
    buyerPostcode: request.buyerPostcode,
    customData: request.customData,
    noticeUrl: request.noticeUrl,
    userAgent: input.userAgent,
    requestJson: JSON.stringify(request),
    startedAt: now,
  };
}

/** The PaymentRequest a payment was opened with (kept with it, so the window is built from exactly that). */
function requestOf(payment: Payment): PaymentRequest {
  return JSON.parse(payment.requestJson) as PaymentRequest;
}
