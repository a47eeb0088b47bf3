import type { Clock } from '../domain/clock';
import type { FieldViolation } from '../domain/errors';
import type { CardDetails } from '../domain/payment';
import type { PaymentRequest } from '../domain/request-pay';

/**
 * The contract between gyeol's services and a PG connector.
 *
 * A connector describes and performs the PG's own wire protocol and nothing else: it reads no
 * environment, touches no database and knows no HTTP framework. Everything it needs comes in
 * through a {@link ConnectorContext} and the channel's {@link ChannelCredentials}. A PG decline
 * is data ({@link ApprovalResult} with `outcome: 'declined'`); only faults throw
 * ({@link ConnectorFault}), and a fault never results in a paid payment.
 */

/** What a connector may use from the outside world. */
export interface ConnectorContext {
  /** HTTP client (the global `fetch` in production; tests may wrap it to observe calls). */
  fetch: typeof fetch;
  clock: Clock;
  /** How long a PG call may take before its outcome is treated as unknown. */
  timeoutMs: number;
}

/** A channel's PG settings after decryption. Secret fields never leave the server. */
export interface ChannelCredentials {
  /** Smartro MID (10 characters). */
  mid: string;
  /** Smartro merchant key: signs `EncryptData`, verifies `SignValue`, keys the AES envelope. */
  merchantKey: string;
  /** Cancel password set in Smartro's merchant admin (≤ 6 characters). */
  cancelPassword: string;
  /** Base URL that serves `/asset/js/SmartroPAY-1.0.min.js` (PC). */
  jsBaseUrl: string;
  /** Base URL that serves `/asset/js/SmartroPAY-1.0.min.js` for mobile; defaults to jsBaseUrl. */
  mobileJsBaseUrl?: string;
  /** Base URL of the approval host (`/payment/approval/*.do`). */
  apiBaseUrl: string;
  /** Test channel: the PG's STG mode, and V1 `sandbox: true`. */
  testMode: boolean;
}

/** Input for building the PG window of one payment attempt. */
export interface PaymentWindowInput {
  request: PaymentRequest;
  /** Where the PG sends the buyer (PC: where the window posts) once authenticated. */
  returnUrl: string;
  /** Where the PG sends the buyer when they give up (mobile). */
  stopUrl: string;
  mobile: boolean;
  /** The buyer's IP as seen by the gateway, when known. */
  buyerIp: string | null;
}

/**
 * How the checkout window opens the PG's own window. Smartro: load `scriptUrl`, call
 * `smartropay.init({mode})`, then `smartropay.payment({FormId, Callback})` on a form holding
 * `fields`. A later PG adds its own `kind`.
 */
export interface SmartroWindowLaunch {
  kind: 'smartro-js';
  scriptUrl: string;
  mode: 'STG' | 'REAL';
  /** Field name → value of the `tranMgr` form (Mid, Moid, Amt, EdiDate, EncryptData, …). */
  fields: Record<string, string>;
}
export type PaymentWindowLaunch = SmartroWindowLaunch;

/** What came back to the ReturnUrl / StopUrl / PC callback from the PG window. */
export type WindowReturn =
  | { kind: 'authenticated'; pgTid: string; authToken: string }
  | { kind: 'aborted'; code: string; message: string };

export interface ApprovalInput {
  pgTid: string;
  authToken: string;
  /** What gyeol asked for; an approval for anything else is a fault, not a payment. */
  expected: { merchantUid: string; amount: number };
}

export type ApprovalResult =
  | {
      outcome: 'approved';
      pgTid: string;
      approvedAt: Date;
      /** The PG's own result code (e.g. Smartro `3001`). */
      code: string;
      message: string;
      card: CardDetails;
      receiptUrl: string | null;
    }
  | {
      outcome: 'declined';
      pgTid: string;
      /** The PG's own result code, reported to the merchant as `error_code`. */
      code: string;
      /** The PG's message, reported as `fail_reason` / `error_msg`. */
      message: string;
    };

export type ConnectorFaultKind =
  /** No answer within `timeoutMs`: the PG may or may not have approved. */
  | 'timeout'
  /** Connection refused, reset, DNS… before any answer. */
  | 'network'
  /** The PG answered with an HTTP error status. */
  | 'http'
  /** The answer could not be read (not JSON, fields missing). */
  | 'malformed'
  /** The answer's signature (Smartro `SignValue`) did not verify. */
  | 'signature'
  /** A verified answer about a different order, amount or merchant than asked. */
  | 'mismatch';

/** A PG call that did not produce a trustworthy answer. Never turns into a paid payment. */
export class ConnectorFault extends Error {
  readonly kind: ConnectorFaultKind;
  /** Whether the PG may have approved anyway (only for timeouts and dropped connections). */
  readonly outcomeUnknown: boolean;
  constructor(kind: ConnectorFaultKind, message: string, options?: { cause?: unknown; outcomeUnknown?: boolean }) {
    super(message, { cause: options?.cause });
    this.name = 'ConnectorFault';
    this.kind = kind;
    this.outcomeUnknown = options?.outcomeUnknown ?? kind === 'timeout';
  }
}

export interface PgConnector {
  /** The V1 `pg_provider` this connector serves, e.g. `smartro_v2`. */
  readonly pgProvider: string;

  /**
   * The PG's own rules on a request that already passed the common V1 rules
   * (e.g. Smartro: `merchant_uid` letters and digits only, `buyer_tel` required).
   * Returns every violation; an empty list means the window may open.
   * @example connector.validatePaymentRequest(request, { mobile: false }) // → []
   */
  validatePaymentRequest(request: PaymentRequest, env: { mobile: boolean }): FieldViolation[];

  /** Describes the PG window for one attempt: script, mode and signed form fields. */
  buildPaymentWindow(credentials: ChannelCredentials, input: PaymentWindowInput, now: Date): PaymentWindowLaunch;

  /** Reads what the PG window sent back (form fields of the ReturnUrl/StopUrl POST or the PC callback). */
  parseWindowReturn(fields: Record<string, string>): WindowReturn;

  /**
   * Asks the PG to approve an authenticated payment and verifies the answer.
   * @returns the approval or the decline, as data
   * @throws ConnectorFault when there is no trustworthy answer
   */
  approvePayment(ctx: ConnectorContext, credentials: ChannelCredentials, input: ApprovalInput): Promise<ApprovalResult>;
}
