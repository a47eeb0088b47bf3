/**
 * The simulator's own storage: one SQLite file (better-sqlite3, WAL), apart from gyeol's
 * database, because the simulator plays another company. What it approved survives a restart,
 * so `approvalInquiry.do` can tell the truth after the gateway or the simulator went down.
 *
 * Never stored: a full card number (masked only) or a TrAuthKey (its SHA-256 only).
 */
import { createHash, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import type { SmartroEasyPayMethod } from '../../connectors/smartro/wire';
import type { SimPayMethod, SimScenario } from './methods';

export interface StoredMerchant {
  mid: string;
  merchantKey: string;
  companyName: string | null;
  /** Where the simulator posts notifications (virtual account deposits); null: none are sent. */
  notifyUrl?: string | null;
  /** Whether the merchant has an escrow contract; absent or null: yes. */
  escrowContract?: boolean | null;
  /** The cancel password (`CancelPwd`) set in Smartro's merchant admin; absent or null: none set, any is taken. */
  cancelPassword?: string | null;
  /** The escrow API Key Smartro issued the merchant (escrow delivery API); null: none. */
  escrowApiKey?: string | null;
  /** The ssp Mall ID Smartro issued the merchant for recurring billing (빌링); null: none, the billing window refuses it. */
  sspMallId?: string | null;
}

/**
 * What a cancel did: `cancel` returned the money (card, bank transfer, phone, easy pay), `revoke`
 * removed an unpaid virtual account, `refund` sends a paid virtual account's money back (done,
 * and notified with `2211`, when `refundedAt` is set).
 */
export type CancelKind = 'cancel' | 'revoke' | 'refund';

/** One accepted cancel of a transaction, keyed by (original Tid, CancelSeq). */
export interface StoredCancel {
  /** The cancel's own new Tid. */
  tid: string;
  originalTid: string;
  mid: string;
  seq: number;
  amount: number;
  kind: CancelKind;
  cancelledAt: number;
  /** The signed answer, exactly as sent: a re-send of the same cancel gets it again. */
  answer: Record<string, string>;
  /** `refund`: when the bank sent the money back; null while pending (and for the other kinds). */
  refundedAt: number | null;
  /** Refund notification attempts so far, whether acknowledged, the last HTTP status. */
  notifyAttempts: number;
  notifyAcknowledged: boolean;
  notifyLastStatus: number | null;
}

/** A cancel as the control API lists it. */
export interface CancelSummary {
  tid: string;
  seq: number;
  amount: number;
  kind: CancelKind;
  cancelledAt: string;
  refundedAt: string | null;
}

/** An escrow delivery as registered through the escrow delivery API (server-calls.ts). */
export interface EscrowDeliveryRecord {
  tid: string;
  /** The registration's fields as last sent (REG, then each MOD). */
  fields: Record<string, string>;
  registeredAt: number;
  modifiedAt: number | null;
}

/** A deposit on an issued virtual account and how its notification fared. */
export interface VbankDeposit {
  tid: string;
  depositedAt: number;
  /** Notification attempts so far. */
  attempts: number;
  /** The merchant acknowledged the notification (`200` with body `OK`). */
  acknowledged: boolean;
  /** HTTP status of the last attempt; null when it got no answer or none was made. */
  lastStatus: number | null;
}

export type Channel = 'pc' | 'mobile';

/** One opened window: what the merchant signed, kept server-side so the page cannot alter it. */
export interface AuthWindow {
  id: string;
  /** Which window: card, bank transfer or phone (rows written before it existed are card windows). */
  payMethod: SimPayMethod;
  mid: string;
  moid: string;
  amount: number;
  taxAmt: number | null;
  taxFreeAmt: number | null;
  vatAmt: number | null;
  goodsName: string;
  goodsCnt: string;
  buyerName: string;
  buyerTel: string;
  buyerEmail: string;
  mallUserId: string;
  mallReserved: string;
  ediDate: string;
  escrow: boolean;
  returnUrl: string;
  stopUrl: string;
  returnOrigin: string;
  channel: Channel;
  testMode: boolean;
  fnCd: string | null;
  cardQuota: string | null;
  skinColor: string | null;
  englishWindow: boolean;
  /** VBANK: the deposit deadline as the merchant sent it (`yyyyMMdd` or `yyyyMMddhhmm`); absent otherwise. */
  vbankExpDate?: string;
  /** 제공기간 from the form's `OfferPeriod`, when it was given and readable. */
  offerPeriod?: { from: string; to: string };
  openedAt: number;
  open: boolean;
}

/**
 * Where a transaction stands with the approval host:
 * - `pending`: authenticated, not yet sent for approval;
 * - `approved` / `declined`: answered, the answer is stored;
 * - `not-approved`: the approval request was taken but never approved and never answered with a
 *   signed result (system error, lost request). Inquiry says "not approved".
 */
export type ApprovalState = 'pending' | 'approved' | 'declined' | 'not-approved';

/** What the buyer chose in a bank transfer, virtual account or phone window (a card's fields have their own columns). */
export type TransactionMethod =
  | { payMethod: 'CARD' }
  | { payMethod: 'BANK'; bankCode: string; bankName: string }
  | { payMethod: 'CELLPHONE'; carrier: string; maskedPhoneNumber: string }
  /** A virtual account: the bank the buyer chose, the number issued, the deadline. */
  | { payMethod: 'VBANK'; bankCode: string; bankName: string; vbankNum: string; vbankExpDate: string }
  /**
   * An easy pay: paid with a registered card (its company and masked number are in the card
   * columns) or with the brand's money; the sign-in only masked (`010****5678`, `ab****`).
   */
  | { payMethod: SmartroEasyPayMethod; funding: 'card' | 'money'; maskedLogin: string };

export interface Transaction {
  tid: string;
  window: AuthWindow;
  /** Empty for a bank transfer, a phone payment or an easy pay paid with the brand's money. */
  cardCompanyCode: string;
  maskedCardNumber: string;
  quota: string;
  method: TransactionMethod;
  scenario: SimScenario;
  issuedAt: number;
  approval: ApprovalState;
  resultCode: string | null;
  resultMsg: string | null;
  approvedAt: number | null;
  authCode: string | null;
  /** The signed JSON answer, exactly as sent (approval or decline). */
  answer: Record<string, string> | null;
}

/** What the control API lists: no card number, no key, no TrAuthKey. */
export interface TransactionSummary {
  tid: string;
  mid: string;
  moid: string;
  amount: number;
  taxAmt: number | null;
  taxFreeAmt: number | null;
  vatAmt: number | null;
  approval: ApprovalState;
  resultCode: string | null;
  resultMsg: string | null;
  authenticatedAt: string;
  approvedAt: string | null;
  /** What accepted cancels took, pending refunds included. */
  cancelledAmount: number;
  cancels: CancelSummary[];
}

/**
 * 2: transactions.method_data (bank transfer and phone payments); 3: merchants.notify_url,
 * vbank_deposits; 4: cancels, merchants.cancel_password; 5: cash_receipts; 6: billing_keys,
 * billing_charges; 7: billing_windows, billing_identities (the billing window).
 */
const SCHEMA_VERSION = 7;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS merchants (
  mid TEXT PRIMARY KEY,
  merchant_key TEXT NOT NULL,
  company_name TEXT,
  notify_url TEXT
);
CREATE TABLE IF NOT EXISTS vbank_deposits (
  tid TEXT PRIMARY KEY,
  deposited_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  acknowledged INTEGER NOT NULL,
  last_status INTEGER
);
CREATE TABLE IF NOT EXISTS windows (
  id TEXT PRIMARY KEY,
  opened_at INTEGER NOT NULL,
  open INTEGER NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS windows_opened_at ON windows (opened_at);
CREATE TABLE IF NOT EXISTS transactions (
  tid TEXT PRIMARY KEY,
  tr_auth_key_sha256 TEXT NOT NULL,
  mid TEXT NOT NULL,
  moid TEXT NOT NULL,
  amount INTEGER NOT NULL,
  tax_amt INTEGER,
  tax_free_amt INTEGER,
  vat_amt INTEGER,
  card_company_code TEXT NOT NULL,
  masked_card_number TEXT NOT NULL,
  quota TEXT NOT NULL,
  scenario TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  approval TEXT NOT NULL,
  result_code TEXT,
  result_msg TEXT,
  approved_at INTEGER,
  auth_code TEXT,
  answer TEXT,
  window TEXT NOT NULL,
  method_data TEXT
);
CREATE INDEX IF NOT EXISTS transactions_moid ON transactions (moid);
CREATE TABLE IF NOT EXISTS cancels (
  tid TEXT PRIMARY KEY,
  original_tid TEXT NOT NULL,
  mid TEXT NOT NULL,
  seq INTEGER NOT NULL,
  amount INTEGER NOT NULL,
  kind TEXT NOT NULL,
  cancelled_at INTEGER NOT NULL,
  answer TEXT NOT NULL,
  refunded_at INTEGER,
  notify_attempts INTEGER NOT NULL DEFAULT 0,
  notify_acknowledged INTEGER NOT NULL DEFAULT 0,
  notify_last_status INTEGER,
  UNIQUE (original_tid, seq)
);
CREATE TABLE IF NOT EXISTS cash_receipts (
  tid TEXT PRIMARY KEY,
  mid TEXT NOT NULL,
  moid TEXT NOT NULL,
  state TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  cancelled_at INTEGER,
  request_sha256 TEXT NOT NULL,
  data TEXT NOT NULL,
  answer TEXT NOT NULL,
  cancel_answer TEXT
);
CREATE INDEX IF NOT EXISTS cash_receipts_mid_moid ON cash_receipts (mid, moid);
CREATE TABLE IF NOT EXISTS billing_keys (
  bill_token_key TEXT PRIMARY KEY,
  mid TEXT NOT NULL,
  issue_tid TEXT NOT NULL,
  display_card_no TEXT NOT NULL,
  masked_card_number TEXT NOT NULL,
  card_company_code TEXT NOT NULL,
  card_expire TEXT NOT NULL,
  mall_user_id TEXT NOT NULL,
  scenario TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS billing_charges (
  bill_token_key TEXT NOT NULL,
  moid TEXT NOT NULL,
  tid TEXT NOT NULL,
  PRIMARY KEY (bill_token_key, moid)
);
CREATE INDEX IF NOT EXISTS billing_keys_user ON billing_keys (mid, mall_user_id);
CREATE TABLE IF NOT EXISTS billing_windows (
  id TEXT PRIMARY KEY,
  opened_at INTEGER NOT NULL,
  open INTEGER NOT NULL,
  data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS billing_identities (
  mid TEXT NOT NULL,
  mall_user_id TEXT NOT NULL,
  verified_at INTEGER NOT NULL,
  PRIMARY KEY (mid, mall_user_id)
);
`;

interface CancelRow {
  tid: string;
  original_tid: string;
  mid: string;
  seq: number;
  amount: number;
  kind: string;
  cancelled_at: number;
  answer: string;
  refunded_at: number | null;
  notify_attempts: number;
  notify_acknowledged: number;
  notify_last_status: number | null;
}

function toCancel(row: CancelRow): StoredCancel {
  return {
    tid: row.tid,
    originalTid: row.original_tid,
    mid: row.mid,
    seq: row.seq,
    amount: row.amount,
    kind: row.kind as CancelKind,
    cancelledAt: row.cancelled_at,
    answer: JSON.parse(row.answer) as Record<string, string>,
    refundedAt: row.refunded_at,
    notifyAttempts: row.notify_attempts,
    notifyAcknowledged: row.notify_acknowledged === 1,
    notifyLastStatus: row.notify_last_status,
  };
}
const ESCROW_SCHEMA = `
CREATE TABLE IF NOT EXISTS escrow_deliveries (
  tid TEXT PRIMARY KEY,
  fields TEXT NOT NULL,
  registered_at INTEGER NOT NULL,
  modified_at INTEGER
);
`;

interface TransactionRow {
  tid: string;
  tr_auth_key_sha256: string;
  mid: string;
  moid: string;
  amount: number;
  tax_amt: number | null;
  tax_free_amt: number | null;
  vat_amt: number | null;
  card_company_code: string;
  masked_card_number: string;
  quota: string;
  scenario: string;
  issued_at: number;
  approval: string;
  result_code: string | null;
  result_msg: string | null;
  approved_at: number | null;
  auth_code: string | null;
  answer: string | null;
  window: string;
  method_data: string | null;
}

/** A TrAuthKey is a bearer secret for one Tid; only its hash is kept. */
export function trAuthKeyHash(trAuthKey: string): string {
  return createHash('sha256').update(trAuthKey, 'utf8').digest('hex');
}

/** A window as stored; one written by schema 1 has no payMethod and was a card window. */
function readWindow(data: string): AuthWindow {
  const w = JSON.parse(data) as Partial<AuthWindow>;
  return { ...w, payMethod: w.payMethod ?? 'CARD' } as AuthWindow;
}

function toTransaction(row: TransactionRow): Transaction {
  return {
    tid: row.tid,
    window: readWindow(row.window),
    cardCompanyCode: row.card_company_code,
    maskedCardNumber: row.masked_card_number,
    quota: row.quota,
    method: row.method_data === null ? { payMethod: 'CARD' } : (JSON.parse(row.method_data) as TransactionMethod),
    scenario: row.scenario as SimScenario,
    issuedAt: row.issued_at,
    approval: row.approval as ApprovalState,
    resultCode: row.result_code,
    resultMsg: row.result_msg,
    approvedAt: row.approved_at,
    authCode: row.auth_code,
    answer: row.answer === null ? null : (JSON.parse(row.answer) as Record<string, string>),
  };
}

function toSummary(row: TransactionRow, cancels: StoredCancel[]): TransactionSummary {
  return {
    tid: row.tid,
    mid: row.mid,
    moid: row.moid,
    amount: row.amount,
    taxAmt: row.tax_amt,
    taxFreeAmt: row.tax_free_amt,
    vatAmt: row.vat_amt,
    approval: row.approval as ApprovalState,
    resultCode: row.result_code,
    resultMsg: row.result_msg,
    authenticatedAt: new Date(row.issued_at).toISOString(),
    approvedAt: row.approved_at === null ? null : new Date(row.approved_at).toISOString(),
    cancelledAmount: cancels.reduce((sum, c) => sum + c.amount, 0),
    cancels: cancels.map((c) => ({
      tid: c.tid,
      seq: c.seq,
      amount: c.amount,
      kind: c.kind,
      cancelledAt: new Date(c.cancelledAt).toISOString(),
      refundedAt: c.refundedAt === null ? null : new Date(c.refundedAt).toISOString(),
    })),
  };
}

/**
 * Opens (and creates if needed) the simulator's SQLite file. Synchronous on purpose: a check
 * and its write happen with no await between them, so one Tid can never be approved twice.
 */
export class SimulatorStore {
  private readonly db: Database.Database;

  constructor(dataFile: string) {
    this.db = new Database(dataFile);
    this.db.pragma('journal_mode = WAL');
    // An approval is money taken: it must be on disk before the answer leaves.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`${dataFile} was written by a newer simulator (schema ${version}, this one knows ${SCHEMA_VERSION})`);
    }
    if (version === 1) this.db.exec('ALTER TABLE transactions ADD COLUMN method_data TEXT');
    this.db.exec(SCHEMA);
    // Files from before schema 3 have a merchants table without notify_url (CREATE IF NOT EXISTS kept it).
    const merchantColumns = this.db.prepare('PRAGMA table_info(merchants)').all() as { name: string }[];
    if (!merchantColumns.some((c) => c.name === 'notify_url')) this.db.exec('ALTER TABLE merchants ADD COLUMN notify_url TEXT');
    // Added without a schema version: NULL (every older row) means the merchant has an escrow contract.
    if (!merchantColumns.some((c) => c.name === 'no_escrow_contract')) this.db.exec('ALTER TABLE merchants ADD COLUMN no_escrow_contract INTEGER');
    // Schema 4: NULL (every older row) means no cancel password was registered.
    if (!merchantColumns.some((c) => c.name === 'cancel_password')) this.db.exec('ALTER TABLE merchants ADD COLUMN cancel_password TEXT');
    // Likewise for the escrow API Key and the escrow deliveries (server-calls.ts).
    if (!merchantColumns.some((c) => c.name === 'escrow_api_key')) this.db.exec('ALTER TABLE merchants ADD COLUMN escrow_api_key TEXT');
    // And the billing ssp Mall ID (schema 7): NULL means the merchant has none.
    if (!merchantColumns.some((c) => c.name === 'ssp_mall_id')) this.db.exec('ALTER TABLE merchants ADD COLUMN ssp_mall_id TEXT');
    this.db.exec(ESCROW_SCHEMA);
    this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ---- merchants ----

  putMerchant(merchant: StoredMerchant): 'created' | 'replaced' {
    const existed = this.db.prepare('SELECT 1 FROM merchants WHERE mid = ?').get(merchant.mid) !== undefined;
    this.db
      .prepare(
        `INSERT INTO merchants (mid, merchant_key, company_name, notify_url, no_escrow_contract, cancel_password, escrow_api_key, ssp_mall_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (mid) DO UPDATE SET merchant_key = excluded.merchant_key, company_name = excluded.company_name, notify_url = excluded.notify_url,
           no_escrow_contract = excluded.no_escrow_contract, cancel_password = excluded.cancel_password, escrow_api_key = excluded.escrow_api_key,
           ssp_mall_id = excluded.ssp_mall_id`,
      )
      .run(
        merchant.mid,
        merchant.merchantKey,
        merchant.companyName,
        merchant.notifyUrl ?? null,
        merchant.escrowContract === false ? 1 : null,
        merchant.cancelPassword ?? null,
        merchant.escrowApiKey ?? null,
        merchant.sspMallId ?? null,
      );
    return existed ? 'replaced' : 'created';
  }

  merchant(mid: string): StoredMerchant | undefined {
    const row = this.db
      .prepare('SELECT mid, merchant_key, company_name, notify_url, no_escrow_contract, cancel_password, escrow_api_key, ssp_mall_id FROM merchants WHERE mid = ?')
      .get(mid) as
      | {
          mid: string;
          merchant_key: string;
          company_name: string | null;
          notify_url: string | null;
          no_escrow_contract: number | null;
          cancel_password: string | null;
          escrow_api_key: string | null;
          ssp_mall_id: string | null;
        }
      | undefined;
    return row
      ? {
          mid: row.mid,
          merchantKey: row.merchant_key,
          companyName: row.company_name,
          notifyUrl: row.notify_url,
          escrowContract: row.no_escrow_contract !== 1,
          cancelPassword: row.cancel_password,
          escrowApiKey: row.escrow_api_key,
          sspMallId: row.ssp_mall_id,
        }
      : undefined;
  }

  // ---- windows ----

  insertWindow(w: AuthWindow): void {
    this.db.prepare('INSERT INTO windows (id, opened_at, open, data) VALUES (?, ?, 1, ?)').run(w.id, w.openedAt, JSON.stringify(w));
  }

  window(id: string): AuthWindow | undefined {
    const row = this.db.prepare('SELECT open, data FROM windows WHERE id = ?').get(id) as { open: number; data: string } | undefined;
    return row ? { ...readWindow(row.data), open: row.open === 1 } : undefined;
  }

  /** Closes a window once; false when it was already closed (a double submit). */
  closeWindow(id: string): boolean {
    return this.db.prepare('UPDATE windows SET open = 0 WHERE id = ? AND open = 1').run(id).changes === 1;
  }

  /** Windows are only useful while the buyer has them open; old ones are dropped. */
  dropWindowsOpenedBefore(cutoff: number): void {
    this.db.prepare('DELETE FROM windows WHERE opened_at < ?').run(cutoff);
  }

  // ---- transactions ----

  hasTransaction(tid: string): boolean {
    return this.db.prepare('SELECT 1 FROM transactions WHERE tid = ?').get(tid) !== undefined;
  }

  /**
   * Closes the window and records its transaction in one SQLite transaction, so a window
   * yields at most one Tid.
   * @returns false when the window was already closed
   */
  authenticate(t: Omit<Transaction, 'approval' | 'resultCode' | 'resultMsg' | 'approvedAt' | 'authCode' | 'answer'>, trAuthKey: string): boolean {
    return this.db.transaction(() => {
      if (!this.closeWindow(t.window.id)) return false;
      const w = t.window;
      this.db
        .prepare(
          `INSERT INTO transactions (tid, tr_auth_key_sha256, mid, moid, amount, tax_amt, tax_free_amt, vat_amt,
             card_company_code, masked_card_number, quota, scenario, issued_at, approval, window, method_data)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
        )
        .run(
          t.tid,
          trAuthKeyHash(trAuthKey),
          w.mid,
          w.moid,
          w.amount,
          w.taxAmt,
          w.taxFreeAmt,
          w.vatAmt,
          t.cardCompanyCode,
          t.maskedCardNumber,
          t.quota,
          t.scenario,
          t.issuedAt,
          JSON.stringify({ ...w, open: false }),
          t.method.payMethod === 'CARD' ? null : JSON.stringify(t.method),
        );
      return true;
    })();
  }

  /** Issued virtual accounts (approved VBANK transactions), newest first, with their deposit if any. */
  issuedVbanks(): { t: Transaction; deposit: VbankDeposit | null }[] {
    const rows = this.db
      .prepare(`SELECT * FROM transactions WHERE approval = 'approved' AND method_data LIKE '%"payMethod":"VBANK"%' ORDER BY issued_at DESC, tid LIMIT 200`)
      .all() as TransactionRow[];
    return rows.map((row) => ({ t: toTransaction(row), deposit: this.vbankDeposit(row.tid) }));
  }

  vbankDeposit(tid: string): VbankDeposit | null {
    const row = this.db.prepare('SELECT * FROM vbank_deposits WHERE tid = ?').get(tid) as
      | { tid: string; deposited_at: number; attempts: number; acknowledged: number; last_status: number | null }
      | undefined;
    return row ? { tid: row.tid, depositedAt: row.deposited_at, attempts: row.attempts, acknowledged: row.acknowledged === 1, lastStatus: row.last_status } : null;
  }

  /** Records the one deposit an account takes; false when it already has one. */
  recordDeposit(tid: string, at: number): boolean {
    return this.db.prepare('INSERT INTO vbank_deposits (tid, deposited_at, attempts, acknowledged) VALUES (?, ?, 0, 0) ON CONFLICT (tid) DO NOTHING').run(tid, at).changes === 1;
  }

  /** Counts one notification attempt of a deposit and what it got back. */
  noteNotification(tid: string, status: number | null, acknowledged: boolean): void {
    this.db
      .prepare('UPDATE vbank_deposits SET attempts = attempts + 1, last_status = ?, acknowledged = MAX(acknowledged, ?) WHERE tid = ?')
      .run(status, acknowledged ? 1 : 0, tid);
  }

  transaction(tid: string): (Transaction & { trAuthKeySha256: string }) | undefined {
    const row = this.db.prepare('SELECT * FROM transactions WHERE tid = ?').get(tid) as TransactionRow | undefined;
    return row ? { ...toTransaction(row), trAuthKeySha256: row.tr_auth_key_sha256 } : undefined;
  }

  /**
   * Records the outcome of the one approval request a Tid may have.
   * @returns false when the Tid was not pending any more (already requested): nothing changed
   */
  settle(
    tid: string,
    outcome: { approval: Exclude<ApprovalState, 'pending'>; resultCode: string | null; resultMsg: string | null; approvedAt: number | null; authCode: string | null; answer: Record<string, string> | null },
  ): boolean {
    const result = this.db
      .prepare(
        `UPDATE transactions SET approval = ?, result_code = ?, result_msg = ?, approved_at = ?, auth_code = ?, answer = ?
         WHERE tid = ? AND approval = 'pending'`,
      )
      .run(
        outcome.approval,
        outcome.resultCode,
        outcome.resultMsg,
        outcome.approvedAt,
        outcome.authCode,
        outcome.answer === null ? null : JSON.stringify(outcome.answer),
        tid,
      );
    return result.changes === 1;
  }

  // ---- billing keys (billing.ts) ----

  insertBillingKey(k: Omit<BillingKey, 'deleted'>): void {
    this.db
      .prepare(
        `INSERT INTO billing_keys (bill_token_key, mid, issue_tid, display_card_no, masked_card_number, card_company_code, card_expire, mall_user_id, scenario, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(k.billTokenKey, k.mid, k.issueTid, k.displayCardNo, k.maskedCardNumber, k.cardCompanyCode, k.cardExpire, k.mallUserId, k.scenario, k.createdAt);
  }

  billingKey(billTokenKey: string): BillingKey | undefined {
    const row = this.db.prepare('SELECT * FROM billing_keys WHERE bill_token_key = ?').get(billTokenKey) as BillingKeyRow | undefined;
    return row
      ? {
          billTokenKey: row.bill_token_key,
          mid: row.mid,
          issueTid: row.issue_tid,
          displayCardNo: row.display_card_no,
          maskedCardNumber: row.masked_card_number,
          cardCompanyCode: row.card_company_code,
          cardExpire: row.card_expire,
          mallUserId: row.mall_user_id,
          scenario: row.scenario as SimScenario,
          createdAt: row.created_at,
          deleted: row.deleted === 1,
        }
      : undefined;
  }

  /**
   * Whether the billing window has met this buyer of the merchant before: their phone identity
   * was checked, or a key was issued for them (the identity check is once per MallUserId).
   */
  knownBillingUser(mid: string, mallUserId: string): boolean {
    return (
      this.db.prepare('SELECT 1 FROM billing_identities WHERE mid = ? AND mall_user_id = ?').get(mid, mallUserId) !== undefined ||
      this.db.prepare('SELECT 1 FROM billing_keys WHERE mid = ? AND mall_user_id = ?').get(mid, mallUserId) !== undefined
    );
  }

  /** Records a buyer's passed phone identity check (kept; a repeat changes nothing). */
  recordBillingIdentity(mid: string, mallUserId: string, at: number): void {
    this.db.prepare('INSERT INTO billing_identities (mid, mall_user_id, verified_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(mid, mallUserId, at);
  }

  insertBillingWindow(w: BillingWindow): void {
    this.db.prepare('INSERT INTO billing_windows (id, opened_at, open, data) VALUES (?, ?, 1, ?)').run(w.id, w.openedAt, JSON.stringify(w));
  }

  billingWindow(id: string): BillingWindow | undefined {
    const row = this.db.prepare('SELECT open, data FROM billing_windows WHERE id = ?').get(id) as { open: number; data: string } | undefined;
    return row ? { ...(JSON.parse(row.data) as BillingWindow), open: row.open === 1 } : undefined;
  }

  /** Marks the buyer's identity as checked in this window (it then shows the card form), with the name they gave. */
  verifyBillingWindow(id: string, buyerName: string): boolean {
    const w = this.billingWindow(id);
    if (!w || !w.open) return false;
    const { open: _open, ...data } = w;
    void _open;
    return this.db.prepare('UPDATE billing_windows SET data = ? WHERE id = ? AND open = 1').run(JSON.stringify({ ...data, identityVerified: true, buyerName }), id).changes === 1;
  }

  /** Ends a billing window once; false when it was closed already (a double submit). */
  closeBillingWindow(id: string): boolean {
    return this.db.prepare('UPDATE billing_windows SET open = 0 WHERE id = ? AND open = 1').run(id).changes === 1;
  }

  /** Billing windows are only useful while the buyer has them open; old ones are dropped. */
  dropBillingWindowsOpenedBefore(cutoff: number): void {
    this.db.prepare('DELETE FROM billing_windows WHERE opened_at < ?').run(cutoff);
  }

  /** Deletes a key once (kept, marked deleted); false when it is unknown or already deleted. */
  deleteBillingKey(billTokenKey: string): boolean {
    return this.db.prepare('UPDATE billing_keys SET deleted = 1 WHERE bill_token_key = ? AND deleted = 0').run(billTokenKey).changes === 1;
  }

  /** The Tid of the approved charge of this order on this key, if any. */
  billingChargeTid(billTokenKey: string, moid: string): string | undefined {
    const row = this.db.prepare('SELECT tid FROM billing_charges WHERE bill_token_key = ? AND moid = ?').get(billTokenKey, moid) as { tid: string } | undefined;
    return row?.tid;
  }

  /**
   * Records a billing charge as a settled transaction (approved or declined). An approved one also
   * takes its (key, Moid), checked and written in one SQLite transaction, so an order is charged
   * once per key. @returns false when the (key, Moid) was taken already (nothing was written)
   */
  recordBillingCharge(
    billTokenKey: string,
    t: Omit<Transaction, 'approval' | 'answer' | 'method'> & { approval: 'approved' | 'declined'; answer: Record<string, string> },
  ): boolean {
    return this.db.transaction(() => {
      if (t.approval === 'approved') {
        if (this.billingChargeTid(billTokenKey, t.window.moid) !== undefined) return false;
        this.db.prepare('INSERT INTO billing_charges (bill_token_key, moid, tid) VALUES (?, ?, ?)').run(billTokenKey, t.window.moid, t.tid);
      }
      const w = t.window;
      this.db
        .prepare(
          `INSERT INTO transactions (tid, tr_auth_key_sha256, mid, moid, amount, tax_amt, tax_free_amt, vat_amt,
             card_company_code, masked_card_number, quota, scenario, issued_at, approval, result_code, result_msg, approved_at, auth_code, answer, window, method_data)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
        )
        .run(
          t.tid,
          // A billing charge has no TrAuthKey: a hash nobody can match, so approvalInquiry.do never finds it.
          trAuthKeyHash(randomBytes(24).toString('base64url')),
          w.mid,
          w.moid,
          w.amount,
          w.taxAmt,
          w.taxFreeAmt,
          w.vatAmt,
          t.cardCompanyCode,
          t.maskedCardNumber,
          t.quota,
          t.scenario,
          t.issuedAt,
          t.approval,
          t.resultCode,
          t.resultMsg,
          t.approvedAt,
          t.authCode,
          JSON.stringify(t.answer),
          JSON.stringify(w),
        );
      return true;
    })();
  }

  // ---- cash receipts ----

  /** The receipt of an order that is issued and not cancelled, if any. */
  activeCashReceipt(mid: string, moid: string): CashReceipt | undefined {
    const row = this.db.prepare(`SELECT * FROM cash_receipts WHERE mid = ? AND moid = ? AND state = 'issued'`).get(mid, moid) as CashReceiptRow | undefined;
    return row ? toCashReceipt(row) : undefined;
  }

  cashReceipt(tid: string): CashReceipt | undefined {
    const row = this.db.prepare('SELECT * FROM cash_receipts WHERE tid = ?').get(tid) as CashReceiptRow | undefined;
    return row ? toCashReceipt(row) : undefined;
  }

  /**
   * Records an issued receipt unless the order already has an active one (checked and written in
   * one SQLite transaction). @returns the order's active receipt: the new one, or the one before
   */
  issueCashReceipt(receipt: Omit<CashReceipt, 'state' | 'cancelledAt' | 'cancelAnswer'>): { created: boolean; receipt: CashReceipt } {
    return this.db.transaction(() => {
      const active = this.activeCashReceipt(receipt.mid, receipt.moid);
      if (active) return { created: false, receipt: active };
      this.db
        .prepare(`INSERT INTO cash_receipts (tid, mid, moid, state, issued_at, request_sha256, data, answer) VALUES (?, ?, ?, 'issued', ?, ?, ?, ?)`)
        .run(receipt.tid, receipt.mid, receipt.moid, receipt.issuedAt, receipt.requestSha256, JSON.stringify(receipt.data), JSON.stringify(receipt.answer));
      return { created: true, receipt: { ...receipt, state: 'issued' as const, cancelledAt: null, cancelAnswer: null } };
    })();
  }

  /** Cancels an issued receipt once; false when it was not issued (already cancelled). */
  cancelCashReceipt(tid: string, at: number, cancelAnswer: Record<string, string>): boolean {
    return (
      this.db
        .prepare(`UPDATE cash_receipts SET state = 'cancelled', cancelled_at = ?, cancel_answer = ? WHERE tid = ? AND state = 'issued'`)
        .run(at, JSON.stringify(cancelAnswer), tid).changes === 1
    );
  }

  /** Lists transactions for the control API, oldest first. At least one filter is required. */
  listTransactions(filter: { tid?: string; moid?: string; mid?: string }): TransactionSummary[] {
    const where: string[] = [];
    const params: string[] = [];
    if (filter.tid) (where.push('tid = ?'), params.push(filter.tid));
    if (filter.moid) (where.push('moid = ?'), params.push(filter.moid));
    if (filter.mid) (where.push('mid = ?'), params.push(filter.mid));
    if (where.length === 0) throw new Error('listTransactions needs a filter');
    const rows = this.db.prepare(`SELECT * FROM transactions WHERE ${where.join(' AND ')} ORDER BY issued_at, tid`).all(...params) as TransactionRow[];
    return rows.map((row) => toSummary(row, this.cancelsOf(row.tid)));
  }

  // ---- cancels ----

  /** Whether a Tid is taken, by a transaction or a cancel (both draw from one numbering). */
  tidTaken(tid: string): boolean {
    return (
      this.hasTransaction(tid) ||
      this.db.prepare('SELECT 1 FROM cancels WHERE tid = ?').get(tid) !== undefined ||
      this.db.prepare('SELECT 1 FROM billing_keys WHERE issue_tid = ?').get(tid) !== undefined
    );
  }

  /** The accepted cancels of a transaction, in CancelSeq order. */
  cancelsOf(originalTid: string): StoredCancel[] {
    return (this.db.prepare('SELECT * FROM cancels WHERE original_tid = ? ORDER BY seq').all(originalTid) as CancelRow[]).map(toCancel);
  }

  /** The cancel a (Tid, CancelSeq) already names, if any: a re-send gets its answer again. */
  cancelBySeq(originalTid: string, seq: number): StoredCancel | undefined {
    const row = this.db.prepare('SELECT * FROM cancels WHERE original_tid = ? AND seq = ?').get(originalTid, seq) as CancelRow | undefined;
    return row ? toCancel(row) : undefined;
  }

  cancel(tid: string): StoredCancel | undefined {
    const row = this.db.prepare('SELECT * FROM cancels WHERE tid = ?').get(tid) as CancelRow | undefined;
    return row ? toCancel(row) : undefined;
  }

  /**
   * Records an accepted cancel, in one SQLite transaction with the checks that make it safe: the
   * (Tid, CancelSeq) is new and the amount fits what remains of `total`.
   * @returns false when either check fails now (nothing was written)
   */
  recordCancel(c: Omit<StoredCancel, 'refundedAt' | 'notifyAttempts' | 'notifyAcknowledged' | 'notifyLastStatus'>, total: number): boolean {
    return this.db.transaction(() => {
      if (this.cancelBySeq(c.originalTid, c.seq)) return false;
      const taken = this.cancelsOf(c.originalTid).reduce((sum, x) => sum + x.amount, 0);
      if (taken + c.amount > total) return false;
      this.db
        .prepare('INSERT INTO cancels (tid, original_tid, mid, seq, amount, kind, cancelled_at, answer) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(c.tid, c.originalTid, c.mid, c.seq, c.amount, c.kind, c.cancelledAt, JSON.stringify(c.answer));
      return true;
    })();
  }

  /** Refunds accepted but not yet done (their notification not yet due), oldest first. */
  pendingRefunds(): StoredCancel[] {
    return (this.db.prepare("SELECT * FROM cancels WHERE kind = 'refund' AND refunded_at IS NULL ORDER BY cancelled_at, tid").all() as CancelRow[]).map(toCancel);
  }

  /** Marks a pending refund done; false when it is not a refund or is already done. */
  completeRefund(tid: string, at: number): boolean {
    return this.db.prepare("UPDATE cancels SET refunded_at = ? WHERE tid = ? AND kind = 'refund' AND refunded_at IS NULL").run(at, tid).changes === 1;
  }

  /** Counts one refund notification attempt and what it got back. */
  noteRefundNotification(tid: string, status: number | null, acknowledged: boolean): void {
    this.db
      .prepare('UPDATE cancels SET notify_attempts = notify_attempts + 1, notify_last_status = ?, notify_acknowledged = MAX(notify_acknowledged, ?) WHERE tid = ?')
      .run(status, acknowledged ? 1 : 0, tid);
  }

  // ---- escrow deliveries ----

  escrowDelivery(tid: string): EscrowDeliveryRecord | null {
    const row = this.db.prepare('SELECT * FROM escrow_deliveries WHERE tid = ?').get(tid) as
      | { tid: string; fields: string; registered_at: number; modified_at: number | null }
      | undefined;
    return row ? { tid: row.tid, fields: JSON.parse(row.fields) as Record<string, string>, registeredAt: row.registered_at, modifiedAt: row.modified_at } : null;
  }

  /** Registers a delivery once; false when the Tid has one already. */
  registerEscrowDelivery(tid: string, fields: Record<string, string>, at: number): boolean {
    return this.db.prepare('INSERT INTO escrow_deliveries (tid, fields, registered_at) VALUES (?, ?, ?) ON CONFLICT (tid) DO NOTHING').run(tid, JSON.stringify(fields), at).changes === 1;
  }

  /** Replaces a registered delivery's fields; false when the Tid has none. */
  modifyEscrowDelivery(tid: string, fields: Record<string, string>, at: number): boolean {
    return this.db.prepare('UPDATE escrow_deliveries SET fields = ?, modified_at = ? WHERE tid = ?').run(JSON.stringify(fields), at, tid).changes === 1;
  }
}

/**
 * A billing window (빌키 발급창) as the simulator keeps it while the buyer has it open. Holds no
 * card data: the card form is read and forgotten in one request.
 */
export interface BillingWindow {
  id: string;
  mid: string;
  moid: string;
  mallUserId: string;
  returnUrl: string;
  skinColor: string | null;
  /** `N`: the buyer also registers a 6-digit payment password (IsPwdPass). */
  isPwdPass: 'Y' | 'N';
  /** Whether the phone identity step is done (or was not needed: a known MallUserId). */
  identityVerified: boolean;
  /** The identity step's 6-digit code, shown on the page (the simulator sends no text message). */
  identityCode: string;
  /** The name given in the identity step (Smartro's `BuyerName` in the callback); empty when skipped. */
  buyerName: string;
  testMode: boolean;
  openedAt: number;
  open: boolean;
}

/** A billing key the simulator issued (Smartro keeps the key itself; never a full card number). */
export interface BillingKey {
  /** The key, plain (what the merchant decrypts from the callback's `BillTokenKey`). */
  billTokenKey: string;
  mid: string;
  /** The issue's own Tid. */
  issueTid: string;
  /** As the issue callback shows it: `5239-****-****-9001`. */
  displayCardNo: string;
  /** As a charge's answer shows it (`CardNum`): `52391234****900*`. */
  maskedCardNumber: string;
  cardCompanyCode: string;
  /** `yyyyMMddHHmm`. */
  cardExpire: string;
  /** The buyer's id at the merchant (`MallUserId`, V1 `customer_id`). */
  mallUserId: string;
  /** What the test card does on a charge (cards.ts). */
  scenario: SimScenario;
  createdAt: number;
  deleted: boolean;
}

interface BillingKeyRow {
  bill_token_key: string;
  mid: string;
  issue_tid: string;
  display_card_no: string;
  masked_card_number: string;
  card_company_code: string;
  card_expire: string;
  mall_user_id: string;
  scenario: string;
  created_at: number;
  deleted: number;
}

/** What the simulator keeps of a cash receipt request (the identity masked; its hash tells a re-send). */
export interface CashReceiptData {
  orgTid: string;
  payMethod: string;
  goodsName: string;
  amount: number;
  supplyAmt: number;
  vatAmt: number;
  taxFreeAmt: number;
  receiptType: string;
  identityType: string;
  maskedIdentity: string;
  buyerName: string;
  appNo: string;
  /** Issued to the late-answer test identity: its cancel's answer is held too. */
  lateAnswers?: boolean;
}

export interface CashReceipt {
  tid: string;
  mid: string;
  moid: string;
  state: 'issued' | 'cancelled';
  issuedAt: number;
  cancelledAt: number | null;
  /** SHA-256 of the request's fields that define the receipt: a re-send has the same. */
  requestSha256: string;
  data: CashReceiptData;
  answer: Record<string, string>;
  cancelAnswer: Record<string, string> | null;
}

interface CashReceiptRow {
  tid: string;
  mid: string;
  moid: string;
  state: string;
  issued_at: number;
  cancelled_at: number | null;
  request_sha256: string;
  data: string;
  answer: string;
  cancel_answer: string | null;
}

function toCashReceipt(row: CashReceiptRow): CashReceipt {
  return {
    tid: row.tid,
    mid: row.mid,
    moid: row.moid,
    state: row.state as CashReceipt['state'],
    issuedAt: row.issued_at,
    cancelledAt: row.cancelled_at,
    requestSha256: row.request_sha256,
    data: JSON.parse(row.data) as CashReceiptData,
    answer: JSON.parse(row.answer) as Record<string, string>,
    cancelAnswer: row.cancel_answer === null ? null : (JSON.parse(row.cancel_answer) as Record<string, string>),
  };
}
