import type { Generated } from 'kysely';

/**
 * The tables, as Kysely sees them. One schema for SQLite and PostgreSQL: booleans are
 * integers 0/1, times are integer UNIX milliseconds (BIGINT on PostgreSQL), money is integer
 * minor units (BIGINT). Every table carries `store_id` so the schema can later be distributed
 * by store without changing queries.
 */
export interface Database {
  stores: StoresTable;
  channels: ChannelsTable;
  payments: PaymentsTable;
  checkout_sessions: CheckoutSessionsTable;
  access_tokens: AccessTokensTable;
  payment_events: PaymentEventsTable;
  stray_approvals: StrayApprovalsTable;
  webhook_settings: WebhookSettingsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  payment_prepares: PaymentPreparesTable;
  payment_cancellations: PaymentCancellationsTable;
  receipts: ReceiptsTable;
  escrow_deliveries: EscrowDeliveriesTable;
  billing_customers: BillingCustomersTable;
  payment_schedules: PaymentSchedulesTable;
  payment_time_counts: PaymentTimeCountsTable;
  payment_time_count_deltas: PaymentTimeCountDeltasTable;
}

/**
 * Payments per store, status (or `all`), family (`b`: the status's own time, `s`: started_at),
 * hour and test flag (migration 0018); kept by triggers through the deltas, folded by a job.
 */
export interface PaymentTimeCountsTable {
  store_id: number;
  status: string;
  family: string;
  /** Milliseconds since the epoch divided by 3,600,000. */
  hour: number;
  sandbox: number;
  n: number;
}

/** Changes of `payment_time_counts` not folded in yet (+1 / -1 per payment moved). */
export interface PaymentTimeCountDeltasTable extends PaymentTimeCountsTable {
  id: Generated<number>;
}

export interface StoresTable {
  id: Generated<number>;
  /** 가맹점 식별코드, `imp` + 8 digits; unique. */
  imp_code: string;
  name: string;
  /** REST API key; unique. */
  api_key: string;
  /** Salted hash of the REST API secret; the secret itself is never stored. */
  api_secret_hash: string;
  created_at: number;
}

export interface ChannelsTable {
  id: Generated<number>;
  store_id: number;
  /** `channel-key-` + uuid; unique. */
  channel_key: string;
  name: string;
  /** V1 pg_provider. */
  pg_provider: string;
  /** The PG's merchant id; V1 `pg_id`. */
  pg_id: string;
  /** 1 = test channel (V1 `sandbox`). */
  test_mode: number;
  /** 1 = used when request_pay names neither channelKey nor pg. At most one per store. */
  is_default: number;
  /** Non-secret PG settings as JSON (JS host, API host base URLs). */
  settings: string;
  /** Secret PG settings (merchant key, cancel password) as JSON, encrypted with the instance secret. */
  secrets_enc: string;
  created_at: number;
}

export interface PaymentsTable {
  id: Generated<number>;
  store_id: number;
  channel_id: number;
  /** `imp_` + 12 digits; unique. */
  imp_uid: string;
  merchant_uid: string;
  /**
   * Equals merchant_uid while an approval is requested, unknown or approved; NULL otherwise.
   * UNIQUE (store_id, merchant_uid_claim) — NULLs don't collide — so two windows for one order
   * can never both be approved.
   */
  merchant_uid_claim: string | null;
  pg_provider: string;
  pg_id: string;
  pg_tid: string | null;
  pay_method: string;
  channel: string;
  sandbox: number;
  escrow: number;
  name: string | null;
  amount: number;
  cancel_amount: number;
  currency: string;
  status: string;
  approval_state: string;
  buyer_name: string | null;
  buyer_email: string | null;
  buyer_tel: string | null;
  buyer_addr: string | null;
  buyer_postcode: string | null;
  custom_data: string | null;
  notice_url: string | null;
  user_agent: string | null;
  /** The PG pass-through fields of request_pay (domain/pass-through.ts codec), nothing else. */
  request_json: string;
  card_code: string | null;
  card_name: string | null;
  card_issuer_code: string | null;
  card_issuer_name: string | null;
  card_publisher_code: string | null;
  card_publisher_name: string | null;
  card_number: string | null;
  card_quota: number;
  card_type: number | null;
  apply_num: string | null;
  fail_code: string | null;
  fail_reason: string | null;
  receipt_url: string | null;
  started_at: number;
  paid_at: number | null;
  failed_at: number | null;
  cancelled_at: number | null;
  updated_at: number;
  /**
   * Grows whenever the payment, one of its cancellations or one of its cash receipts changes
   * (database triggers, migration 0017); the lookup's answer cache keys on it.
   */
  row_version: Generated<number>;
  approval_requested_at: number | null;
  approval_unverified: Generated<number>;
  /** When the reconciler should next ask the PG; NULL when nothing is open (partial index). */
  reconcile_after: number | null;
  reconcile_attempts: Generated<number>;
  /** The window return's PG auth (what the PG needs besides the Tid), sealed with the instance secret: inquiries need it. */
  pg_auth_sealed: string | null;
  tax_free: number | null;
  vat_amount: number | null;
  bank_code: string | null;
  bank_name: string | null;
  vbank_code: string | null;
  vbank_name: string | null;
  vbank_num: string | null;
  vbank_holder: string | null;
  vbank_date: number | null;
  vbank_issued_at: number | null;
  emb_pg_provider: string | null;
  /** The billing key this payment issued or charged (0011); NULL for other payments. */
  customer_uid: string | null;
  /** `issue`, `payment` or `payment.scheduled` (0011). */
  customer_uid_usage: string | null;
  /** What open cancels (requested, unknown, pending refund) hold of the amount; see 0007. */
  cancel_reserved: Generated<number>;
  /** The last cancel's `seq` (0: none yet). */
  cancel_seq: Generated<number>;
}

/** Domain events, written in the transaction of the state change that caused them. */
export interface PaymentEventsTable {
  id: Generated<number>;
  store_id: number;
  payment_id: number;
  type: string;
  imp_uid: string;
  merchant_uid: string;
  status: string;
  occurred_at: number;
  /** When the webhook dispatcher turned this event into deliveries; NULL until then. */
  dispatched_at: number | null;
  /** The cancel the event is about (cancel events only). */
  cancellation_id: string | null;
}

/** A store's webhook and confirm settings (one row per store, created on first use). */
export interface WebhookSettingsTable {
  store_id: number;
  live_url: string | null;
  test_url: string | null;
  /** `json` | `form`. */
  content_type: string;
  /** `gyeol` (backoff up to 24 h) | `v1-once` | `v1-retry` (5 × 1 minute). */
  schedule: string;
  /** The signing secret (`whsec_…`), sealed with the instance secret. */
  secret_sealed: string;
  /** The secret before the last rotation, still signing until previous_secret_expires_at. */
  previous_secret_sealed: string | null;
  previous_secret_expires_at: number | null;
  confirm_url: string | null;
  confirm_enabled: number;
  updated_at: number;
}

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  webhook_id: string;
  store_id: number;
  payment_id: number | null;
  event_id: number | null;
  /** `event` | `test`. */
  kind: string;
  url: string;
  content_type: string;
  /** The webhook body's fields (JSON), encoded per content_type when sent. */
  payload: string;
  schedule: string;
  /** `pending` | `succeeded` | `failed`. */
  state: string;
  attempts: number;
  next_attempt_at: number | null;
  /** Who is sending it now, until when; an expired lease means its sender died. */
  lease_token: string | null;
  lease_until: number | null;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export interface WebhookAttemptsTable {
  id: Generated<number>;
  delivery_id: number;
  store_id: number;
  attempted_at: number;
  status: number | null;
  latency_ms: number;
  error: string | null;
  response_excerpt: string | null;
}

/** A verified PG approval that reached gyeol through another order's window. */
export interface StrayApprovalsTable {
  id: Generated<number>;
  store_id: number;
  channel_id: number;
  pg_provider: string;
  pg_tid: string;
  pg_id: string;
  merchant_uid: string;
  amount: number;
  approved_at: number;
  seen_in_payment_id: number;
  state: string;
  payment_id: number | null;
  created_at: number;
}

export interface CheckoutSessionsTable {
  /** Random, unguessable; part of the window URL. */
  id: string;
  store_id: number;
  payment_id: number;
  /** `pc` | `mobile`. */
  mode: string;
  /** Origin of the merchant page; the only target of the result postMessage. */
  merchant_origin: string;
  m_redirect_url: string | null;
  /** `open` → `completed`. */
  state: string;
  /** The SDK result object (JSON) once completed. */
  result: string | null;
  created_at: number;
  expires_at: number;
  completed_at: number | null;
}

export interface AccessTokensTable {
  /** SHA-256 (hex) of the token: what requests are looked up by. */
  token_hash: string;
  store_id: number;
  /** The token encrypted with the instance secret, so getToken can hand the same one back. */
  token_enc: string;
  issued_at: number;
  expires_at: number;
}

/** `/payments/prepare`: the amount a merchant registered for a merchant_uid; PK (store_id, merchant_uid). */
export interface PaymentPreparesTable {
  store_id: number;
  merchant_uid: string;
  /** Integer minor units of `currency` (KRW when it is NULL). */
  amount: number;
  /** NULL: not registered, so the window's currency is not checked. */
  currency: string | null;
  created_at: number;
  updated_at: number;
}

/** Cancels and virtual-account revocations (domain/cancellations.ts). */
export interface PaymentCancellationsTable {
  id: Generated<number>;
  store_id: number;
  payment_id: number;
  cancellation_id: string;
  kind: string;
  seq: number;
  amount: number;
  tax_free: number;
  vat_amount: number | null;
  reason: string;
  state: string;
  pg_tid: string | null;
  receipt_url: string | null;
  result_code: string | null;
  result_message: string | null;
  enable_webhook: number;
  refund_sealed: string | null;
  requested_at: number;
  cancelled_at: number | null;
  reconcile_after: number | null;
  reconcile_attempts: Generated<number>;
  updated_at: number;
}

/**
 * Cash receipts (현금영수증) of payments and of external sales. `active_key` is set while the
 * receipt is active (issuing, issued, cancelling) and NULL after: UNIQUE (store_id, active_key)
 * lets an order have one active receipt at a time.
 */
export interface ReceiptsTable {
  id: Generated<number>;
  store_id: number;
  channel_id: number;
  /** `payment` | `external`. */
  kind: string;
  payment_id: number | null;
  imp_uid: string | null;
  merchant_uid: string;
  pg_order_id: string;
  /** `imp:<imp_uid>` or `ext:<merchant_uid>` while active; NULL otherwise. */
  active_key: string | null;
  /** issuing | issued | declined | cancelling | cancelled. */
  state: string;
  purpose: string;
  identifier_type: string;
  /** Sealed with the instance secret. */
  identifier_sealed: string;
  identifier_masked: string;
  pay_method: string;
  name: string;
  amount: number;
  vat: number;
  tax_free: number;
  buyer_name: string;
  buyer_email: string | null;
  buyer_tel: string;
  receipt_tid: string | null;
  apply_num: string | null;
  receipt_url: string | null;
  applied_at: number | null;
  cancelled_at: number | null;
  fail_code: string | null;
  fail_reason: string | null;
  created_at: number;
  updated_at: number;
}

/** An escrow payment's delivery (V1 escrow logis); PK (store_id, payment_id). */
export interface EscrowDeliveriesTable {
  store_id: number;
  payment_id: number;
  company: string;
  invoice: string;
  sent_at: number;
  receiving_at: string | null;
  address: string | null;
  /** JSON of the DeliveryParty. */
  sender: string;
  receiver: string;
  /** JSON array, or NULL when none were sent. */
  products: string | null;
  applied_at: number;
  created_at: number;
  updated_at: number;
}

/** Billing keys (domain/billing.ts); PK (store_id, customer_uid). */
export interface BillingCustomersTable {
  store_id: number;
  customer_uid: string;
  channel_id: number;
  pg_provider: string;
  pg_id: string;
  sandbox: number;
  billing_key_sealed: string;
  customer_id: string | null;
  card_code: string | null;
  card_name: string | null;
  card_issuer_code: string | null;
  card_issuer_name: string | null;
  card_publisher_code: string | null;
  card_publisher_name: string | null;
  card_number: string | null;
  card_type: number | null;
  customer_name: string | null;
  customer_tel: string | null;
  customer_email: string | null;
  customer_addr: string | null;
  customer_postcode: string | null;
  inserted_at: number;
  updated_at: number;
}

/** Scheduled payments (migration 0013); times are UNIX milliseconds, money minor units. */
export interface PaymentSchedulesTable {
  id: Generated<number>;
  store_id: number;
  merchant_uid: string;
  customer_uid: string;
  customer_id: string | null;
  schedule_at: number;
  amount: number;
  currency: string;
  tax_free: number | null;
  vat_amount: number | null;
  name: string | null;
  buyer_name: string | null;
  buyer_email: string | null;
  buyer_tel: string | null;
  buyer_addr: string | null;
  buyer_postcode: string | null;
  custom_data: string | null;
  notice_url: string | null;
  /** JSON object: the charge's other V1 body fields. */
  charge_fields: string;
  /** scheduled | running | executed | failed | revoked */
  status: string;
  payment_id: number | null;
  imp_uid: string | null;
  executed_at: number | null;
  revoked_at: number | null;
  fail_reason: string | null;
  run_after_payment_id: number | null;
  lease_token: string | null;
  lease_until: number | null;
  created_at: number;
  updated_at: number;
}
