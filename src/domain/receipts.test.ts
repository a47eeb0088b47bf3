import { describe, expect, it } from 'vitest';
import { defaultVat, inferIdentifierType, maskIdentifier, readReceiptIdentifier } from './receipts';

describe('cash receipt identifiers', () => {
  it('infers the type from the digits', () => {
    expect(['0101234567', '01012345678', '1234567890', '9001011234567', '123456789012345678', '12345'].map(inferIdentifierType)).toEqual([
      'phone',
      'phone',
      'business',
      'person',
      'taxcard',
      null,
    ]);
  });

  it('reads hyphenated identifiers and refuses ones that break their type, naming the field', () => {
    expect(readReceiptIdentifier('010-1234-5678', undefined, 'person')).toEqual({ ok: true, digits: '01012345678', type: 'phone' });
    expect(readReceiptIdentifier('123-45-67890', 'business', 'company')).toEqual({ ok: true, digits: '1234567890', type: 'business' });
    expect(readReceiptIdentifier('abc', undefined, 'person')).toEqual({ ok: false, violations: [{ field: 'identifier', rule: '숫자(와 하이픈)만 입력할 수 있습니다' }] });
    expect(readReceiptIdentifier('1234567890', 'taxcard', 'person')).toEqual({ ok: false, violations: [{ field: 'identifier', rule: '현금영수증 카드번호는 18자리 숫자여야 합니다' }] });
    expect(readReceiptIdentifier('1234567890', undefined, 'person')).toMatchObject({ ok: false, violations: [{ field: 'type' }] });
  });

  it('masks all but the first 3 and last 2 digits, and computes VAT as 1/11 of the taxable part', () => {
    expect(maskIdentifier('01012345678')).toBe('010******78');
    expect(defaultVat(11000, 0)).toBe(1000);
    expect(defaultVat(16000, 5000)).toBe(1000);
  });
});
