import { describe, expect, it } from 'vitest';
import { decodePassThrough, encodePassThrough } from './pass-through';
import { EMPTY_PASS_THROUGH, type PaymentPassThrough } from './payment';

const FULL: PaymentPassThrough = {
  digital: false,
  vbankDue: '20260120235959',
  customerId: 'member42',
  cardDirect: { code: '361', quota: 3 },
  bypass: { smartro_v2: { SkinColor: 'BLUE', GoodsCnt: 2 }, other: [1, null, '한글'] },
  language: 'en',
  period: { from: '20260101', to: '20261231' },
};

describe('pass-through codec', () => {
  it('round-trips every field, and the empty value', () => {
    expect(decodePassThrough(encodePassThrough(FULL))).toEqual(FULL);
    expect(decodePassThrough(encodePassThrough(EMPTY_PASS_THROUGH))).toEqual(EMPTY_PASS_THROUGH);
    const partial: PaymentPassThrough = { ...EMPTY_PASS_THROUGH, digital: true, cardDirect: { code: null, quota: 0 } };
    expect(decodePassThrough(encodePassThrough(partial))).toEqual(partial);
  });

  it('reads missing fields as null and drops fields it does not know', () => {
    expect(decodePassThrough('{}')).toEqual(EMPTY_PASS_THROUGH);
    // Rows written before `period` existed read as "no period".
    expect(decodePassThrough('{"digital":true,"vbankDue":null,"customerId":null,"cardDirect":null,"bypass":null,"language":"ko"}')).toEqual({
      ...EMPTY_PASS_THROUGH,
      digital: true,
      language: 'ko',
    });
    expect(decodePassThrough('{"period":{"from":"20260101","to":"20260131","extra":1}}')).toEqual({
      ...EMPTY_PASS_THROUGH,
      period: { from: '20260101', to: '20260131' },
    });
    expect(decodePassThrough('{"customerId":"c1","pg":"smartro_v2","cardDirect":{"code":"371","quota":0,"x":1}}')).toEqual({
      ...EMPTY_PASS_THROUGH,
      customerId: 'c1',
      cardDirect: { code: '371', quota: 0 },
    });
  });

  it('refuses each field of the wrong type, naming it', () => {
    const wrong: [string, unknown][] = [
      ['digital', 'yes'],
      ['digital', 1],
      ['vbankDue', 20260120],
      ['customerId', { id: 1 }],
      ['language', false],
      ['cardDirect', 'BC'],
      ['cardDirect', []],
      ['cardDirect', { code: 361, quota: 0 }],
      ['cardDirect', { code: '361', quota: 1.5 }],
      ['cardDirect', { code: '361', quota: '3' }],
      ['cardDirect', { code: '361' }],
      ['bypass', 'x'],
      ['bypass', ['a']],
      ['period', '20260101-20261231'],
      ['period', []],
      ['period', { from: '20260101' }],
      ['period', { from: 20260101, to: '20261231' }],
    ];
    for (const [field, value] of wrong) {
      const text = JSON.stringify({ ...FULL, [field]: value });
      expect(() => decodePassThrough(text), `${field} = ${JSON.stringify(value)}`).toThrow(new TypeError(`pass-through fields of the wrong type: ${field}`));
    }
  });

  it('names every wrong field at once', () => {
    expect(() => decodePassThrough('{"digital":"no","language":1,"bypass":[]}')).toThrow(new TypeError('pass-through fields of the wrong type: digital, language, bypass'));
  });

  it('refuses text that is not a JSON object', () => {
    for (const text of ['null', '[]', '"text"', '42', 'true']) {
      expect(() => decodePassThrough(text)).toThrow(new TypeError('pass-through is not an object'));
    }
    expect(() => decodePassThrough('{"digital":')).toThrow(SyntaxError);
  });
});
