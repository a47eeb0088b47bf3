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
  /** V1 pg_provider, e.g. `smartro_v2`. */
  pg_provider: string;
  /** The PG's merchant id (Smartro MID); V1 `pg_id`. */
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
  /** The parsed request_pay parameters as JSON. */
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
