/**
 * Type declarations for gyeol's `window.IMP` (PortOne / iamport V1 JS SDK compatible).
 *
 * Merchants can copy this file into their project. `src/sdk/index.ts` implements exactly these
 * types. Field meanings follow the PortOne V1 docs; gyeol's checkout protocol is in
 * `docs/checkout-protocol.md`.
 */

/** Payment methods V1 knows. Open-ended: PG-specific codes are passed through as given. */
export type PayMethod =
  | 'card'
  | 'trans'
  | 'vbank'
  | 'phone'
  | 'kakaopay'
  | 'naverpay'
  | 'payco'
  | 'tosspay'
  | 'samsungpay'
  | 'applepay'
  | 'lpay'
  | 'pinpay'
  | 'ssgpay'
  | 'point'
  | 'cultureland'
  | 'smartculture'
  | 'happymoney'
  | 'booknlife'
  | (string & {});

/** `IMP.request_pay(params)`: the V1 parameters. Unknown (PG-specific) keys are sent as given. */
export interface RequestPayParams {
  /** Channel key from the console; selects the PG channel (replaces `pg`). */
  channelKey?: string;
  /** @deprecated Use `channelKey`. `"{pg_provider}"` or `"{pg_provider}.{MID}"`, e.g. `"smartro_v2"`. */
  pg?: string;
  /** Payment method: `card`, `trans`, `vbank`, `phone`, … */
  pay_method?: PayMethod;
  /** Escrow payment window (some PGs only). */
  escrow?: boolean;
  /** Escrow product lines (tosspayments escrow only). */
  products?: Array<{ id: string; name: string; code: string; unitPrice: number; quantity: number }>;
  /** The merchant's order id: unique per order, at most 40 characters, a string. */
  merchant_uid: string;
  /** Order name shown in the window, at most 40 characters. */
  name?: string;
  /** Amount to pay, a number (never a string). */
  amount: number;
  /** Anything the merchant wants back; stored and returned as a JSON string. */
  custom_data?: unknown;
  /** Tax-free part of `amount`. */
  tax_free?: number;
  /** VAT part of `amount` (some PGs). */
  vat_amount?: number | null;
  /** Currency, `KRW` by default. */
  currency?: 'KRW' | 'USD' | 'EUR' | 'JPY' | (string & {});
  /** Window language: `ko`, `en`, `zh`. */
  language?: 'ko' | 'en' | 'zh' | (string & {});
  /** Buyer's name. */
  buyer_name?: string;
  /** Buyer's phone number (required by some PGs). */
  buyer_tel?: string;
  /** Buyer's e-mail address. */
  buyer_email?: string;
  /** Buyer's address. */
  buyer_addr?: string;
  /** Buyer's postcode. */
  buyer_postcode?: string;
  /** Confirm-process endpoint called before approval. */
  confirm_url?: string;
  /** Webhook URL(s) for this payment; when set, the console's webhook URL is not called. */
  notice_url?: string | string[];
  /** When present, opens the billing-key issue window for this customer. */
  customer_uid?: string;
  /** Buyer id (Smartro: at most 20 characters). */
  customer_id?: string;
  /** Digital goods (required for `phone`). */
  digital?: boolean;
  /** Virtual account deadline: `YYYYMMDD`, `YYYY-MM-DD`, `YYYYMMDDHHmmss` or `YYYY-MM-DD HH:mm:ss`. */
  vbank_due?: string;
  /** Where mobile (redirect) payments return: `?imp_uid=…&merchant_uid=…&imp_success=…`. */
  m_redirect_url?: string;
  /** App URL scheme to return to from card/bank apps inside a WebView. */
  app_scheme?: string;
  /** Business registration number (some PGs' vbank). */
  biz_num?: string;
  /** Service period shown in the window. */
  period?: { from: string; to: string };
  /** Popup instead of iframe/redirect (some PGs). */
  popup?: boolean;
  /** Window display options. */
  display?: {
    /** Allowed installment months: `[]` = lump sum only, `[6]` = lump sum and 6 months. */
    card_quota?: number[];
  };
  /** Card options. */
  card?: {
    /** Open one card company's module directly (`code`: KFTC card code, `quota`: months). */
    direct?: { code: string; quota: number };
    /** Enable or disable card companies (`card_code: "*"` = all). */
    detail?: Array<{ card_code: string; enabled: boolean; max_month?: number }>;
  };
  /** Merchant-paid interest-free installments. */
  useFreeInterestFromMall?: boolean;
  /** PG-specific pass-through, e.g. `bypass.smartro_v2`. */
  bypass?: Record<string, unknown>;
  /** Other PG-specific keys (`useCardPoint`, `appCard`, …) are passed through. */
  [key: string]: unknown;
}

/** What the callback receives (and the Promise resolves with). */
export interface RequestPayResponse {
  /** `true` only when the payment is paid. */
  success: boolean;
  /** Legacy alias of `success`. */
  imp_success: boolean;
  /** gyeol's payment id; `null` when nothing was created. */
  imp_uid: string | null;
  /** The order id; `null` only when the params had none. */
  merchant_uid: string | null;
  /** On failure: the PG's code, or a gyeol code (`NOT_INITIALIZED`, `INVALID_PARAMETER`, `USER_CANCELLED`, …). */
  error_code?: string | null;
  /** On failure: a human-readable (Korean) message. */
  error_msg?: string | null;
  /** Payment status once the payment exists. */
  status?: 'ready' | 'paid' | 'failed' | 'cancelled';
  /** Payment method used. */
  pay_method?: string;
  /** Amount paid. */
  paid_amount?: number;
  /** Currency. */
  currency?: string;
  /** Order name. */
  name?: string | null;
  /** PG provider, e.g. `smartro_v2`. */
  pg_provider?: string;
  /** The easy pay behind the payment (e.g. `kakaopay`), else `null`. */
  emb_pg_provider?: string | null;
  /** `payment` or `billing`. */
  pg_type?: string;
  /** The PG's transaction id. */
  pg_tid?: string | null;
  /** Paid time, UNIX seconds (`0` when not paid). */
  paid_at?: number;
  /** Card approval number. */
  apply_num?: string | null;
  /** Card company name. */
  card_name?: string | null;
  /** Masked card number. */
  card_number?: string | null;
  /** Installment months (`0` = lump sum). */
  card_quota?: number;
  /** Buyer's name. */
  buyer_name?: string | null;
  /** Buyer's e-mail address. */
  buyer_email?: string | null;
  /** Buyer's phone number. */
  buyer_tel?: string | null;
  /** Buyer's address. */
  buyer_addr?: string | null;
  /** Buyer's postcode. */
  buyer_postcode?: string | null;
  /** `custom_data` of the request, as a JSON string. */
  custom_data?: string | null;
  /** Receipt page URL. */
  receipt_url?: string | null;
  /** Virtual account number (vbank). */
  vbank_num?: string | null;
  /** Virtual account bank name (vbank). */
  vbank_name?: string | null;
  /** Virtual account holder (vbank). */
  vbank_holder?: string | null;
  /** Virtual account deadline, UNIX seconds (vbank). */
  vbank_date?: number;
}

/** The `request_pay` callback. */
export type RequestPayCallback = (response: RequestPayResponse) => void;

/** `window.IMP`. */
export interface Iamport {
  /** Identifies the merchant by its store code ("가맹점 식별코드", `imp` + 8 digits). */
  init(userCode: string): void;
  /** Identifies a sub-merchant: the agency's store code and the tier code. */
  agency(userCode: string, tierCode: string): void;
  /**
   * Opens the payment window (PC: an iframe overlay; mobile: a full-page redirect to
   * `m_redirect_url` afterwards). Calls `callback` with the result and resolves with the same
   * object; never rejects. On mobile the Promise stays pending (the page navigates away).
   */
  request_pay(params: RequestPayParams, callback?: RequestPayCallback): Promise<RequestPayResponse>;
  /** Forgets the store (and tier) code set by `init`/`agency`. */
  deinit(): void;
}

/*
 * The script defines `IMP` on the page, so both ways PortOne's docs use it typecheck:
 *
 *   const IMP = window.IMP;   // or: const { IMP } = window;
 *   IMP.init('imp12345678');
 *
 *   IMP.init('imp12345678');  // the global directly
 *
 * `window.IMP` is typed as present (not `Iamport | undefined`): a page that calls it has loaded
 * the script, as with PortOne's own. In a TypeScript file that is a module (it imports or exports
 * something, as every bundler setup does) `const IMP = window.IMP` simply shadows the global; in a
 * global script use the global `IMP` directly instead of redeclaring it.
 */
declare global {
  interface Window {
    IMP: Iamport;
  }
  // `var` (not let/const) is what makes a global that is also a property of `window`.
  // eslint-disable-next-line no-var
  var IMP: Iamport;
}
