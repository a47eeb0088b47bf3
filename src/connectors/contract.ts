import type { TSchema, Static } from '@sinclair/typebox';
import type { Clock } from '../domain/clock';
import type { FieldViolation } from '../domain/errors';
import type { DeliveryParty } from '../domain/escrow';
import type { Currency } from '../domain/money';
import type { MethodDetails, PayMethod, PaymentPassThrough, VbankDetails } from '../domain/payment';

/**
 * The contract between gyeol's services and a PG connector (DESIGN §3).
 *
 * A connector is an id (`pg_provider`), declared capabilities, a credentials schema of its own,
 * and flows. Each flow that talks to the PG is a pure pair — build the request, read the answer —
 * and one shared executor (connectors/executor.ts) does transport, timeouts and fault
 * classification. A connector reads no environment, touches no database and knows no HTTP
 * framework. A PG decline is data; only faults throw ({@link ConnectorFault}), and a fault never
 * results in a paid payment.
 *
 * Services treat credentials and window returns as opaque values handed back to the connector.
 */

/**
 * The HTTP client PG calls go through: the part of `fetch` the executor uses (the global `fetch`
 * fits it; production uses gyeol's keep-alive client, http/pg-client.ts). `signal` bounds the
 * whole call, answer included; a call it ends rejects with the signal's reason.
 */
export type PgFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal: AbortSignal },
) => Promise<{ status: number; text(): Promise<string> }>;

/** What a connector may use from the outside world. */
export interface ConnectorContext {
  /** HTTP client (http/pg-client.ts in production; tests may pass or wrap the global `fetch` to observe calls). */
  fetch: PgFetch;
  clock: Clock;
  /** How long a PG call may take before its outcome is treated as unknown. */
  timeoutMs: number;
}

/** What a connector declares it can do; services refuse what is not declared. */
export interface ConnectorCapabilities {
  /** V1 pay_method values the PG window supports. */
  methods: readonly PayMethod[];
  escrow: boolean;
  partialCancel: boolean;
  billing: boolean;
  /** The PG posts notifications (vbank deposits, refunds) to gyeol. */
  notifications: boolean;
}

/** A channel as stored, before the connector reads it into its own credentials. */
export interface ChannelConfig {
  /** The PG's merchant id (V1 `pg_id`). */
  pgId: string;
  testMode: boolean;
  /** Non-secret settings (JSON). */
  settings: unknown;
  /** Secret settings (JSON), already decrypted. */
  secrets: unknown;
}

/** The checkout's facts of one payment attempt, as the PG window needs them. */
export interface PaymentFacts {
  payMethod: PayMethod;
  merchantUid: string;
  name: string | null;
  /** Integer minor units. */
  amount: number;
  taxFree: number | null;
  vatAmount: number | null;
  currency: Currency;
  escrow: boolean;
  buyerName: string | null;
  buyerEmail: string | null;
  buyerTel: string | null;
  passThrough: PaymentPassThrough;
}

/** Input for building the PG window of one payment attempt. */
export interface PaymentWindowInput {
  payment: PaymentFacts;
  /** Where the PG sends the buyer (PC: where the window posts) once authenticated. */
  returnUrl: string;
  /** Where the PG sends the buyer when they give up (mobile). */
  stopUrl: string;
  mobile: boolean;
  /** The buyer's IP as seen by the gateway, when known. */
  buyerIp: string | null;
}

/**
 * How the checkout window opens the PG's own window. The checkout loads `scripts` (the PG's
 * library, then the connector's launcher, served at `/assets/launchers/<launcher>.js`) and hands
 * `data` to the launcher. It knows nothing else about it.
 */
export interface WindowLaunch {
  /** The connector's browser launcher (file name under dist/public/launchers). */
  launcher: string;
  /** PG scripts to load before the launcher. */
  scripts: string[];
  /** Origins the window must allow (CSP script/frame/form sources). */
  origins: string[];
  /** Whatever the launcher needs (JSON). */
  data: unknown;
}

/** What came back from the PG window, read by the connector; opaque to services. */
export type WindowReturn =
  | { kind: 'authenticated'; pgTid: string; auth: unknown }
  | { kind: 'aborted'; code: string; message: string }
  /** Something the channel's PG cannot have sent (e.g. a Tid of another merchant id). */
  | { kind: 'rejected'; code: string; message: string };

/** The order facts a verified PG answer is about. */
export interface ApprovedOrder {
  merchantUid: string;
  /** Integer minor units. */
  amount: number;
  /** The PG merchant id the approval belongs to. */
  pgId: string;
}

/**
 * A verified PG answer to an approval or an inquiry. The services compare `order` with the
 * payment: an approval about another order is handled there (the attempt fails, the approval
 * goes to its own order or is kept for cancellation).
 */
export type ApprovalResult =
  | {
      outcome: 'approved';
      pgTid: string;
      approvedAt: Date;
      /** The PG's own result code. */
      code: string;
      message: string;
      order: ApprovedOrder;
      details: MethodDetails;
      receiptUrl: string | null;
      /**
       * Whether the PG processed it as escrow, when its answer says (a merchant without an escrow
       * contract gets a normal payment even if escrow was asked); null when the answer is silent.
       */
      escrow: boolean | null;
    }
  | {
      outcome: 'declined';
      /** null when the PG's answer named no transaction. */
      pgTid: string | null;
      /** The PG's own result code, reported to the merchant as `error_code`. */
      code: string;
      /** The PG's message, reported as `fail_reason` / `error_msg`. */
      message: string;
      /** false when the answer carried no signature: the decline is double-checked later. */
      verified: boolean;
    };

export interface ApprovalInput {
  pgTid: string;
  /** The window return's `auth` as the connector produced it. */
  auth: unknown;
  /** The pay method the window was opened for: a success of another method is not this payment's. */
  payMethod: PayMethod;
}

export interface InquiryInput {
  pgTid: string;
  /** The window return's `auth`, when still known (the PG may need it to answer). */
  auth: unknown | null;
  /** The pay method the window was opened for. */
  payMethod: PayMethod;
}

export type ConnectorFaultKind =
  /** No answer within `timeoutMs`: the PG may or may not have approved. */
  | 'timeout'
  /** Connection refused, reset, DNS… before any answer. */
  | 'network'
  /** The PG answered with an HTTP error status. */
  | 'http'
  /** The answer could not be read (not JSON, fields missing). */
  | 'malformed'
  /** The answer's signature did not verify. */
  | 'signature'
  /** A verified answer about a different transaction than asked. */
  | 'mismatch';

/** A PG call that did not produce a trustworthy answer. Never turns into a paid payment. */
export class ConnectorFault extends Error {
  readonly kind: ConnectorFaultKind;
  /** Whether the PG may have approved anyway (timeouts, dropped connections, unreadable answers). */
  readonly outcomeUnknown: boolean;
  constructor(kind: ConnectorFaultKind, message: string, options?: { cause?: unknown; outcomeUnknown?: boolean }) {
    super(message, { cause: options?.cause });
    this.name = 'ConnectorFault';
    this.kind = kind;
    this.outcomeUnknown = options?.outcomeUnknown ?? kind !== 'network';
  }
}

/** An HTTP request a flow describes; the executor sends it. */
export interface PgRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

/** The PG's answer as the executor received it. */
export interface PgAnswer {
  status: number;
  /** The body as text. */
  body: string;
  url: string;
}

/**
 * One PG call as a pure pair: `buildRequest` describes it, `readAnswer` turns the answer into a
 * result (a decline is a result) or throws a {@link ConnectorFault}.
 */
export interface PgFlow<Credentials, Input, Result> {
  buildRequest(credentials: Credentials, input: Input, now: Date): PgRequest;
  readAnswer(credentials: Credentials, input: Input, answer: PgAnswer, now: Date): Result;
}

/**
 * A PG connector. `Credentials` is the connector's own type; services only pass it through.
 * @example
 * const credentials = connector.readCredentials(channelConfig); // throws on a bad channel
 * const launch = connector.openWindow(credentials, input, clock.now());
 * const back = connector.readWindowReturn(credentials, fields);
 * const result = await executeFlow(ctx, connector.flows.approve, credentials, { pgTid, auth, payMethod });
 */
export interface PgConnector<Credentials = unknown> {
  /** The V1 `pg_provider` this connector serves. */
  readonly id: string;
  readonly capabilities: ConnectorCapabilities;
  /** TypeBox schemas of the channel's settings and secrets, checked when a channel is saved. */
  readonly credentialsSchema: { settings: TSchema; secrets: TSchema };

  /**
   * Reads a channel's stored settings into the connector's credentials.
   * @returns the violations (field and rule) when the settings do not fit the schema
   */
  readCredentials(channel: ChannelConfig): { ok: true; credentials: Credentials } | { ok: false; violations: FieldViolation[] };

  /**
   * The PG's own rules on a request that already passed the common V1 rules (e.g. a shorter
   * `merchant_uid`, a required `buyer_tel`). Returns every violation.
   */
  validatePayment(payment: PaymentFacts, env: { mobile: boolean }): FieldViolation[];

  /**
   * The order id the PG knows a payment by, when it differs from the merchant's `merchant_uid`
   * (e.g. a PG that keeps only its first 40 characters). The window sends it and the services
   * compare a PG answer's order with it. Absent: the `merchant_uid` itself.
   */
  pgOrderId?(merchantUid: string): string;

  /** Describes the PG window for one attempt (pure: no HTTP). */
  openWindow(credentials: Credentials, input: PaymentWindowInput, now: Date): WindowLaunch;

  /** Reads what the PG window sent back (form fields of the return POST or the PC callback). */
  readWindowReturn(credentials: Credentials, fields: Record<string, string>): WindowReturn;

  /** The PG calls, one pure pair each. Optional ones are filled by later connectors' features. */
  readonly flows: {
    approve: PgFlow<Credentials, ApprovalInput, ApprovalResult>;
    /** What became of an approval whose answer was lost. */
    inquire: PgFlow<Credentials, InquiryInput, ApprovalResult>;
    /**
     * Cancels (part of) a payment, refunds a paid virtual account or bank transfer, or revokes an
     * issued, unpaid virtual account. Re-sending the same input (same `seq`) must be safe: it is
     * how an unknown outcome is reconciled.
     */
    cancel?: PgFlow<Credentials, CancelInput, CancelResult>;
    issueVirtualAccount?: VirtualAccountIssueFlow<Credentials>;
    /** Who holds a bank account (V1 `GET /vbanks/holder`). */
    lookupAccountHolder?: PgFlow<Credentials, AccountHolderInput, AccountHolderResult>;
    /** Registers or modifies an escrow payment's delivery (V1 `POST|PUT /escrows/logis/{imp_uid}`). */
    registerEscrowDelivery?: EscrowDeliveryFlow<Credentials>;
    cancelVirtualAccount?: PgFlow<Credentials, unknown, unknown>;
    /**
     * Issues a billing key through the PG's own billing window (V1 `request_pay` with
     * `customer_uid`). No server call: the connector describes the window and reads what it posts
     * back. Declared only by connectors with `capabilities.billing`.
     */
    issueBillingKey?: BillingKeyWindow<Credentials>;
    /** Charges a stored billing key (V1 `/subscribe/payments/again`, a schedule's run). */
    chargeBillingKey?: BillingChargeFlow<Credentials>;
    /**
     * Issues a cash receipt (현금영수증) for a payment or an external (non-gyeol) cash sale.
     * Re-sending the same input must be safe (the PG answers the receipt it already issued for
     * the order): it is how an unknown outcome is resolved.
     */
    issueReceipt?: PgFlow<Credentials, ReceiptIssueInput, ReceiptIssueResult>;
    /** Cancels an issued cash receipt; re-sending it for a cancelled receipt answers `cancelled` again. */
    cancelReceipt?: PgFlow<Credentials, ReceiptCancelInput, ReceiptCancelResult>;
  };

  /** The PG's own rules on a cash receipt request that already passed V1's (e.g. buyer_tel required). */
  validateReceipt?(request: ReceiptRequestFacts): FieldViolation[];

  /**
   * Reads a notification the PG posted to gyeol (form fields), checking its signature with the
   * channel's credentials. Pure: the services look the payment up and decide.
   */
  readNotification?(credentials: Credentials, fields: Record<string, string>, now: Date): PgNotification;
}

/** Where a refund of a virtual account or bank transfer goes (V1 `refund_*`). */
export interface RefundAccount {
  holder: string;
  /** V1 standard bank code (3 digits). */
  bankCode: string;
  /** Digits only. */
  account: string;
  tel: string;
}

/** One cancel of a payment, as the PG is asked for it. Amounts are integer minor units. */
export interface CancelInput {
  /** The payment's own PG transaction id. */
  pgTid: string;
  payMethod: PayMethod;
  /** The payment's amount, to tell a full cancel from a partial one. */
  paymentAmount: number;
  /** What earlier cancels of this payment took (done or pending). */
  cancelledBefore: number;
  /** This cancel's amount (> 0, ≤ what remains). */
  amount: number;
  /** 1, 2, … per cancel of this payment, in the order gyeol reserved them; kept when re-sent. */
  seq: number;
  /** Tax-free part of this cancel. */
  taxFree: number;
  /** VAT part of this cancel; null lets the PG compute it. */
  vatAmount: number | null;
  reason: string;
  /** Required to refund a paid virtual account or a bank transfer; null otherwise. */
  refund: RefundAccount | null;
  /** The payment is an issued virtual account nobody paid: the cancel revokes the account. */
  revokeAccount: boolean;
}

/** A verified PG answer to a cancel. A refusal is data; faults throw {@link ConnectorFault}. */
export type CancelResult =
  /** Done: the money is returned (or the account revoked). */
  | { outcome: 'cancelled'; pgTid: string; cancelledAt: Date; code: string; message: string; receiptUrl: string | null }
  /**
   * Accepted but not final: a paid virtual account's refund, which the PG confirms later with a
   * notification about `pgTid` (the refund's own transaction id).
   */
  | { outcome: 'refund-pending'; pgTid: string; code: string; message: string }
  /** The PG said no; nothing was cancelled. `verified` is false when its answer carried no signature. */
  | { outcome: 'refused'; code: string; message: string; verified: boolean };

/** What a PG notification says, once read by the connector. */
export type PgNotification =
  /** Money arrived on an issued virtual account (verified). */
  | { kind: 'vbank-deposit'; pgTid: string; pgId: string; amount: number; depositedAt: Date }
  /**
   * A refund the PG accepted earlier (`refund-pending`) is done: `pgTid` is the refund's own
   * transaction id, `originalPgTid` the payment's (verified).
   */
  | { kind: 'refund-completed'; pgTid: string; originalPgTid: string; pgId: string; amount: number; refundedAt: Date }
  /** Verified, but nothing gyeol acts on (another result code). */
  | { kind: 'ignored'; pgTid: string; reason: string }
  /** Not trustworthy: bad signature, another merchant id, missing or unreadable fields. */
  | { kind: 'rejected'; reason: string };

/**
 * A virtual account issued by a server call (V1 `POST /vbanks`), not through the PG window.
 * Amounts are integer minor units.
 */
export interface VirtualAccountIssueInput {
  /** The merchant's `merchant_uid` (the connector derives the PG's order id from it). */
  merchantUid: string;
  amount: number;
  taxFree: number | null;
  vatAmount: number | null;
  name: string | null;
  buyerName: string | null;
  buyerEmail: string | null;
  buyerTel: string | null;
  /** V1 standard bank code (3 digits). */
  bankCode: string;
  /** The account holder's name the buyer sees (V1 `vbank_holder`). */
  holder: string | null;
  /** The deposit deadline as `YYYYMMDDhhmmss`, Korea time. */
  due: string;
  /** A fixed account the PG assigned the merchant (V1 `vbank_num`), or null for a new number. */
  fixedAccount: string | null;
}

/** A PG answer to a virtual account issue. A refusal is data; faults throw {@link ConnectorFault}. */
export type VirtualAccountIssueResult =
  | { outcome: 'issued'; pgTid: string; issuedAt: Date; code: string; message: string; order: ApprovedOrder; vbank: VbankDetails }
  /** Nothing was issued (e.g. a bank the PG cannot issue for). */
  | { outcome: 'declined'; code: string; message: string };

/**
 * The issue call plus the PG's own rules on its input, checked before any payment is created.
 * Re-sending the same input must not issue a second account for one order: it is how a lost
 * answer is reconciled (the connector documents how its PG behaves).
 */
export type VirtualAccountIssueFlow<Credentials> = PgFlow<Credentials, VirtualAccountIssueInput, VirtualAccountIssueResult> & {
  validate(input: VirtualAccountIssueInput): FieldViolation[];
};

export interface AccountHolderInput {
  /** V1 standard bank code (3 digits). */
  bankCode: string;
  /** Digits only. */
  accountNumber: string;
}

export type AccountHolderResult = { outcome: 'found'; holder: string } | { outcome: 'not-found'; code: string; message: string };

/** One side of a delivery (V1 `sender` / `receiver`), as the domain keeps it. */
export type EscrowParty = DeliveryParty;

export interface EscrowDeliveryInput {
  /** The escrow payment's PG transaction id. */
  pgTid: string;
  /** `register` the first time, `modify` afterwards. */
  mode: 'register' | 'modify';
  sender: EscrowParty;
  receiver: EscrowParty;
  /** V1 courier code. */
  company: string;
  invoice: string;
  sentAt: Date;
}

export type EscrowDeliveryResult =
  | { outcome: 'accepted'; code: string; message: string; appliedAt: Date }
  /**
   * The PG already has a delivery for this payment (`register`), or none (`modify`): gyeol's record
   * and the PG's disagree, e.g. after a lost answer.
   */
  | { outcome: 'conflict'; code: string; message: string }
  | { outcome: 'refused'; code: string; message: string };

/** The delivery call plus the PG's own rules (required fields, channel settings it needs). */
export type EscrowDeliveryFlow<Credentials> = PgFlow<Credentials, EscrowDeliveryInput, EscrowDeliveryResult> & {
  validate(credentials: Credentials, input: EscrowDeliveryInput): FieldViolation[];
};

// ---- billing keys (빌링키) ----

/**
 * One charge of a stored billing key, as the PG is asked for it (V1 `/subscribe/payments/again`,
 * a schedule's run). Amounts are integer minor units. The PG merchant id is the channel's.
 */
export interface BillingChargeInput {
  /** The billing key, plain: decrypted from storage for this call only; never logged. */
  billingKey: string;
  /** The merchant's `merchant_uid` (the connector derives the PG's order id from it). */
  merchantUid: string;
  amount: number;
  /** The currency `amount` is in; a PG refuses one its merchant id cannot charge. */
  currency: Currency;
  taxFree: number | null;
  vatAmount: number | null;
  /** The goods name (V1 `name`). */
  name: string | null;
  buyerName: string | null;
  buyerEmail: string | null;
  buyerTel: string | null;
  /** Installment months; 0 = lump sum (V1 `card_quota`). */
  cardQuota: number;
  /** Pay with the card company's points as well (V1 `use_card_point`; a PG contract decides whether it applies). */
  useCardPoint: boolean;
  /** The merchant pays the installment interest (V1 `interest_free_by_merchant`); a PG that cannot say so per charge refuses it. */
  interestFreeByMerchant: boolean;
  /** The buyer's id the key was issued for (V1 `customer_id`), when known. */
  customerId: string | null;
  /** The caller's IP as the gateway saw it, when known. */
  buyerIp: string | null;
}

/**
 * The charge call plus the PG's own rules on its input, checked before any payment is created.
 * The result is an {@link ApprovalResult}: approved with the card's details (its `order` compared
 * by the services), or declined (a decline is data).
 *
 * Re-sending the same input must never charge the order twice: a PG that already charged the
 * order with this key answers with that earlier approval (its Tid, amount and card), which is
 * read as `approved`. It is how a lost answer is reconciled (there may be no inquiry of a billing
 * charge); the connector documents how its PG behaves.
 */
export type BillingChargeFlow<Credentials> = PgFlow<Credentials, BillingChargeInput, ApprovalResult> & {
  validate(credentials: Credentials, input: BillingChargeInput): FieldViolation[];
};

/**
 * A billing key issued through the PG's billing window (V1 `request_pay({customer_uid, …})`).
 * The checkout knows no PG: it asks the connector whether the channel can issue, which rules the
 * request breaks, how to open the window, and what the window posted back. Nothing is approved;
 * only the key is issued.
 * @example
 * const issuer = connector.flows.issueBillingKey;
 * const problem = issuer.channelProblem(credentials); // e.g. a missing setting, null when ready
 * const launch = issuer.open(credentials, { payment, returnUrl, stopUrl, mobile, buyerIp }, now);
 * const back = issuer.readReturn(credentials, fields); // issued | aborted | declined | rejected
 */
export interface BillingKeyWindow<Credentials> {
  /** Why the channel cannot issue billing keys (a setting it lacks), or null when it can. */
  channelProblem(credentials: Credentials): FieldViolation | null;
  /**
   * The PG's rules on a billing-key request that already passed the common V1 rules (pay method,
   * `customer_id`, language…). Replaces {@link PgConnector.validatePayment} for such a request.
   */
  validate(payment: PaymentFacts, env: { mobile: boolean }): FieldViolation[];
  /** Describes the billing window of one attempt (pure: no HTTP). */
  open(credentials: Credentials, input: PaymentWindowInput, now: Date): WindowLaunch;
  /** Reads what the billing window posted back (form fields of the return POST). */
  readReturn(credentials: Credentials, fields: Record<string, string>): BillingKeyIssueReturn;
}

/** The card a billing key was issued for, as the PG told it (masked number only). */
export interface BillingKeyCard {
  /** V1 card code (KFTC) of the issuer, when known. */
  cardCode: string | null;
  cardName: string | null;
  /** Masked; a full card number never reaches the services. */
  cardNumber: string;
  /** 0 credit, 1 check card; null when the PG does not say. */
  cardType: number | null;
}

/** What a billing window posted back, once read and verified by the connector. */
export type BillingKeyIssueReturn =
  | {
      kind: 'issued';
      /** The billing key, plain. The services seal it at once; it is never logged. */
      billingKey: string;
      /** The issue's own PG transaction id. */
      pgTid: string;
      /** The order the PG issued it for (the PG's order id, see {@link PgConnector.pgOrderId}) and its merchant id. */
      order: { merchantUid: string; pgId: string };
      /** The buyer id the key was issued for (V1 `customer_id`). */
      customerId: string;
      card: BillingKeyCard;
    }
  /** The buyer closed the window. */
  | { kind: 'aborted'; code: string; message: string }
  /** The PG refused to issue (e.g. a card it cannot register); nothing to store. */
  | { kind: 'declined'; code: string; message: string }
  /**
   * Not trustworthy (a forged or foreign answer): nothing is stored. `reason` is for the log only
   * and never carries the key.
   */
  | { kind: 'rejected'; code: string; message: string; reason: string };

/** Helper for connector authors: the static type of a TypeBox schema. */
export type SchemaType<T extends TSchema> = Static<T>;

// ---- cash receipts (현금영수증) ----

/** V1 `identifier_type` (person/business/phone/taxcard) and `type` (person = 소득공제용, company = 지출증빙용). */
export type { ReceiptIdentifierType, ReceiptPurpose } from '../domain/receipts';
import type { ReceiptIdentifierType, ReceiptPurpose } from '../domain/receipts';

/** A cash receipt request as the PG's rules see it (V1 field names in violations). */
export interface ReceiptRequestFacts {
  /** `external`: a cash sale made outside gyeol (`/receipts/external/{merchant_uid}`). */
  kind: 'payment' | 'external';
  merchantUid: string;
  buyerName: string | null;
  buyerTel: string | null;
}

/** One cash receipt, as the PG is asked to issue it. Amounts are integer minor units (KRW). */
export interface ReceiptIssueInput {
  /** The order id the PG knows the sale by (Smartro `Moid`). */
  orderId: string;
  /** The payment's PG transaction id; null for an external sale. */
  pgTid: string | null;
  /** `trans` or `vbank` (an external sale's `pay_method`, or the payment's). */
  payMethod: string;
  goodsName: string;
  amount: number;
  vat: number;
  taxFree: number;
  purpose: ReceiptPurpose;
  identifierType: ReceiptIdentifierType;
  /** Digits only. */
  identifier: string;
  buyerName: string;
  buyerTel: string;
  buyerEmail: string | null;
}

/** A PG answer to a receipt issue. A refusal is data; faults throw {@link ConnectorFault}. */
export type ReceiptIssueResult =
  | { outcome: 'issued'; receiptTid: string; applyNum: string; issuedAt: Date; receiptUrl: string | null; code: string; message: string }
  | { outcome: 'declined'; code: string; message: string; verified: boolean };

export interface ReceiptCancelInput {
  receiptTid: string;
  orderId: string;
  amount: number;
  reason: string;
}

export type ReceiptCancelResult =
  | { outcome: 'cancelled'; receiptTid: string; cancelledAt: Date; code: string; message: string }
  | { outcome: 'refused'; code: string; message: string; verified: boolean };
