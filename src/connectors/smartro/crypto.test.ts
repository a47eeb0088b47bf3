import { describe, expect, it } from 'vitest';
import {
  aesDecrypt,
  aesEncrypt,
  billIssueRequestVerifyValue,
  billIssueVerifyValue,
  billPayVerifyValue,
  decryptEnvelope,
  encryptData,
  encryptEnvelope,
  hashData,
  sameHash,
  signValue,
  verifySignValue,
} from './crypto';

// Every expected value below was computed outside this code base with the openssl CLI
// (OpenSSL 3.0), so these tests check our code against an independent implementation.
// KEY is made up for the vectors; it is no real merchant's key.
const KEY = 'gyeolVectorMerchantKey0123456789abcdefghijklmnopqrstuvwxyzABCDEF';
const TID = 'gyeoltest101012601152100001234';

describe('encryptData', () => {
  it('is base64 SHA-256 of EdiDate+Mid+Amt+MerchantKey', () => {
    // printf %s "20260115120000gyeoltest11004$KEY" | openssl dgst -sha256 -binary | base64
    expect(encryptData('20260115120000', 'gyeoltest1', '1004', KEY)).toBe('CgMhvWWijMqipLjXWXlx7WXN5gNuXX1FAyUMBue8MZY=');
  });
});

describe('signValue', () => {
  it('splices the key into the Tid after its 15th character', () => {
    // printf %s "${TID:0:10}3001${TID:10:5}$KEY${TID:15}" | openssl dgst -sha256 -binary | base64
    expect(signValue(TID, '3001', KEY)).toBe('V/7F8DpVZ6GtF/sydNbMypKq5ZZVGAgxKdxKcbWCWlg=');
    // same with ResultCode 3051
    expect(signValue(TID, '3051', KEY)).toBe('t/ir3PDRcyoGwS5riSewQ0ip0ms9KOJgUnolkd+AWro=');
  });

  it('verifies only the exact value', () => {
    expect(verifySignValue(TID, '3001', KEY, 'V/7F8DpVZ6GtF/sydNbMypKq5ZZVGAgxKdxKcbWCWlg=')).toBe(true);
    expect(verifySignValue(TID, '3051', KEY, 'V/7F8DpVZ6GtF/sydNbMypKq5ZZVGAgxKdxKcbWCWlg=')).toBe(false);
    expect(verifySignValue(TID, '3001', KEY.replace('g', 'G'), 'V/7F8DpVZ6GtF/sydNbMypKq5ZZVGAgxKdxKcbWCWlg=')).toBe(false);
    expect(verifySignValue(TID, '3001', KEY, 'short')).toBe(false);
    expect(verifySignValue(TID, '3001', KEY, '')).toBe(false);
  });
});

describe('hashData', () => {
  it('is base64 SHA-256 of Tid+MerchantKey+CancelAmt+PartialCancelCode', () => {
    // printf %s "${TID}${KEY}10040" | openssl dgst -sha256 -binary | base64
    expect(hashData(TID, KEY, '1004', '0')).toBe('n8pK09yvJ4RhHdRBpXJpFWg1trmtonZ5FxZhVaTVBZs=');
    // printf %s "${TID}${KEY}5001" | openssl dgst -sha256 -binary | base64  (a partial cancel of 500)
    expect(hashData(TID, KEY, '500', '1')).toBe('jFikcR6BP/TjaUgJsroIoFQw2Ogu9zjuCTGKE6ha5C4=');
  });
});

describe('AES envelope', () => {
  // HEX = the first 32 characters of KEY as bytes:
  //   printf %s "${KEY:0:32}" | xxd -p -c 64
  //   → 6779656f6c566563746f724d65726368616e744b657930313233343536373839
  // printf %s "$PLAIN" | openssl enc -aes-256-cbc -K $HEX -iv 00000000000000000000000000000000 -base64 -A
  const PLAIN_JSON = '{"Tid":"gyeoltest101012601152100001234","CancelAmt":"1004","GoodsName":"결제 테스트"}';
  const CIPHER_JSON =
    'duUjCObB4Q9pgQrqncMMT2WVv+Zn2SuSzWuoOdNaV3v1mVJPSVEfLhZOOE6WQbupgBeHUaHMFAbdXgqapMdFSjZ5uZyAh9idMp0YxwzwQmSu22lqlcVNhpRSgQL6azQp';

  it('encrypts a JSON object (UTF-8, PKCS#7, zero IV, key = first 32 characters)', () => {
    expect(encryptEnvelope({ Tid: TID, CancelAmt: '1004', GoodsName: '결제 테스트' }, KEY)).toBe(CIPHER_JSON);
    expect(aesEncrypt(PLAIN_JSON, KEY)).toBe(CIPHER_JSON);
  });

  it('decrypts what openssl encrypted', () => {
    expect(decryptEnvelope(CIPHER_JSON, KEY)).toEqual({ Tid: TID, CancelAmt: '1004', GoodsName: '결제 테스트' });
    // printf %s 'buyer@example.com' | openssl enc … (same key and IV)
    expect(aesDecrypt('U/Hu0N9vSZ0EC7KyJ3B8s3T/qbyiMqUvSPAh1ugxP84=', KEY)).toBe('buyer@example.com');
    expect(aesEncrypt('buyer@example.com', KEY)).toBe('U/Hu0N9vSZ0EC7KyJ3B8s3T/qbyiMqUvSPAh1ugxP84=');
  });

  it('refuses a ciphertext made under another key', () => {
    expect(() => decryptEnvelope(CIPHER_JSON, 'X'.repeat(64))).toThrow();
  });

  it('refuses a key shorter than 32 characters', () => {
    expect(() => aesEncrypt('x', 'short')).toThrow(/32/);
  });
});

describe('billing VerifyValues', () => {
  // A made-up plain BillTokenKey for the vectors.
  const BTK = 'BTK20260115ABCDEFGH123456';

  it('issue result: base64 SHA-256 of Mid+BillTokenKey+DisplayCardNo+ResultCode+"SMARTRO!@#"', () => {
    // printf %s "gyeoltest1${BTK}5239-****-****-90013001SMARTRO!@#" | openssl dgst -sha256 -binary | base64
    expect(billIssueVerifyValue('gyeoltest1', BTK, '5239-****-****-9001', '3001')).toBe('aItmA5zCBNlorXMYKxIHKV3zYbb77l2zq0t49T6NtOE=');
  });

  it('billing payment: base64 SHA-256 of BillTokenKey+Mid+Amt (no constant)', () => {
    // printf %s "${BTK}gyeoltest11004" | openssl dgst -sha256 -binary | base64
    expect(billPayVerifyValue(BTK, 'gyeoltest1', '1004')).toBe('wITxQwEGCqtKOiXHlWFnMyJz3v7nBrqVu1i551ObZVs=');
  });

  it('issue request: base64 SHA-256 of EdiDate+Mid+Moid+"SMARTRO!@#"', () => {
    // printf %s "20260115120000gyeoltest1bill20260115001SMARTRO!@#" | openssl dgst -sha256 -binary | base64
    expect(billIssueRequestVerifyValue('20260115120000', 'gyeoltest1', 'bill20260115001')).toBe('3wU4xCKJJrbx6PkWgQ/pLll9HCnzl2F3UyMi9kQjGoM=');
  });

  it('BillTokenKey travels AES-encrypted like the other fields', () => {
    // printf %s "$BTK" | openssl enc -aes-256-cbc -K $HEX -iv 00000000000000000000000000000000 -base64 -A
    expect(aesEncrypt(BTK, KEY)).toBe('IjB/ZsR8Ocgay10RcNiPVchKi3tJC9dieYdRXIJAeUU=');
    expect(aesDecrypt('IjB/ZsR8Ocgay10RcNiPVchKi3tJC9dieYdRXIJAeUU=', KEY)).toBe(BTK);
  });

  it('sameHash accepts only the exact value', () => {
    expect(sameHash('wITxQwEGCqtKOiXHlWFnMyJz3v7nBrqVu1i551ObZVs=', 'wITxQwEGCqtKOiXHlWFnMyJz3v7nBrqVu1i551ObZVs=')).toBe(true);
    expect(sameHash('wITxQwEGCqtKOiXHlWFnMyJz3v7nBrqVu1i551ObZVs=', 'xITxQwEGCqtKOiXHlWFnMyJz3v7nBrqVu1i551ObZVs=')).toBe(false);
    expect(sameHash('wITxQwEGCqtKOiXHlWFnMyJz3v7nBrqVu1i551ObZVs=', '')).toBe(false);
  });
});
