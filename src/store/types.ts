import type { BillingCustomer } from '../domain/billing';
import type { Cancellation, CancellationKind } from '../domain/cancellations';
import type { EscrowDelivery } from '../domain/escrow';
import type { Currency } from '../domain/money';
import type { CustomerUidUsage, Payment, PaymentStatus } from '../domain/payment';
import type { Receipt, ReceiptState } from '../domain/receipts';
import type { NewPaymentSchedule, PaymentSchedule, ScheduleStatus } from '../domain/schedules';
import type { Decision, DomainEvent } from '../domain/payment-transitions';
import type { WebhookContentType, WebhookSchedule } from '../domain/webhooks';

/**
 * What the services see of storage: one repository per aggregate, the same on SQLite and
 * PostgreSQL. Repositories speak domain types (camelCase, Dates, integer minor units); the
 * row mapping and every dialect difference stay inside src/store.
 */

export interface StoreRecord {
  id: number;
  impCode: string;
  name: string;
  apiKey: string;
  apiSecretHash: string;
  createdAt: Date;
}

export interface ChannelRecord {
  id: number;
  storeId: number;
  channelKey: string;
  name: string;
  pgProvider: string;
  pgId: string;
  testMode: boolean;
  isDefault: boolean;
  /** Non-secret settings (parsed JSON). */
  settings: Record<string, unknown>;
  /** Encrypted secret settings (opaque to the store). */
  secretsEnc: string;
  createdAt: Date;
}

export type NewStore = Omit<StoreRecord, 'id'>;
export type NewChannel = Omit<ChannelRecord, 'id'>;
export type NewPayment = Omit<
  Payment,
  | 'id'
  | 'approvalState'
  | 'approvalRequestedAt'
  | 'approvalUnverified'
  | 'reconcileAfter'
  | 'reconcileAttempts'
  | 'pgAuthSealed'
  | 'cancelAmount'
  | 'cancelReserved'
  | 'paidAt'
  | 'failedAt'
  | 'cancelledAt'
  | 'updatedAt'
  | 'pgTid'
  | 'failReason'
  | 'failCode'
  | 'receiptUrl'
  | 'card'
  | 'bank'
  | 'vbank'
  | 'embPgProvider'
>;

export type PaymentSorting = '-started' | 'started' | '-paid' | 'paid' | '-updated' | 'updated';

/** One page of a payment list: the page's payments and how many match in all. */
export interface PaymentPage {
  total: number;
  payments: Payment[];
}

/** Which rows of a list, in which order. `offset` counts rows, not pages. */
export interface PageRequest {
  sorting: PaymentSorting;
  offset: number;
  limit: number;
}

/** The time a `GET /payments/status/{status}` window is about (V1: the status's own time). */
export type PaymentTimeBasis = 'started_at' | 'paid_at' | 'failed_at' | 'cancelled_at';

/** An amount registered by `/payments/prepare` for one merchant_uid of a store. */
export interface PreparedPayment {
  storeId: number;
  merchantUid: string;
  /** Integer minor units of `currency` (KRW when currency is null). */
  amount: number;
  /** null: registered without a currency, so the window's currency is not checked. */
  currency: Currency | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface PaymentPrepareRepository {
  /** Registers an amount; null (nothing written) when the merchant_uid is registered already. */
  insert(prepared: PreparedPayment): Promise<PreparedPayment | null>;
  /** Replaces the amount and currency of a registered merchant_uid; null when there is none. */
  update(storeId: number, merchantUid: string, change: { amount: number; currency: Currency | null }, now: Date): Promise<PreparedPayment | null>;
  find(storeId: number, merchantUid: string): Promise<PreparedPayment | null>;
}

export interface EscrowDeliveryRepository {
  /** Records a payment's first delivery; null (nothing written) when it has one already. */
  insert(delivery: EscrowDelivery): Promise<EscrowDelivery | null>;
  /** Replaces a registered delivery (all but its creation time); null when there is none. */
  update(delivery: EscrowDelivery): Promise<EscrowDelivery | null>;
  find(storeId: number, paymentId: number): Promise<EscrowDelivery | null>;
}

/** A decision of the state machine that may be applied. */
export type AcceptedDecision = Extract<Decision, { ok: true }>;

/**
 * What applying a decision did: the updated payment and the events recorded with it, or why
 * nothing changed (`state`: the payment was no longer in the decided-from state; `claim`: another
 * payment of the same merchant_uid holds the claim).
 */
export type ApplyResult = { ok: true; payment: Payment; events: DomainEvent[] } | { ok: false; reason: 'state' | 'claim' };

export interface StoredPaymentEvent extends DomainEvent {
  id: number;
  storeId: number;
  paymentId: number;
}

export interface StrayApproval {
  id: number;
  storeId: number;
  channelId: number;
  pgProvider: string;
  pgTid: string;
  pgId: string;
  merchantUid: string;
  amount: number;
  approvedAt: Date;
  seenInPaymentId: number;
  state: 'needs_cancel' | 'reconciled';
  paymentId: number | null;
  createdAt: Date;
}

export interface CheckoutSessionRecord {
  id: string;
  storeId: number;
  paymentId: number;
  mode: 'pc' | 'mobile';
  merchantOrigin: string;
  mRedirectUrl: string | null;
  state: 'open' | 'completed';
  /** The SDK result object once completed. */
  result: Record<string, unknown> | null;
  createdAt: Date;
  expiresAt: Date;
  completedAt: Date | null;
}

export interface AccessTokenRecord {
  tokenHash: string;
  storeId: number;
  tokenEnc: string;
  issuedAt: Date;
  expiresAt: Date;
}

export interface StoreRepository {
  insert(store: NewStore): Promise<StoreRecord>;
  findById(id: number): Promise<StoreRecord | null>;
  findByImpCode(impCode: string): Promise<StoreRecord | null>;
  findByApiKey(apiKey: string): Promise<StoreRecord | null>;
  count(): Promise<number>;
}

export interface ChannelRepository {
  insert(channel: NewChannel): Promise<ChannelRecord>;
  findById(storeId: number, id: number): Promise<ChannelRecord | null>;
  findByChannelKey(storeId: number, channelKey: string): Promise<ChannelRecord | null>;
  /** Channels of a PG; with pgId, only that MID. Oldest first. */
  findByPg(storeId: number, pgProvider: string, pgId?: string): Promise<ChannelRecord[]>;
  /** Every store's channels of one PG merchant id (a PG notification names no store). */
  findAllByPgId(pgProvider: string, pgId: string): Promise<ChannelRecord[]>;
  findDefault(storeId: number): Promise<ChannelRecord | null>;
  /** Every channel of the store, oldest first. */
  listByStore(storeId: number): Promise<ChannelRecord[]>;
  /** Replaces a channel's non-secret settings (already checked by its connector). */
  updateSettings(storeId: number, id: number, settings: Record<string, unknown>): Promise<ChannelRecord | null>;
}

export interface PaymentRepository {
  insert(payment: NewPayment): Promise<Payment>;
  findById(storeId: number, id: number): Promise<Payment | null>;
  findByImpUid(storeId: number, impUid: string): Promise<Payment | null>;
  /**
   * The payment's `row_version` (it grows whenever the payment, a cancellation or a cash receipt
   * of it changes) and whether it is a test payment; null when the store has no such payment.
   * One small indexed read, for answer caches.
   */
  versionOf(storeId: number, impUid: string): Promise<{ version: number; sandbox: boolean } | null>;
  /**
   * Folds up to `limit` of the per-hour count changes the payment triggers wrote into the counts
   * the status lists read (store/payment-time-counts.ts); returns how many it folded. The counts
   * are exact without it; folding keeps them quick to add up.
   */
  foldTimeCounts(limit: number): Promise<number>;
  /** The store's payment with this PG transaction id (a PG notification names its Tid). */
  findByPgTid(storeId: number, pgProvider: string, pgTid: string): Promise<Payment | null>;
  /** The first payment of a merchant_uid by `sorting` (default `-started`), optionally of one status. */
  findByMerchantUid(storeId: number, merchantUid: string, options?: { status?: PaymentStatus; sorting?: PaymentSorting }): Promise<Payment | null>;
  /** The store's payments with these imp_uids (those that exist, in no particular order). */
  findByImpUids(storeId: number, impUids: readonly string[]): Promise<Payment[]>;
  /** Every payment of a merchant_uid (optionally of one status; test-channel ones unless excluded), one page of them. */
  listByMerchantUid(
    storeId: number,
    merchantUid: string,
    filter: { status?: PaymentStatus; includeSandbox: boolean },
    page: PageRequest,
  ): Promise<PaymentPage>;
  /** Every payment that issued or charged a billing key (`customer_uid`), test-channel ones unless excluded, one page of them. */
  listByCustomerUid(storeId: number, customerUid: string, filter: { includeSandbox: boolean }, page: PageRequest): Promise<PaymentPage>;
  /**
   * The store's payments of a status (or all) whose `basis` time lies in [from, to), one page of
   * them; `includeSandbox: false` leaves out test-channel payments.
   */
  listByStatus(
    storeId: number,
    filter: { status: PaymentStatus | 'all'; basis: PaymentTimeBasis; from: Date; to: Date; includeSandbox: boolean },
    page: PageRequest,
  ): Promise<PaymentPage>;
  /** Whether a payment of this merchant_uid is paid, or claimed by an approval in flight. */
  findClaim(storeId: number, merchantUid: string): Promise<Payment | null>;
  /**
   * Applies a state-machine decision: one conditional update on the decided-from state, plus the
   * decision's domain events, in one transaction. Taking the merchant_uid claim may fail on the
   * per-store unique index; then nothing changes.
   */
  apply(storeId: number, paymentId: number, decision: AcceptedDecision): Promise<ApplyResult>;
  /** Payments, of any store, whose reconciliation is due at `now`, the longest-waiting first. */
  listReconcileDue(now: Date, limit: number): Promise<Payment[]>;
  /**
   * Card checks (`customer_uid_usage` `payment.check`) of any store still `paid`, paid in
   * [paidFrom, paidBefore), oldest first: a crash left them uncancelled (the reconciler cancels them).
   */
  listPaidCardChecks(paidFrom: Date, paidBefore: Date, limit: number): Promise<Payment[]>;
  /**
   * Issued virtual accounts (`ready`, approved, `vbank`), of any store, whose deadline
   * (`vbank_date`) is earlier than `before`, the earliest deadline first.
   */
  listVbankExpired(before: Date, limit: number): Promise<Payment[]>;
  /** A store's payments whose PG outcome is open (approval requested or unknown, or an unsigned decline). */
  listInApproval(storeId: number): Promise<Payment[]>;
  /** A payment's domain events, oldest first. */
  eventsOf(storeId: number, paymentId: number): Promise<StoredPaymentEvent[]>;
}

/** A store's webhook and confirm settings. */
export interface WebhookSettingsRecord {
  storeId: number;
  liveUrl: string | null;
  testUrl: string | null;
  contentType: WebhookContentType;
  schedule: WebhookSchedule;
  /** Sealed `whsec_…` secrets (opaque to the store). */
  secretSealed: string;
  previousSecretSealed: string | null;
  previousSecretExpiresAt: Date | null;
  confirmUrl: string | null;
  confirmEnabled: boolean;
  updatedAt: Date;
}

export interface WebhookSettingsRepository {
  /** The store's row; with `lock` (inside a transaction) it is held until the transaction ends. */
  find(storeId: number, options?: { lock?: boolean }): Promise<WebhookSettingsRecord | null>;
  /** Creates the row unless one exists (concurrent first uses agree on one); returns the stored row. */
  createIfAbsent(record: WebhookSettingsRecord): Promise<WebhookSettingsRecord>;
  /** Creates the row, or replaces the given fields of an existing one. */
  upsert(record: WebhookSettingsRecord): Promise<WebhookSettingsRecord>;
}

export type WebhookDeliveryState = 'pending' | 'succeeded' | 'failed';

export interface WebhookDelivery {
  id: number;
  webhookId: string;
  storeId: number;
  paymentId: number | null;
  eventId: number | null;
  kind: 'event' | 'test';
  url: string;
  contentType: WebhookContentType;
  /** The body's fields. */
  payload: Record<string, string>;
  schedule: WebhookSchedule;
  state: WebhookDeliveryState;
  attempts: number;
  nextAttemptAt: Date | null;
  leaseToken: string | null;
  leaseUntil: Date | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewWebhookDelivery = Omit<WebhookDelivery, 'id' | 'state' | 'attempts' | 'leaseToken' | 'leaseUntil' | 'lastStatus' | 'lastError' | 'updatedAt'>;

export interface WebhookAttempt {
  id: number;
  deliveryId: number;
  storeId: number;
  attemptedAt: Date;
  status: number | null;
  latencyMs: number;
  error: string | null;
  responseExcerpt: string | null;
}

/** A domain event waiting to be turned into deliveries, with what the dispatcher needs of its payment (null: none). */
export interface UndispatchedEvent extends StoredPaymentEvent {
  payment: { sandbox: boolean; noticeUrl: string | null; customerUidUsage: CustomerUidUsage | null } | null;
}

/** One attempt to record, with the lease it was sent under and what comes next for its delivery. */
export interface RecordedAttempt {
  delivery: Pick<WebhookDelivery, 'id' | 'storeId'>;
  leaseToken: string;
  attempt: Omit<WebhookAttempt, 'id' | 'deliveryId' | 'storeId'>;
  next: { state: WebhookDeliveryState; nextAttemptAt: Date | null };
}

export interface WebhookRepository {
  /**
   * Events not dispatched yet, oldest first; inside a transaction on PostgreSQL they are locked
   * (`FOR UPDATE SKIP LOCKED`) so two dispatchers never take the same event.
   */
  takeUndispatchedEvents(limit: number): Promise<UndispatchedEvent[]>;
  markDispatched(eventIds: number[], now: Date): Promise<void>;
  /** Inserts deliveries; one per (event, url) — a repeated one is ignored. */
  insertDeliveries(deliveries: NewWebhookDelivery[]): Promise<void>;
  /**
   * Leases up to `limit` pending deliveries that are due and not leased by a live sender, counting
   * the attempt. A delivery waits while an earlier one of the same payment to the same URL is still
   * pending, so one payment's webhooks arrive in order. Several instances may call it at once: each delivery goes to one of them.
   * Never more than `limit`. On PostgreSQL, inside a transaction, it turns sorts off for the rest
   * of that transaction (see the implementation): lease last.
   */
  leaseDue(now: Date, limit: number, lease: { token: string; until: Date }): Promise<WebhookDelivery[]>;
  /**
   * Records attempts and their deliveries' next states, in one transaction (one commit for many
   * attempts), each only while its `leaseToken` still holds the lease. Answers, per attempt,
   * whether it was recorded (false: the lease was lost, nothing written for it).
   */
  recordAttempts(attempts: RecordedAttempt[]): Promise<boolean[]>;
  /** Leases one pending delivery whatever its due time (a test webhook sent at once); null when someone holds it. */
  leaseOne(storeId: number, webhookId: string, now: Date, lease: { token: string; until: Date }): Promise<WebhookDelivery | null>;
  findDelivery(storeId: number, webhookId: string): Promise<WebhookDelivery | null>;
  listDeliveries(
    storeId: number,
    filter: { paymentId?: number; state?: WebhookDeliveryState; from?: Date; to?: Date; limit: number },
  ): Promise<WebhookDelivery[]>;
  attemptsOf(storeId: number, deliveryIds: number[]): Promise<WebhookAttempt[]>;
  /** Makes a delivery due now again (a manual resend); false when it is being sent right now. */
  resend(storeId: number, webhookId: string, now: Date): Promise<boolean>;
}

export interface StrayApprovalRepository {
  /** Records a stray approval once per PG transaction; returns the stored row (existing or new). */
  record(stray: Omit<StrayApproval, 'id'>): Promise<StrayApproval>;
  list(storeId: number): Promise<StrayApproval[]>;
}

export interface CheckoutSessionRepository {
  insert(session: Omit<CheckoutSessionRecord, 'state' | 'result' | 'completedAt'>): Promise<CheckoutSessionRecord>;
  findById(id: string): Promise<CheckoutSessionRecord | null>;
  /** `open` → `completed` with the result; false if it was already completed. */
  complete(id: string, result: Record<string, unknown>, now: Date): Promise<boolean>;
}

export interface AccessTokenRepository {
  insert(token: AccessTokenRecord): Promise<void>;
  findByHash(tokenHash: string): Promise<AccessTokenRecord | null>;
  /** The store's token that expires last, if it is still valid at `now`. */
  findLatestValid(storeId: number, now: Date): Promise<AccessTokenRecord | null>;
  /** Moves a token's expiry (only ever later). */
  extend(tokenHash: string, expiresAt: Date): Promise<void>;
  /** Removes a token; false when there was none. */
  revoke(tokenHash: string): Promise<boolean>;
}

/** All repositories over one connection or one transaction. */
export interface Repositories {
  stores: StoreRepository;
  channels: ChannelRepository;
  payments: PaymentRepository;
  checkoutSessions: CheckoutSessionRepository;
  accessTokens: AccessTokenRepository;
  strayApprovals: StrayApprovalRepository;
  webhookSettings: WebhookSettingsRepository;
  webhooks: WebhookRepository;
  paymentPrepares: PaymentPrepareRepository;
  cancellations: CancellationRepository;
  receipts: ReceiptRepository;
  escrowDeliveries: EscrowDeliveryRepository;
  billingCustomers: BillingCustomerRepository;
  schedules: ScheduleRepository;
}

export interface Store extends Repositories {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs `work` in one database transaction; repositories passed in are bound to it. */
  transaction<T>(work: (repos: Repositories) => Promise<T>): Promise<T>;
  /**
   * Calls `listener` right after each commit, in this process, that wrote payment events (the
   * webhook outbox); returns the unsubscribe. A hint to wake the webhook worker: commits of other
   * processes are not seen.
   */
  onEventsCommitted(listener: () => void): () => void;
  /** Applies pending migrations. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** `postgres://…` or `postgresql://…` selects PostgreSQL; otherwise SQLite. */
  databaseUrl?: string;
  /** SQLite file path (`:memory:` allowed). */
  sqlitePath?: string;
  /** PostgreSQL schema to use (created if missing); tests use one per run for isolation. */
  pgSchema?: string;
}

/** A cancel about to be reserved. */
export interface NewCancellation {
  storeId: number;
  paymentId: number;
  cancellationId: string;
  kind: CancellationKind;
  amount: number;
  taxFree: number;
  vatAmount: number | null;
  reason: string;
  enableWebhook: boolean;
  refundSealed: string | null;
  requestedAt: Date;
  /** When the reconciler takes it over if the process dies during the PG call. */
  reconcileAfter: Date;
}

/**
 * What reserving found: the reservation (the payment as it is now, with the amount held, and the
 * cancellation with its `seq`), or the payment as it is when the guard did not hold (another
 * cancel took what was left, the checksum differs, the payment is no longer paid…).
 */
export type ReserveResult = { ok: true; payment: Payment; cancellation: Cancellation } | { ok: false; payment: Payment | null };

/** How a cancellation ends (or stays open). */
export type CancellationOutcome =
  | { state: 'done'; pgTid: string; receiptUrl: string | null; code: string; message: string; cancelledAt: Date; at: Date }
  | { state: 'refused'; code: string; message: string; at: Date }
  | { state: 'pending'; pgTid: string; code: string; message: string; at: Date }
  | { state: 'unknown'; note: string; reconcileAfter: Date | null; attempts: number; at: Date };

export interface CancellationRepository {
  /**
   * Holds `amount` of the payment and records the cancellation, in one transaction. The hold is one
   * conditional update: the payment must be in `guard.status` (for a revocation: an issued,
   * approved virtual account), have at least `amount` left after what is held, and, with a
   * checksum, exactly `checksum` left.
   */
  reserve(cancellation: NewCancellation, guard: { status: 'paid' | 'ready'; checksum: number | null }): Promise<ReserveResult>;
  /**
   * Records an outcome, with its effect on the payment and its domain event, in one transaction;
   * null when the cancellation had already left the states the outcome may follow (another
   * instance settled it first).
   */
  settle(cancellation: Cancellation, outcome: CancellationOutcome): Promise<{ cancellation: Cancellation; payment: Payment } | null>;
  findByCancellationId(storeId: number, cancellationId: string): Promise<Cancellation | null>;
  /** The open refund whose own PG transaction id this is (a refund notification names it). */
  findPendingByPgTid(storeId: number, pgTid: string): Promise<Cancellation | null>;
  /** Cancellations, of any store, whose re-send is due at `now`, the longest-waiting first. */
  listReconcileDue(now: Date, limit: number): Promise<Cancellation[]>;
  /** The cancellations of these payments, by payment then `seq`. */
  listByPayments(storeId: number, paymentIds: readonly number[]): Promise<Cancellation[]>;
}

/** A receipt as first written: the intent, before the PG is called. */
export type NewReceipt = Omit<
  Receipt,
  'id' | 'state' | 'receiptTid' | 'applyNum' | 'receiptUrl' | 'appliedAt' | 'cancelledAt' | 'failCode' | 'failReason' | 'updatedAt'
>;

/** What settling a receipt may change (the state itself is the `to` of {@link ReceiptRepository.transition}). */
export type ReceiptChange = Partial<Pick<Receipt, 'receiptTid' | 'applyNum' | 'receiptUrl' | 'appliedAt' | 'cancelledAt' | 'failCode' | 'failReason'>>;

export interface ReceiptRepository {
  /**
   * Records the intent to issue (`issuing`). Returns null, writing nothing, when the order
   * already has an active receipt (unique `active_key`: two concurrent requests cannot both win).
   */
  insertIntent(receipt: NewReceipt): Promise<Receipt | null>;
  /** The order's active receipt (issuing, issued or cancelling), if any. */
  findActive(storeId: number, key: { impUid: string } | { merchantUid: string }): Promise<Receipt | null>;
  /** Which of these payments have a cash receipt the PG issued and nobody cancelled (V1 `cash_receipt_issued`). */
  listPaymentIdsWithIssued(storeId: number, paymentIds: readonly number[]): Promise<number[]>;
  /** The order's latest receipt the PG issued (issued, cancelling or cancelled), if any. */
  findLatestIssued(storeId: number, key: { impUid: string } | { merchantUid: string }): Promise<Receipt | null>;
  /**
   * Moves a receipt from `from` to `to` with the change, only if it is still in `from`
   * (a conditional update). Returns the updated receipt, or null when it was not in `from`.
   */
  transition(storeId: number, id: number, from: ReceiptState, to: ReceiptState, change: ReceiptChange, now: Date): Promise<Receipt | null>;
}

/** Billing keys by (store, customer_uid). */
export interface BillingCustomerRepository {
  /** Inserts, or replaces the card of a known customer_uid (keeping its first `inserted`). */
  save(customer: BillingCustomer): Promise<BillingCustomer>;
  find(storeId: number, customerUid: string): Promise<BillingCustomer | null>;
  /** Those of these customer_uids that exist, in no particular order. */
  findMany(storeId: number, customerUids: readonly string[]): Promise<BillingCustomer[]>;
  /** Removes the customer (its key is gone); returns it as it was, or null when there was none. */
  delete(storeId: number, customerUid: string): Promise<BillingCustomer | null>;
}

/** What inserting a request's schedules did: all of them, or none because one merchant_uid is scheduled already. */
export type ScheduleInsertResult = { ok: true; schedules: PaymentSchedule[] } | { ok: false; merchantUid: string };

/** One page of a schedule list and how many match in all. */
export interface SchedulePage {
  total: number;
  schedules: PaymentSchedule[];
}

/** Who holds a run (a random token) and until when. */
export interface ScheduleLease {
  token: string;
  until: Date;
}

/** How a run ended. */
export interface ScheduleRunOutcome {
  status: 'executed' | 'failed';
  /** The run's payment; null when the run was refused before one was made. */
  paymentId: number | null;
  impUid: string | null;
  executedAt: Date;
  failReason: string | null;
}

/**
 * Scheduled payments by (store, merchant_uid). Every change of state is one conditional update:
 * two callers (schedulers, API calls) can never both move a schedule from the same state.
 */
export interface ScheduleRepository {
  /** Inserts all of a request's schedules (`scheduled`), or none when a merchant_uid is scheduled already. */
  insertMany(schedules: readonly NewPaymentSchedule[]): Promise<ScheduleInsertResult>;
  find(storeId: number, merchantUid: string): Promise<PaymentSchedule | null>;
  /** Those of these merchant_uids that are scheduled (in any state). */
  findMany(storeId: number, merchantUids: readonly string[]): Promise<PaymentSchedule[]>;
  /**
   * The store's schedules with `schedule_at` in [from, to), optionally of some states and one
   * customer, by `schedule_at` (then id) in `order`, one page of them.
   */
  list(
    storeId: number,
    filter: { from: Date; to: Date; statuses?: readonly ScheduleStatus[]; customerUid?: string },
    page: { offset: number; limit: number; order: 'asc' | 'desc' },
  ): Promise<SchedulePage>;
  /** `scheduled` → `revoked` for the customer's schedules and/or these merchant_uids; returns those revoked. */
  revoke(storeId: number, filter: { customerUid?: string; merchantUids?: readonly string[] }, now: Date): Promise<PaymentSchedule[]>;
  /** A new `schedule_at` for a schedule still `scheduled`; null when it is not (or does not exist). */
  moveScheduled(storeId: number, merchantUid: string, scheduleAt: Date, now: Date): Promise<PaymentSchedule | null>;
  /** `failed` or `revoked` → `scheduled` at a new time, forgetting the last run's outcome; null otherwise. */
  reschedule(storeId: number, merchantUid: string, scheduleAt: Date, now: Date): Promise<PaymentSchedule | null>;
  /**
   * Takes up to `limit` schedules of any store that are due at `now` (`scheduled` and
   * `schedule_at` ≤ now, or `running` under a lease that ran out) → `running` under `lease`.
   * Several schedulers may call it at once: each schedule goes to one of them.
   */
  takeDue(now: Date, limit: number, lease: ScheduleLease): Promise<PaymentSchedule[]>;
  /** Takes a `failed` or `revoked` schedule → `running` under `lease` for an immediate run (V1 retry); null otherwise. */
  takeForRetry(storeId: number, merchantUid: string, now: Date, lease: ScheduleLease): Promise<PaymentSchedule | null>;
  /** Ends a run (`executed` or `failed`) while `leaseToken` holds it; null (nothing written) when it does not. */
  finish(schedule: Pick<PaymentSchedule, 'storeId' | 'id'>, leaseToken: string, outcome: ScheduleRunOutcome, now: Date): Promise<PaymentSchedule | null>;
  /** Names the run's payment (still open) and keeps the run until `leaseUntil`, while `leaseToken` holds it. */
  link(schedule: Pick<PaymentSchedule, 'storeId' | 'id'>, leaseToken: string, payment: { paymentId: number; impUid: string }, leaseUntil: Date, now: Date): Promise<PaymentSchedule | null>;
  /** Gives a run back, restoring the schedule as it was before it was taken (`before`), while `leaseToken` holds it. */
  release(before: PaymentSchedule, leaseToken: string, now: Date): Promise<PaymentSchedule | null>;
}
