import type { CardDetails, Payment, PaymentStatus } from '../domain/payment';

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
export type NewPayment = Omit<Payment, 'id' | 'approvalState' | 'cancelAmount' | 'paidAt' | 'failedAt' | 'cancelledAt' | 'updatedAt' | 'pgTid' | 'failReason' | 'failCode' | 'receiptUrl' | 'card'> & {
  card?: CardDetails;
};

export type PaymentSorting = '-started' | 'started' | '-paid' | 'paid' | '-updated' | 'updated';

/** The result of an approval attempt, recorded in one statement. */
export type ApprovalOutcome =
  | { kind: 'approved'; pgTid: string; paidAt: Date; card: CardDetails; receiptUrl: string | null }
  | { kind: 'declined'; pgTid: string | null; failCode: string; failReason: string; failedAt: Date }
  /** The PG may or may not have approved: the claim on merchant_uid stays until reconciled. */
  | { kind: 'unknown'; pgTid: string | null; note: string };

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
  findDefault(storeId: number): Promise<ChannelRecord | null>;
}

export interface PaymentRepository {
  insert(payment: NewPayment): Promise<Payment>;
  findById(storeId: number, id: number): Promise<Payment | null>;
  findByImpUid(storeId: number, impUid: string): Promise<Payment | null>;
  /** The first payment of a merchant_uid by `sorting` (default `-started`), optionally of one status. */
  findByMerchantUid(storeId: number, merchantUid: string, options?: { status?: PaymentStatus; sorting?: PaymentSorting }): Promise<Payment | null>;
  /** Whether a payment of this merchant_uid is paid, or claimed by an approval in flight. */
  findClaim(storeId: number, merchantUid: string): Promise<Payment | null>;
  /**
   * Records the intent to approve: `ready` + approval `none` → approval `requested`, claiming
   * merchant_uid. Returns false (and changes nothing) when the payment is not in that state or
   * another payment holds the claim.
   */
  claimForApproval(storeId: number, paymentId: number, pgTid: string, now: Date): Promise<boolean>;
  /**
   * Fails a payment that never reached approval (buyer gave up, merchant_uid already paid…):
   * only from `ready` + approval `none`. Returns the updated payment, or null if not in that state.
   */
  markFailed(storeId: number, paymentId: number, failure: { failCode: string; failReason: string; failedAt: Date }): Promise<Payment | null>;
  /** Records the outcome of a requested approval. Returns the updated payment, or null if it was not `requested`. */
  recordApprovalOutcome(storeId: number, paymentId: number, outcome: ApprovalOutcome, now: Date): Promise<Payment | null>;
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
}

/** All repositories over one connection or one transaction. */
export interface Repositories {
  stores: StoreRepository;
  channels: ChannelRepository;
  payments: PaymentRepository;
  checkoutSessions: CheckoutSessionRepository;
  accessTokens: AccessTokenRepository;
}

export interface Store extends Repositories {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs `work` in one database transaction; repositories passed in are bound to it. */
  transaction<T>(work: (repos: Repositories) => Promise<T>): Promise<T>;
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
