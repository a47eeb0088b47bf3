import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildTranMgrFields, openSmartroWindow, readSmartroWindowReturn, taxSplit } from './window';
import { credentials, paymentRequest, TEST_MERCHANT_KEY, TEST_MID, windowInput } from './test-fixtures';
import { SMARTRO_CARD_COMPANIES } from './wire';

// 12:00 UTC is 21:00 in Korea, the time Smartro expects in EdiDate.
const NOW = new Date('2026-01-15T12:00:00Z');
const EDI_DATE = '20260115210000';

/** EncryptData computed here from its definition, not through the connector's own helper. */
function expectedEncryptData(ediDate: string, mid: string, amt: string): string {
  return createHash('sha256').update(`${ediDate}${mid}${amt}${TEST_MERCHANT_KEY}`, 'utf8').digest('base64');
}

describe('buildTranMgrFields / openSmartroWindow', () => {
  it('describes the PC window: the script, its origin, STG mode and the exact signed form', () => {
    expect(openSmartroWindow(credentials(), windowInput(), NOW)).toEqual({
      launcher: 'smartro_v2',
      scripts: ['http://127.0.0.1:4001/asset/js/SmartroPAY-1.0.min.js'],
      origins: ['http://127.0.0.1:4001'],
      data: {
        mode: 'STG',
        fields: {
          PayMethod: 'CARD',
          GoodsCnt: '1',
          GoodsName: '결 머그컵',
          Amt: '1004',
          Moid: 'order20260115001',
          Mid: TEST_MID,
          ReturnUrl: 'http://127.0.0.1:4000/checkout/s1/return',
          StopUrl: 'http://127.0.0.1:4000/checkout/s1/stop',
          BuyerName: '홍길동',
          BuyerTel: '010-1234-5678',
          BuyerEmail: 'buyer@example.com',
          EdiDate: EDI_DATE,
          EncryptData: expectedEncryptData(EDI_DATE, TEST_MID, '1004'),
          UserIp: '203.0.113.7',
          TransType: '0',
          GoodsCl: '1',
          EncodingType: 'utf8',
        },
      },
    });
  });

  it('sends PayMethod BANK for a bank transfer and CELLPHONE for a phone payment, signed the same way', () => {
    const bank = buildTranMgrFields(credentials(), windowInput({ payment: paymentRequest({ payMethod: 'trans' }) }), NOW);
    expect(bank).toMatchObject({ PayMethod: 'BANK', Amt: '1004', GoodsCl: '1', EncryptData: expectedEncryptData(EDI_DATE, TEST_MID, '1004') });
    const phone = buildTranMgrFields(credentials(), windowInput({ payment: paymentRequest({ payMethod: 'phone', digital: true }) }), NOW);
    expect(phone).toMatchObject({ PayMethod: 'CELLPHONE', GoodsCl: '0' });
    expect(buildTranMgrFields(credentials(), windowInput({ payment: paymentRequest({ payMethod: 'phone', digital: false }) }), NOW).GoodsCl).toBe('1');
  });

  it('sends PayMethod VBANK with VbankExpDate: yyyyMMdd for the end of a day, yyyyMMddhhmm otherwise', () => {
    const endOfDay = buildTranMgrFields(credentials(), windowInput({ payment: paymentRequest({ payMethod: 'vbank', vbankDue: '20260120235959' }) }), NOW);
    expect(endOfDay).toMatchObject({ PayMethod: 'VBANK', VbankExpDate: '20260120', Amt: '1004', EncryptData: expectedEncryptData(EDI_DATE, TEST_MID, '1004') });
    const afternoon = buildTranMgrFields(credentials(), windowInput({ payment: paymentRequest({ payMethod: 'vbank', vbankDue: '20260120153000' }) }), NOW);
    expect(afternoon.VbankExpDate).toBe('202601201530');
    // vbank_due is stored for any method, but only a virtual account window carries it.
    expect(buildTranMgrFields(credentials(), windowInput({ payment: paymentRequest({ payMethod: 'trans', vbankDue: '20260120235959' }) }), NOW).VbankExpDate).toBeUndefined();
  });

  it('sends each easy pay as the brand’s PayMethod, with customer_id as MallUserId, signed the same way', () => {
    const brands = { lpay: 'LPAY', kakaopay: 'KAKAO', naverpay: 'NAVER', payco: 'PAYCO', pinpay: 'PINPAY' } as const;
    for (const [payMethod, smartro] of Object.entries(brands) as [keyof typeof brands, string][]) {
      const fields = buildTranMgrFields(credentials(), windowInput({ payment: paymentRequest({ payMethod, customerId: 'buyer01' }) }), NOW);
      expect(fields, payMethod).toMatchObject({ PayMethod: smartro, MallUserId: 'buyer01', TransType: '0', EncryptData: expectedEncryptData(EDI_DATE, TEST_MID, '1004') });
    }
  });

  it('calls a card company directly only in a card window', () => {
    const direct = { code: '361', quota: 0 };
    expect(buildTranMgrFields(credentials(), windowInput({ payment: paymentRequest({ cardDirect: direct }) }), NOW)).toMatchObject({ FnCd: '01', CardQuota: '00' });
    const bank = buildTranMgrFields(credentials(), windowInput({ payment: paymentRequest({ payMethod: 'trans', cardDirect: direct }) }), NOW);
    expect(bank.FnCd).toBeUndefined();
    expect(bank.CardQuota).toBeUndefined();
  });

  it('never puts the merchant key (or its AES half) in what reaches the browser', () => {
    const launch = openSmartroWindow(credentials(), windowInput(), NOW);
    const all = JSON.stringify(launch);
    expect(all).not.toContain(TEST_MERCHANT_KEY);
    expect(all).not.toContain(TEST_MERCHANT_KEY.slice(0, 32));
  });

  it('signs EncryptData over exactly the EdiDate, Mid and Amt it sends', () => {
    const fields = buildTranMgrFields(credentials(), windowInput({ payment: paymentRequest({ amount: 987_654_321_012 }) }), new Date('2026-12-31T15:30:59Z'));
    expect(fields).toMatchObject({ Amt: '987654321012', EdiDate: '20270101003059' });
    expect(fields.EncryptData).toBe(expectedEncryptData('20270101003059', TEST_MID, '987654321012'));
  });

  it('uses the mobile host on phones and REAL mode on live channels', () => {
    const live = credentials({ jsBaseUrl: 'https://pc.example', mobileJsBaseUrl: 'https://m.example:8443', testMode: false });
    const mobile = openSmartroWindow(live, windowInput({ mobile: true }), NOW);
    expect(mobile).toMatchObject({
      scripts: ['https://m.example:8443/asset/js/SmartroPAY-1.0.min.js'],
      origins: ['https://m.example:8443'],
      data: { mode: 'REAL' },
    });
    const pc = openSmartroWindow(live, windowInput({ mobile: false }), NOW);
    expect(pc).toMatchObject({ scripts: ['https://pc.example/asset/js/SmartroPAY-1.0.min.js'], origins: ['https://pc.example'], data: { mode: 'REAL' } });
  });

  it('carries escrow, digital goods, direct card, customer id and bypass options', () => {
    const fields = buildTranMgrFields(
      credentials(),
      windowInput({
        payment: paymentRequest({
          amount: 120_000,
          name: null,
          buyerName: null,
          buyerEmail: null,
          escrow: true,
          digital: true,
          customerId: 'member42',
          cardDirect: { code: '371', quota: 6 },
          bypass: { smartro_v2: { GoodsCnt: 2, SkinColor: 'BLUE', OpenType: 'EN' } },
        }),
        buyerIp: null,
      }),
      NOW,
    );
    expect(fields).toEqual({
      PayMethod: 'CARD',
      GoodsCnt: '2',
      GoodsName: '상품',
      Amt: '120000',
      Moid: 'order20260115001',
      Mid: TEST_MID,
      ReturnUrl: 'http://127.0.0.1:4000/checkout/s1/return',
      StopUrl: 'http://127.0.0.1:4000/checkout/s1/stop',
      BuyerName: '',
      BuyerTel: '010-1234-5678',
      BuyerEmail: '',
      EdiDate: EDI_DATE,
      EncryptData: expectedEncryptData(EDI_DATE, TEST_MID, '120000'),
      UserIp: '',
      TransType: '1',
      GoodsCl: '0',
      EncodingType: 'utf8',
      FnCd: '12',
      CardQuota: '06',
      MallUserId: 'member42',
      SkinColor: 'BLUE',
      OpenType: 'EN',
    });
  });

  it('sends a lump-sum direct call as CardQuota 00, and no direct call for a code Smartro does not know', () => {
    const lump = buildTranMgrFields(credentials(), windowInput({ payment: paymentRequest({ cardDirect: { code: '361', quota: 0 } }) }), NOW);
    expect(lump).toMatchObject({ FnCd: '01', CardQuota: '00' });
    const unknown = buildTranMgrFields(credentials(), windowInput({ payment: paymentRequest({ cardDirect: { code: '999', quota: 3 } }) }), NOW);
    expect(unknown).not.toHaveProperty('FnCd');
    expect(unknown).not.toHaveProperty('CardQuota');
  });

  it('counts digital: false as physical goods and cuts GoodsName to Smartro’s 40 characters', () => {
    const fields = buildTranMgrFields(credentials(), windowInput({ payment: paymentRequest({ digital: false, name: '가'.repeat(45) }) }), NOW);
    expect(fields.GoodsCl).toBe('1');
    expect(fields.GoodsName).toBe('가'.repeat(40));
  });

  it('sends the first 40 characters of a longer merchant_uid as Moid', () => {
    const uid = `${'A1'.repeat(20)}overflow99`;
    const fields = buildTranMgrFields(credentials(), windowInput({ payment: paymentRequest({ merchantUid: uid }) }), NOW);
    expect(fields.Moid).toBe('A1'.repeat(20));
    const exact = buildTranMgrFields(credentials(), windowInput({ payment: paymentRequest({ merchantUid: 'B'.repeat(40) }) }), NOW);
    expect(exact.Moid).toBe('B'.repeat(40));
  });

  it('sends period as OfferPeriod (YYYYMMDD-YYYYMMDD, our assumption) in every method, and nothing else changes', () => {
    for (const payMethod of ['card', 'trans', 'vbank', 'phone'] as const) {
      const base = { payMethod, vbankDue: payMethod === 'vbank' ? '20260120235959' : null };
      const without = buildTranMgrFields(credentials(), windowInput({ payment: paymentRequest(base) }), NOW);
      const withPeriod = buildTranMgrFields(credentials(), windowInput({ payment: paymentRequest({ ...base, period: { from: '20260101', to: '20261231' } }) }), NOW);
      expect(withPeriod, payMethod).toEqual({ ...without, OfferPeriod: '20260101-20261231' });
    }
  });

  it('calls every company of the card table directly with its Smartro code, legacy overseas codes included', () => {
    for (const company of SMARTRO_CARD_COMPANIES) {
      for (const code of [company.kftcCode, ...company.aliases]) {
        const fields = buildTranMgrFields(credentials(), windowInput({ payment: paymentRequest({ amount: 50_000, cardDirect: { code, quota: 3 } }) }), NOW);
        expect({ FnCd: fields.FnCd, CardQuota: fields.CardQuota }, code).toEqual({ FnCd: company.smartroCode, CardQuota: '03' });
      }
    }
  });

  it('sends the channel\'s corrected Smartro code (settings cardCodes)', () => {
    const fields = buildTranMgrFields(credentials({ cardCodes: { '366': '41' } }), windowInput({ payment: paymentRequest({ cardDirect: { code: '366', quota: 0 } }) }), NOW);
    expect(fields).toMatchObject({ FnCd: '41', CardQuota: '00' });
  });

  describe('tax split', () => {
    const taxOf = (amount: number, taxFree: number | null, vatAmount: number | null) => {
      const fields = buildTranMgrFields(credentials(), windowInput({ payment: paymentRequest({ amount, taxFree, vatAmount }) }), NOW);
      return { TaxAmt: fields.TaxAmt, VatAmt: fields.VatAmt, TaxFreeAmt: fields.TaxFreeAmt };
    };

    it('sends no tax fields when the merchant gave neither tax_free nor vat_amount', () => {
      const fields = buildTranMgrFields(credentials(), windowInput(), NOW);
      expect(Object.keys(fields).filter((k) => k.startsWith('Tax') || k.startsWith('Vat'))).toEqual([]);
      expect(taxSplit({ amount: 11_000, taxFree: null, vatAmount: null })).toBeNull();
    });

    it('computes VAT as a tenth of the supply value when only tax_free is given', () => {
      // 11000 taxable: 11000 / 11 = 1000 VAT, 10000 supply.
      expect(taxOf(11_000, 0, null)).toEqual({ TaxAmt: '10000', VatAmt: '1000', TaxFreeAmt: '0' });
      // 9000 taxable: 9000 / 11 = 818.18… → 818 VAT, 8182 supply.
      expect(taxOf(10_000, 1_000, null)).toEqual({ TaxAmt: '8182', VatAmt: '818', TaxFreeAmt: '1000' });
      // Everything tax free: no VAT at all.
      expect(taxOf(5_000, 5_000, null)).toEqual({ TaxAmt: '0', VatAmt: '0', TaxFreeAmt: '5000' });
    });

    it('rounds the VAT half up', () => {
      // 9006 / 11 = 818.72… → 819; 6 / 11 = 0.54… → 1; 5 / 11 = 0.45… → 0.
      expect(taxOf(9_006, 0, null)).toEqual({ TaxAmt: '8187', VatAmt: '819', TaxFreeAmt: '0' });
      expect(taxOf(6, 0, null)).toEqual({ TaxAmt: '5', VatAmt: '1', TaxFreeAmt: '0' });
      expect(taxOf(5, 0, null)).toEqual({ TaxAmt: '5', VatAmt: '0', TaxFreeAmt: '0' });
    });

    it('uses the merchant’s vat_amount as it is, with tax_free 0 when not given', () => {
      expect(taxOf(10_000, null, 900)).toEqual({ TaxAmt: '9100', VatAmt: '900', TaxFreeAmt: '0' });
      expect(taxOf(10_000, 2_000, 500)).toEqual({ TaxAmt: '7500', VatAmt: '500', TaxFreeAmt: '2000' });
    });
  });
});

describe('readSmartroWindowReturn', () => {
  const TID = `${TEST_MID}01012601152100001234`;

  it('reads a Tid of the channel’s MID and its TrAuthKey as an authenticated payment', () => {
    expect(readSmartroWindowReturn(credentials(), { Tid: TID, TrAuthKey: 'K1', Moid: 'x', ResultCode: '' })).toEqual({
      kind: 'authenticated',
      pgTid: TID,
      auth: { trAuthKey: 'K1' },
    });
    expect(readSmartroWindowReturn(credentials(), { Tid: ` ${TID} `, TrAuthKey: ' K1\n' })).toEqual({ kind: 'authenticated', pgTid: TID, auth: { trAuthKey: 'K1' } });
  });

  it('reads anything without both Tid and TrAuthKey as the buyer giving up', () => {
    expect(readSmartroWindowReturn(credentials(), { ResultCode: 'W034', ResultMsg: '결제 중단' })).toEqual({ kind: 'aborted', code: 'W034', message: '결제 중단' });
    const defaultAbort = { kind: 'aborted', code: 'U999', message: '사용자가 결제를 취소하셨습니다' };
    expect(readSmartroWindowReturn(credentials(), {})).toEqual(defaultAbort);
    expect(readSmartroWindowReturn(credentials(), { Tid: TID })).toEqual(defaultAbort);
    expect(readSmartroWindowReturn(credentials(), { Tid: TID, TrAuthKey: '  ' })).toEqual(defaultAbort);
    expect(readSmartroWindowReturn(credentials(), { TrAuthKey: 'K1', ResultCode: ' ', ResultMsg: '' })).toEqual(defaultAbort);
  });

  it('rejects a Tid that cannot belong to the channel’s MID, before anything is asked of Smartro', () => {
    const rejected = { kind: 'rejected', code: 'PG_TID_MISMATCH', message: '이 채널의 거래번호(Tid)가 아닙니다' };
    expect(readSmartroWindowReturn(credentials(), { Tid: `othermid0101012601152100001234`, TrAuthKey: 'K1' })).toEqual(rejected);
    expect(readSmartroWindowReturn(credentials({ mid: 'gyeoltest2' }), { Tid: TID, TrAuthKey: 'K1' })).toEqual(rejected);
    expect(readSmartroWindowReturn(credentials(), { Tid: `${TID}${'9'.repeat(64)}`, TrAuthKey: 'K1' })).toEqual(rejected);
  });
});
