import { describe, expect, it } from 'vitest';
import { authDate, cardCompanyByKftcCode, cardCompanyBySmartroCode, ediDate, parseAuthDate, SMARTRO_CARD_COMPANIES } from './wire';

describe('Korea-time stamps', () => {
  it('formats EdiDate in KST whatever the machine TZ', () => {
    // 12:00 UTC is 21:00 in Seoul.
    expect(ediDate(new Date('2026-01-15T12:00:00Z'))).toBe('20260115210000');
    // 15:30 UTC crosses midnight (and here a year) in Seoul.
    expect(ediDate(new Date('2025-12-31T15:30:05Z'))).toBe('20260101003005');
  });

  it('formats and reads AuthDate (yyMMddHHmmss KST)', () => {
    const at = new Date('2025-07-25T07:36:56Z');
    expect(authDate(at)).toBe('250725163656');
    expect(parseAuthDate('250725163656')?.toISOString()).toBe('2025-07-25T07:36:56.000Z');
  });

  it('refuses stamps that are not dates', () => {
    for (const bad of ['', '2507251636', '25072516365x', '250231120000', '251301000000', undefined, null]) {
      expect(parseAuthDate(bad as string)).toBeNull();
    }
  });
});

describe('card company table', () => {
  it('maps the major Korean card companies to their KFTC (PortOne V1) codes', () => {
    const byName = Object.fromEntries(SMARTRO_CARD_COMPANIES.map((c) => [c.name, c.kftcCode]));
    expect(byName).toMatchObject({
      BC: '361',
      KB국민: '381',
      신한: '366',
      삼성: '365',
      현대: '367',
      롯데: '368',
      NH농협: '371',
      하나: '374',
      우리: '041',
    });
  });

  it('has unique codes and marks only the observed NH code as confirmed', () => {
    const smartro = SMARTRO_CARD_COMPANIES.map((c) => c.smartroCode);
    const kftc = SMARTRO_CARD_COMPANIES.map((c) => c.kftcCode);
    expect(new Set(smartro).size).toBe(smartro.length);
    expect(new Set(kftc).size).toBe(kftc.length);
    expect(smartro.every((c) => /^\d{2}$/.test(c))).toBe(true);
    expect(SMARTRO_CARD_COMPANIES.filter((c) => c.confirmed).map((c) => c.smartroCode)).toEqual(['12']);
  });

  it('looks up both ways', () => {
    expect(cardCompanyBySmartroCode('12')?.kftcCode).toBe('371');
    expect(cardCompanyByKftcCode('371')?.smartroCode).toBe('12');
    expect(cardCompanyBySmartroCode('99')).toBeNull();
    expect(cardCompanyByKftcCode(null)).toBeNull();
  });
});
