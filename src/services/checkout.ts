import type { BillingKeyWindow, PaymentFacts, PgConnector, WindowLaunch } from '../connectors/contract';
import { AppError, invalidParameter, type ErrorCode, type FieldViolation } from '../domain/errors';
import { newCheckoutSessionId } from '../domain/ids';
import type { Payment, PaymentPassThrough } from '../domain/payment';
import { approvalOpen } from '../domain/payment-transitions';
import { parseRequestPayParams, type PaymentRequest } from '../domain/request-pay';
import type { CheckoutSessionRecord } from '../store/types';
import type { ApprovalService, AttemptError } from './approvals';
import { BillingKeyIssues } from './billing-issue';
import type { ChannelService, ResolvedChannel } from './channels';
import type { ServiceDeps } from './deps';
import type { PaymentPrepareService } from './prepares';
import { newPaymentRecord, passThroughOf } from './new-payment';
import { TIMED_OUT, withinMs } from './within';

/** How long a window may stay open before its session is refused. */
export const CHECKOUT_SESSION_TTL_MS = 30 * 60 * 1000;
/** How often a waiting double submit looks for the first request's result. */
const POLL_MS = 100;

export type CheckoutMode = 'pc' | 'mobile';

/** `POST /checkout/sessions` after the route has read its body. */
export interface OpenSessionCommand {
  userCode: string;
  /** The request_pay parameters as the merchant page passed them (validated here). */
  params: Record<string, unknown>;
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
export type CheckoutError = AttemptError;

/**
 * Where a session stands: `pending` while the PG's outcome is being confirmed (the window shows
 * 결제 확인 중 and polls), else completed with its result (`error` null when paid).
 */
export interface CheckoutResult {
  session: CheckoutSessionRecord;
  payment: Payment;
  error: CheckoutError | null;
  pending: boolean;
}

export interface WindowDescription {
  session: CheckoutSessionRecord;
  payment: Payment;
  launch: WindowLaunch;
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

/** The gateway's own abort field, posted by the checkout window's 닫기 button whatever the PG. */
export const GATEWAY_ABORT_FIELD = 'gyeol_abort';

/**
 * Checkout sessions for `IMP.request_pay` (DESIGN §2): open a session, describe the PG window,
 * and complete the PG's return through the approvals pipeline.
 */
export class CheckoutService {
  private readonly issues: BillingKeyIssues;

  constructor(
    private readonly deps: ServiceDeps,
    private readonly channels: ChannelService,
    private readonly approvals: ApprovalService,
    private readonly prepares: PaymentPrepareService,
  ) {
    this.issues = new BillingKeyIssues(deps);
  }

  async openSession(input: OpenSessionCommand): Promise<OpenedSession> {
    const { store, clock } = this.deps;
    const rawUid = input.params.merchant_uid;
    const merchantUid = typeof rawUid === 'string' ? rawUid : null;
    const refuse = (err: unknown): never => {
      if (err instanceof AppError) throw new CheckoutRefusal(err.code, merchantUid, { message: err.message, field: err.field });
      throw err;
    };

    const merchant = await store.stores.findByImpCode(input.userCode);
    if (!merchant) throw new CheckoutRefusal('STORE_NOT_FOUND', merchantUid, { field: 'user_code' });

    const parsed = parseRequestPayParams(input.params, { now: clock.now() });
    if (!parsed.ok) throw refusal(parsed.violations, merchantUid);
    const request = parsed.request;

    const channel = await this.channels.resolve(merchant, { channelKey: input.params.channelKey, pg: input.params.pg }).catch(refuse);
    const connector = this.channels.connectorOf(channel);
    const facts = factsOf(request);
    const env = { mobile: input.mode === 'mobile' };
    const violations: FieldViolation[] = [];
    if (request.customerUid !== null) {
      // A billing-key window (V1 §5.1): the connector's issue rules replace its payment rules.
      const issuer = billingWindowOf(connector);
      if (!issuer) throw new CheckoutRefusal('BILLING_NOT_SUPPORTED', merchantUid, { field: 'customer_uid' });
      const problem = issuer.channelProblem(this.channels.open(channel).credentials);
      if (problem) {
        throw new CheckoutRefusal('BILLING_CHANNEL_NOT_READY', merchantUid, {
          field: problem.field,
          message: `${new AppError('BILLING_CHANNEL_NOT_READY').message} ${problem.field}: ${problem.rule}`,
        });
      }
      violations.push(...issuer.validate(facts, env));
    } else {
      if (!connector.capabilities.methods.includes(request.payMethod)) {
        violations.push({ field: 'pay_method', rule: `이 채널에서 지원하지 않는 결제수단입니다 (${connector.capabilities.methods.join(', ')}만 가능)` });
      }
      violations.push(...connector.validatePayment(facts, env));
    }
    if (input.mode === 'mobile' && !request.mRedirectUrl) {
      violations.push({ field: 'm_redirect_url', rule: '모바일 결제에는 결제 후 돌아갈 m_redirect_url이 필요합니다' });
    }
    if (violations.length > 0) throw refusal(dedupe(violations), merchantUid);

    // An amount registered with /payments/prepare must be the window's amount (and currency).
    const prepared = await this.prepares.violations(merchant.id, request.merchantUid, request.amount, request.currency);
    if (prepared.length > 0) {
      throw new CheckoutRefusal('PREPARED_AMOUNT_MISMATCH', merchantUid, {
        message: prepared.map((v) => `${v.field}: ${v.rule}`).join(' / '),
        field: prepared[0].field,
      });
    }

    const claim = await store.payments.findClaim(merchant.id, request.merchantUid);
    if (claim) {
      throw new CheckoutRefusal(claim.status === 'paid' ? 'MERCHANT_UID_ALREADY_PAID' : 'PAYMENT_IN_PROGRESS', merchantUid, {
        field: 'merchant_uid',
      });
    }

    const now = clock.now();
    const sessionId = newCheckoutSessionId();
    const payment = await store.transaction(async (repos) => {
      const billing = request.customerUid !== null ? { customerUid: request.customerUid, usage: 'issue' as const } : undefined;
      const created = await repos.payments.insert(
        newPaymentRecord(merchant.id, channel, request, { channel: input.mode, userAgent: input.userAgent, passThrough: passThroughOf(request), billing }, now),
      );
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

  /**
   * The window of a session: how to launch the PG's own window, or — when the payment is already
   * being approved or settled — where it stands. Never a second PG window for one payment.
   */
  async describeWindow(sessionId: string): Promise<WindowDescription | CheckoutResult> {
    const { session, payment } = await this.loadSession(sessionId);
    if (session.state === 'completed') return this.completedResult(session, payment);
    if (payment.approvalState !== 'none' || payment.status !== 'ready') return this.settledOrPending(session, payment);
    if (session.expiresAt.getTime() <= this.deps.clock.now().getTime()) throw new AppError('CHECKOUT_SESSION_EXPIRED');
    const resolved = await this.channels.openById(payment.storeId, payment.channelId);
    const returnUrl = `${this.deps.publicUrl}/checkout/${session.id}/return`;
    const stopUrl = `${this.deps.publicUrl}/checkout/${session.id}/stop`;
    const input = { payment: factsOfPayment(payment), returnUrl, stopUrl, mobile: session.mode === 'mobile', buyerIp: null };
    const now = this.deps.clock.now();
    let launch: WindowLaunch;
    if (payment.customerUidUsage === 'issue') {
      const issuer = billingWindowOf(resolved.connector);
      // The channel's PG stopped issuing keys since the session opened (a changed channel).
      if (!issuer) throw new AppError('BILLING_NOT_SUPPORTED');
      launch = issuer.open(resolved.credentials, input, now);
    } else {
      launch = resolved.connector.openWindow(resolved.credentials, input, now);
    }
    return { session, payment, launch, returnUrl, stopUrl };
  }

  /**
   * Completes a session with what the PG window sent back (ReturnUrl / StopUrl form fields).
   * Answers within `approvals.returnWaitMs`: an approval that takes longer goes on, and the answer
   * is `pending` (the window polls). Idempotent: a completed session answers its result again.
   */
  async completeReturn(sessionId: string, fields: Record<string, string>): Promise<CheckoutResult> {
    const { session, payment } = await this.loadSession(sessionId);
    if (session.state === 'completed') return this.completedResult(session, payment);
    if (payment.approvalState !== 'none' || payment.status !== 'ready') return this.awaitSettlement(session);
    if (session.expiresAt.getTime() <= this.deps.clock.now().getTime()) {
      return this.finish(session, payment, { code: 'CHECKOUT_SESSION_EXPIRED', message: new AppError('CHECKOUT_SESSION_EXPIRED').message });
    }

    if (fields[GATEWAY_ABORT_FIELD] === '1') {
      const error = { code: 'USER_CANCELLED', message: new AppError('USER_CANCELLED').message };
      return this.finish(session, await this.approvals.abandon(payment, error), error);
    }
    const resolved = await this.channels.openById(payment.storeId, payment.channelId);
    if (payment.customerUidUsage === 'issue') return this.completeBillingIssue(session, payment, resolved, fields);
    const windowReturn = resolved.connector.readWindowReturn(resolved.credentials, fields);
    switch (windowReturn.kind) {
      case 'aborted': {
        const message = new AppError('USER_CANCELLED').message;
        const failed = await this.approvals.abandon(payment, { code: windowReturn.code, message });
        return this.finish(session, failed, { code: 'USER_CANCELLED', message });
      }
      case 'rejected': {
        const error = { code: windowReturn.code, message: windowReturn.message };
        this.deps.logger.warn({ impUid: payment.impUid, code: windowReturn.code }, 'window return refused before approval');
        return this.finish(session, await this.approvals.abandon(payment, error), error);
      }
      case 'authenticated':
        break;
      default: {
        const never: never = windowReturn;
        throw new TypeError(`unknown window return ${JSON.stringify(never)}`);
      }
    }

    let confirmed: () => void = () => undefined;
    const pastConfirm = new Promise<void>((resolve) => {
      confirmed = resolve;
    });
    const attempt = this.approvals.approve(payment, resolved, windowReturn.pgTid, windowReturn.auth, { confirmed }).then(async (outcome) => {
      if (outcome.kind === 'settled') return this.finish(session, outcome.payment, outcome.error);
      if (outcome.payment.approvalState !== 'none') return this.awaitSettlement(session);
      // Another payment of the same merchant_uid holds the claim: the PG is never asked to approve.
      const code: ErrorCode = outcome.holder?.status === 'paid' ? 'MERCHANT_UID_ALREADY_PAID' : 'PAYMENT_IN_PROGRESS';
      const error = { code, message: new AppError(code).message };
      return this.finish(session, await this.approvals.abandon(outcome.payment, error), error);
    });
    // The merchant's confirm step (bounded by its own timeout) is waited for in full: until it
    // ends the payment is unclaimed, and a 결제 확인 중 page reloading the window would open the
    // PG's window again. The return wait counts from the claim.
    await Promise.race([pastConfirm, attempt]);
    const waited = await withinMs(attempt, this.deps.approvals.returnWaitMs);
    if (waited !== TIMED_OUT) return waited;
    attempt.catch((err: unknown) => {
      this.deps.logger.error({ impUid: payment.impUid, err: err instanceof Error ? err.message : String(err) }, 'approval failed after the window was answered');
    });
    const current = await this.loadSession(session.id);
    return { session: current.session, payment: current.payment, error: null, pending: true };
  }

  /**
   * Completes a billing-key window (V1 §5.1) with what it posted back: the connector reads and
   * verifies it; an issued key is recorded (payment paid with amount 0, customer saved with the
   * key sealed); anything else fails the attempt and stores nothing. No PG call is made.
   */
  private async completeBillingIssue(
    session: CheckoutSessionRecord,
    payment: Payment,
    resolved: ResolvedChannel,
    fields: Record<string, string>,
  ): Promise<CheckoutResult> {
    const fail = async (error: CheckoutError, failCode = error.code) =>
      this.finish(session, await this.approvals.abandon(payment, { code: failCode, message: error.message }), error);
    const issuer = billingWindowOf(resolved.connector);
    if (!issuer) return fail({ code: 'BILLING_NOT_SUPPORTED', message: new AppError('BILLING_NOT_SUPPORTED').message });
    const back = issuer.readReturn(resolved.credentials, fields);
    switch (back.kind) {
      case 'aborted':
        // The PG's own code stays on the payment; the buyer's callback gets V1's user-abort message.
        return fail({ code: 'USER_CANCELLED', message: new AppError('USER_CANCELLED').message }, back.code);
      case 'declined':
        return fail({ code: back.code, message: back.message });
      case 'rejected':
        this.deps.logger.warn({ impUid: payment.impUid, code: back.code, reason: back.reason }, 'billing window return refused');
        return fail({ code: back.code, message: back.message });
      case 'issued':
        break;
      default: {
        const never: never = back;
        throw new TypeError(`unknown billing window return ${JSON.stringify(never)}`);
      }
    }
    const outcome = await this.issues.record(payment, resolved, back);
    switch (outcome.kind) {
      case 'issued':
        return this.finish(session, outcome.payment, null);
      case 'mismatch':
      case 'not-claimed':
        return fail(outcome.error);
      case 'moved':
        return this.settledOrPending(session, outcome.payment);
      default: {
        const never: never = outcome;
        throw new TypeError(`unknown issue outcome ${JSON.stringify(never)}`);
      }
    }
  }

  /** A session whose payment left `ready/none`: finish it from the payment, or report it pending. */
  private async settledOrPending(session: CheckoutSessionRecord, payment: Payment): Promise<CheckoutResult> {
    if (approvalOpen(payment)) return { session, payment, error: null, pending: true };
    // Settled without this session hearing of it (the process died during the approval and the
    // reconciler settled it, or a stray approval was adopted): finish the session now.
    return this.finish(session, payment, this.approvals.errorFor(payment));
  }

  /** Another request is approving this very payment (a double submit): wait a bounded time for its result. */
  private async awaitSettlement(session: CheckoutSessionRecord): Promise<CheckoutResult> {
    const deadline = Date.now() + this.deps.approvals.returnWaitMs;
    for (;;) {
      const current = await this.loadSession(session.id);
      if (current.session.state === 'completed') return this.completedResult(current.session, current.payment);
      if (!approvalOpen(current.payment)) return this.settledOrPending(current.session, current.payment);
      if (Date.now() >= deadline) return { session: current.session, payment: current.payment, error: null, pending: true };
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  private async finish(session: CheckoutSessionRecord, payment: Payment, error: CheckoutError | null): Promise<CheckoutResult> {
    const now = this.deps.clock.now();
    const stored = { error_code: error?.code ?? null, error_msg: error?.message ?? null };
    const completed = await this.deps.store.checkoutSessions.complete(session.id, stored, now);
    if (!completed) {
      const again = await this.loadSession(session.id);
      return this.completedResult(again.session, again.payment);
    }
    return { session: { ...session, state: 'completed', result: stored, completedAt: now }, payment, error, pending: false };
  }

  private completedResult(session: CheckoutSessionRecord, payment: Payment): CheckoutResult {
    const stored = session.result ?? {};
    const code = typeof stored.error_code === 'string' ? stored.error_code : null;
    const message = typeof stored.error_msg === 'string' ? stored.error_msg : null;
    return { session, payment, error: code ? { code, message: message ?? '' } : null, pending: false };
  }

  private async loadSession(sessionId: string): Promise<{ session: CheckoutSessionRecord; payment: Payment }> {
    const session = await this.deps.store.checkoutSessions.findById(sessionId);
    if (!session) throw new AppError('CHECKOUT_SESSION_NOT_FOUND');
    const payment = await this.deps.store.payments.findById(session.storeId, session.paymentId);
    if (!payment) throw new AppError('CHECKOUT_SESSION_NOT_FOUND');
    return { session, payment };
  }
}


/** The connector's billing window, when it declares billing keys and has one. */
function billingWindowOf(connector: PgConnector): BillingKeyWindow<unknown> | null {
  return connector.capabilities.billing ? (connector.flows.issueBillingKey ?? null) : null;
}

function dedupe(violations: FieldViolation[]): FieldViolation[] {
  const seen = new Set<string>();
  return violations.filter((v) => {
    const key = `${v.field}\u0000${v.rule}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function refusal(violations: FieldViolation[], merchantUid: string | null): CheckoutRefusal {
  const error = invalidParameter(violations);
  return new CheckoutRefusal('INVALID_PARAMETER', merchantUid, { message: error.message, field: error.field });
}


/** The fields a request and a stored payment share under the same names. */
type FactFields = Omit<PaymentFacts, 'passThrough'>;

/**
 * The facts a connector checks and builds its window from: from the request before the payment
 * exists, from the payment's columns and pass-through afterwards — nothing kept twice.
 */
function factsFrom(source: FactFields, passThrough: PaymentPassThrough): PaymentFacts {
  return {
    payMethod: source.payMethod,
    merchantUid: source.merchantUid,
    name: source.name,
    amount: source.amount,
    taxFree: source.taxFree,
    vatAmount: source.vatAmount,
    currency: source.currency,
    escrow: source.escrow,
    buyerName: source.buyerName,
    buyerEmail: source.buyerEmail,
    buyerTel: source.buyerTel,
    passThrough,
  };
}

/** The facts the checkout hands a connector for a request (exported for the rules' table test). */
export const factsOf = (request: PaymentRequest): PaymentFacts => factsFrom(request, passThroughOf(request));
const factsOfPayment = (payment: Payment): PaymentFacts => factsFrom(payment, payment.passThrough);

