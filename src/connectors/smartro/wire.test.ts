import { describe, expect, it } from 'vitest';
import {
  authDate,
  cardCompanyByKftcCode,
  cardCompanyBySmartroCode,
  ediDate,
  offerPeriod,
  parseAuthDate,
  parseOfferPeriod,
  parseVbankExpDate,
  SMARTRO_CARD_COMPANIES,
  vbankExpDate,
  withSmartroCardCodes,
} from './wire';
import { v1CardCodes } from './test-fixtures';

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

  it('round-trips every second-precision instant through AuthDate, across midnight, leap days and years', () => {
    const start = Date.UTC(2027, 11, 31, 0, 0, 0);
    // Every 7 h 13 min 17 s for a little over two years: all hours of the day, 2028-02-29 included.
    const step = (7 * 3600 + 13 * 60 + 17) * 1000;
    for (let t = start; t < start + 800 * 86_400_000; t += step) {
      const at = new Date(t);
      expect(parseAuthDate(authDate(at))?.getTime(), at.toISOString()).toBe(at.getTime());
      // EdiDate is the same Korea-time stamp with a 4-digit year.
      expect(ediDate(at).slice(2)).toBe(authDate(at));
    }
    expect(parseAuthDate('280229235959')?.toISOString()).toBe('2028-02-29T14:59:59.000Z');
  });

  it('refuses stamps that are not dates', () => {
    // Short, non-digit, 31 February, month 13, hour 24, 29 February of a common year, padded.
    for (const bad of ['', '2507251636', '25072516365x', '250231120000', '251301000000', '250725240000', '270229120000', ' 50725163656', undefined, null]) {
      expect(parseAuthDate(bad as string)).toBeNull();
    }
  });
});

describe('card company lookups', () => {
  it('finds every company by its Smartro code and by its KFTC code, and each way leads back', () => {
    for (const company of SMARTRO_CARD_COMPANIES) {
      const bySmartro = cardCompanyBySmartroCode(company.smartroCode);
      const byKftc = cardCompanyByKftcCode(company.kftcCode);
      // The same entry both ways: a duplicated code would return another company here.
      expect(bySmartro, company.name).toBe(company);
      expect(byKftc, company.name).toBe(company);
      expect(cardCompanyBySmartroCode(cardCompanyByKftcCode(company.kftcCode)!.smartroCode)).toBe(company);
      expect(cardCompanyByKftcCode(cardCompanyBySmartroCode(company.smartroCode)!.kftcCode)).toBe(company);
    }
  });

  it('knows every code of PortOne V1\'s card code table: a row of its own, or a legacy alias of the overseas brand', () => {
    const v1 = v1CardCodes();
    for (const [code, { scope }] of v1) {
      const company = cardCompanyByKftcCode(code);
      expect(company, code).not.toBeNull();
      if (scope.startsWith('overseas (legacy')) {
        expect(company!.aliases, code).toContain(code);
        expect(company!.scope).toBe('overseas');
      } else {
        expect(company!.kftcCode, code).toBe(code);
      }
    }
    // Legacy iamport constants → PortOne's overseas codes of the same brand.
    const legacy = { VIS: '10005', MAS: '10004', DIN: '10002', AMX: '10003', JCB: '10006', UNI: '10001' };
    for (const [alias, code] of Object.entries(legacy)) expect(cardCompanyByKftcCode(alias)?.kftcCode, alias).toBe(code);
  });

  it('reports KFTC codes that are PortOne V1 card_codes of the same company', () => {
    const v1 = v1CardCodes();
    for (const company of SMARTRO_CARD_COMPANIES) {
      const v1Name = v1.get(company.kftcCode)?.name;
      expect(v1Name, `${company.name} ${company.kftcCode}`).toBeDefined();
      // V1 names are short forms or variants ("KB" for KB국민, "하나SK" for 하나, "해외비자카드" for 해외비자).
      const sameCompany = company.name.startsWith(v1Name!) || v1Name!.startsWith(company.name);
      expect(sameCompany, `${company.name} vs V1 ${v1Name}`).toBe(true);
    }
  });

  it('marks only NH농협 (12) confirmed; only Jeonbuk and KakaoBank direct calls are Windows-only', () => {
    expect(SMARTRO_CARD_COMPANIES.filter((c) => c.confirmed).map((c) => c.kftcCode)).toEqual(['371']);
    expect(SMARTRO_CARD_COMPANIES.filter((c) => c.windowsOnly).map((c) => c.kftcCode).sort()).toEqual(['090', '372']);
  });

  it('applies a channel\'s corrections of Smartro codes, and only those', () => {
    const table = withSmartroCardCodes({ '366': '41' });
    expect(cardCompanyByKftcCode('366', table)).toMatchObject({ smartroCode: '41', name: '신한', confirmed: true });
    expect(cardCompanyBySmartroCode('41', table)?.kftcCode).toBe('366');
    expect(cardCompanyBySmartroCode('06', table)).toBeNull();
    expect(table.filter((c) => c.kftcCode !== '366')).toEqual(SMARTRO_CARD_COMPANIES.filter((c) => c.kftcCode !== '366'));
    expect(withSmartroCardCodes(undefined)).toBe(SMARTRO_CARD_COMPANIES);
  });

  it('maps the code seen in a real Smartro answer: 12 is NH농협, V1 371', () => {
    expect(cardCompanyBySmartroCode('12')).toMatchObject({ name: 'NH농협', kftcCode: '371', confirmed: true });
    expect(cardCompanyByKftcCode('371')?.smartroCode).toBe('12');
  });

  it('finds nothing for unknown, empty, malformed or cross-table codes', () => {
    for (const code of ['99', '', null, undefined, '1', '012', ' 12', '12 ', '371']) {
      expect(cardCompanyBySmartroCode(code), `smartro ${String(code)}`).toBeNull();
    }
    for (const code of ['999', '', null, undefined, '41', '0041', '12']) {
      expect(cardCompanyByKftcCode(code), `kftc ${String(code)}`).toBeNull();
    }
  });
});

describe('OfferPeriod', () => {
  it('sends V1 period as YYYYMMDD-YYYYMMDD and reads it back', () => {
    expect(offerPeriod({ from: '20260101', to: '20261231' })).toBe('20260101-20261231');
    expect(parseOfferPeriod('20260101-20261231')).toEqual({ from: '20260101', to: '20261231' });
  });

  it('reads nothing else as a period', () => {
    for (const text of ['', '2026010120261231', '20260101~20261231', '2026-01-01-2026-12-31', ' 20260101-20261231', null, undefined]) {
      expect(parseOfferPeriod(text), String(text)).toBeNull();
    }
  });
});

describe('VbankExpDate', () => {
  it('sends the end of a day as yyyyMMdd and any other deadline as yyyyMMddhhmm', () => {
    expect(vbankExpDate('20260120235959')).toBe('20260120');
    expect(vbankExpDate('20260120153000')).toBe('202601201530');
    expect(vbankExpDate('20260120235900')).toBe('202601202359');
  });

  it('reads yyyyMMdd as 23:59:59 Korea time that day and yyyyMMddhhmm to the minute', () => {
    expect(parseVbankExpDate('20260120')).toEqual(new Date('2026-01-20T14:59:59Z'));
    expect(parseVbankExpDate('202601200030')).toEqual(new Date('2026-01-19T15:30:00Z'));
  });

  it('refuses anything else', () => {
    for (const text of ['', '2026012', '2026-01-20', '20260230', '202601202400', '202601201260', '20260120235959', null, undefined]) {
      expect(parseVbankExpDate(text), String(text)).toBeNull();
    }
  });
});
