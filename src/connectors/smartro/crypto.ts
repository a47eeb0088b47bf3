/**
 * Smartro's hashes and cipher. Every hash is SHA-256 over the UTF-8 bytes of a plain string
 * concatenation, sent as base64 of the raw 32-byte digest. The simulator imports this file, so
 * it must depend on node built-ins only.
 */
import { createCipheriv, createDecipheriv, createHash, timingSafeEqual } from 'node:crypto';

function sha256Base64(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}

/**
 * `EncryptData` of the payment form: proves to Smartro that the merchant (who holds the key)
 * fixed this amount at this time.
 * @example encryptData('20260115210000', 'gyeoltest1', '1004', key)
 */
export function encryptData(ediDate: string, mid: string, amt: string, merchantKey: string): string {
  return sha256Base64(ediDate + mid + amt + merchantKey);
}

/**
 * `SignValue` of an approval answer or a notification. The key is spliced into the Tid at a
 * fixed place (after its 15th character), as Smartro defines it.
 */
export function signValue(tid: string, resultCode: string, merchantKey: string): string {
  return sha256Base64(tid.slice(0, 10) + resultCode + tid.slice(10, 15) + merchantKey + tid.slice(15));
}

/**
 * Checks a received `SignValue` in constant time, so that an attacker cannot learn a valid
 * signature byte by byte from response timings.
 */
export function verifySignValue(tid: string, resultCode: string, merchantKey: string, received: string): boolean {
  const expected = Buffer.from(signValue(tid, resultCode, merchantKey), 'utf8');
  const given = Buffer.from(received, 'utf8');
  if (given.length !== expected.length) return false;
  return timingSafeEqual(expected, given);
}

/** `HashData` of a cancel request. `partialCancelCode` is `0` (full) or `1` (partial). */
export function hashData(tid: string, merchantKey: string, cancelAmt: string, partialCancelCode: string): string {
  return sha256Base64(tid + merchantKey + cancelAmt + partialCancelCode);
}

// Smartro keys AES-256 with the first 32 *characters* of the merchant key taken as bytes and a
// zero IV. A zero IV leaks equal prefixes of equal plaintexts; that is Smartro's choice, not ours.
const ZERO_IV = Buffer.alloc(16, 0);

function aesKey(merchantKey: string): Buffer {
  const key = Buffer.from(merchantKey.slice(0, 32), 'utf8');
  if (key.length !== 32) throw new Error('Smartro merchant key must give 32 bytes in its first 32 characters');
  return key;
}

/** AES-256-CBC (PKCS#7) of a UTF-8 string, base64. Used for single fields such as `BuyerEmail`. */
export function aesEncrypt(plain: string, merchantKey: string): string {
  const cipher = createCipheriv('aes-256-cbc', aesKey(merchantKey), ZERO_IV);
  return Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]).toString('base64');
}

/**
 * Reverses {@link aesEncrypt}.
 * @throws Error when the text is not a ciphertext under this key (bad padding, bad length)
 */
export function aesDecrypt(encoded: string, merchantKey: string): string {
  const decipher = createDecipheriv('aes-256-cbc', aesKey(merchantKey), ZERO_IV);
  return Buffer.concat([decipher.update(Buffer.from(encoded, 'base64')), decipher.final()]).toString('utf8');
}

/** The `EncData` envelope of cancel, vacct and billing calls: base64(AES-256-CBC(JSON)). */
export function encryptEnvelope(payload: Record<string, unknown>, merchantKey: string): string {
  return aesEncrypt(JSON.stringify(payload), merchantKey);
}

/**
 * Opens an `EncData` envelope.
 * @throws Error when it does not decrypt under this key or does not hold a JSON object
 */
export function decryptEnvelope(encData: string, merchantKey: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(aesDecrypt(encData, merchantKey));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('EncData does not hold a JSON object');
  }
  return parsed as Record<string, unknown>;
}

// ---- billing (빌링, protocol reference §2 and §3.4) ----

/** The constant Smartro appends to the billing `VerifyValue`s that carry one. */
const BILLING_SALT = 'SMARTRO!@#';

/**
 * `VerifyValue` of a billing key issue result (the window's callback to ReturnUrl):
 * SHA256(Mid + BillTokenKey (plain) + DisplayCardNo + ResultCode + "SMARTRO!@#").
 */
export function billIssueVerifyValue(mid: string, billTokenKeyPlain: string, displayCardNo: string, resultCode: string): string {
  return sha256Base64(mid + billTokenKeyPlain + displayCardNo + resultCode + BILLING_SALT);
}

/** `VerifyValue` inside a billing payment (`ssbbill.do`): SHA256(BillTokenKey (plain) + Mid + Amt). */
export function billPayVerifyValue(billTokenKeyPlain: string, mid: string, amt: string): string {
  return sha256Base64(billTokenKeyPlain + mid + amt);
}

/** `VerifyValue` of a billing key issue request (the window form, and the keyed issue): SHA256(EdiDate + Mid + Moid + "SMARTRO!@#"). */
export function billIssueRequestVerifyValue(ediDate: string, mid: string, moid: string): string {
  return sha256Base64(ediDate + mid + moid + BILLING_SALT);
}

/** Compares two base64 hashes in constant time (a length difference returns false at once). */
export function sameHash(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(received, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
