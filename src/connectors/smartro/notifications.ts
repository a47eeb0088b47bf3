/**
 * Smartro's notifications ("신통보", posted form-encoded to the URL set per pay method in the
 * merchant admin): the virtual account deposit, result `4110`, and the refund of a paid virtual
 * account, result `2211` (`Tid` the refund's own Tid, `OTID` the payment's). The field names of 신통보 are
 * not public (protocol reference §3.3): gyeol reads `Mid`, `Tid`, `Amt`, `ResultCode`, `AuthDate`
 * and `SignValue` (SHA256 over Tid, ResultCode and the merchant key, as every Smartro answer),
 * the simulator's choice shared with it (see the simulator README).
 */
import type { PgNotification } from '../contract';
import type { SmartroCredentials } from './credentials';
import { verifySignValue } from './crypto';
import { readAmount } from './transformers';
import { parseAuthDate, REFUND_COMPLETED } from './wire';

/** Smartro's code of a virtual account deposit notification. */
export const VBANK_DEPOSIT_CODE = '4110';

/**
 * Reads a Smartro notification. Anything not signed with this channel's key, or for another
 * MID, is `rejected`; a verified notification of another code is `ignored`.
 * @param now the deposit time when `AuthDate` cannot be read
 */
export function readSmartroNotification(credentials: SmartroCredentials, fields: Record<string, string>, now: Date): PgNotification {
  const tid = fields.Tid?.trim() ?? '';
  const code = fields.ResultCode?.trim() ?? '';
  const sign = fields.SignValue?.trim() ?? '';
  if (!tid || !code || !sign) return { kind: 'rejected', reason: 'Tid, ResultCode and SignValue are required' };
  if (fields.Mid !== credentials.mid) return { kind: 'rejected', reason: `notification for MID ${String(fields.Mid)}, not ${credentials.mid}` };
  if (!verifySignValue(tid, code, credentials.merchantKey, sign)) return { kind: 'rejected', reason: `SignValue for Tid ${tid} does not verify` };
  if (code !== VBANK_DEPOSIT_CODE && code !== REFUND_COMPLETED.resultCode) return { kind: 'ignored', pgTid: tid, reason: `result ${code} is neither a deposit nor a refund` };
  const amount = readAmount(fields.Amt);
  if (amount === null) return { kind: 'rejected', reason: `unreadable Amt ${String(fields.Amt)}` };
  if (code === REFUND_COMPLETED.resultCode) {
    const originalTid = fields.OTID?.trim() ?? '';
    if (!originalTid) return { kind: 'rejected', reason: `refund notification for Tid ${tid} names no original Tid (OTID)` };
    return { kind: 'refund-completed', pgTid: tid, originalPgTid: originalTid, pgId: credentials.mid, amount, refundedAt: parseAuthDate(fields.AuthDate) ?? now };
  }
  return { kind: 'vbank-deposit', pgTid: tid, pgId: credentials.mid, amount, depositedAt: parseAuthDate(fields.AuthDate) ?? now };
}
