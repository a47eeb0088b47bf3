import { Writable } from 'node:stream';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../domain/clock';
import type { PaymentWindowInput } from '../../connectors/contract';
import type { SmartroCredentials } from '../../connectors/smartro/credentials';
import { aesDecrypt, signValue } from '../../connectors/smartro/crypto';
import { credentials, paymentRequest, TEST_MERCHANT_KEY, TEST_MID, windowInput } from '../../connectors/smartro/test-fixtures';
import { buildTranMgrFields } from '../../connectors/smartro/window';
import { SMARTRO_CARD_COMPANIES } from '../../connectors/smartro/wire';
import { buildSmartroSimulator, registerSmartroMerchant, SIMULATOR_ERRORS, type SmartroSimulator } from './server';
import type { TransactionSummary } from './store';
import { hiddenFields } from './test-helpers';
import { maskCardNumber, passesLuhn, expiryProblem } from './cards';

// 2026-01-15 12:00 UTC = 21:00 KST.
const NOW = new Date('2026-01-15T12:00:00Z');
const assetDir = mkdtempSync(path.join(tmpdir(), 'gyeol-sim-assets-'));
writeFileSync(path.join(assetDir, 'SmartroPAY-1.0.min.js'), '/* test bundle */ window.smartropay = {};');

let app: SmartroSimulator | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

function simulator(extra: { logLines?: string[]; clock?: ManualClock; hangMs?: number; dataFile?: string } = {}): SmartroSimulator {
  const logger = extra.logLines
    ? pino(
        { level: 'trace' },
        new Writable({
          write(chunk, _enc, done) {
            extra.logLines?.push(String(chunk));
            done();
          },
        }),
      )
    : false;
  app = buildSmartroSimulator({
    merchants: new Map([[TEST_MID, { merchantKey: TEST_MERCHANT_KEY }]]),
    assetDir,
    clock: extra.clock ?? new ManualClock(NOW),
    hangMs: extra.hangMs,
    dataFile: extra.dataFile,
    logger,
  });
  return app;
}

function form(fields: Record<string, string>) {
  return { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() };
}

/** The tranMgr form fields the connector signs, as the window POSTs them. */
function signedFields(creds: SmartroCredentials, input: PaymentWindowInput): Record<string, string> {
  return { ...buildTranMgrFields(creds, input, NOW) } as Record<string, string>;
}

function tranMgr(overrides: Parameters<typeof paymentRequest>[0] = {}, mobile = false): Record<string, string> {
  return signedFields(credentials(), windowInput({ payment: paymentRequest(overrides), mobile }));
}

async function openWindow(sim: SmartroSimulator, fields: Record<string, string>, channel: 'pc' | 'mobile' = 'pc') {
  const res = await sim.inject({ method: 'POST', url: '/payment/auth', ...form({ ...fields, SimChannel: channel }) });
  return { res, authId: hiddenFields(res.body).AuthId };
}

async function submitCard(sim: SmartroSimulator, authId: string, card: Record<string, string>) {
  return sim.inject({
    method: 'POST',
    url: '/payment/auth/card',
    ...form({ AuthId: authId, Action: 'pay', CardCompany: '12', CardNo: '4242 4242 4242 4242', Expiry: '12/30', Quota: '00', ...card }),
  });
}

async function approve(sim: SmartroSimulator, Tid: string, TrAuthKey: string): Promise<Record<string, string>> {
  return (await sim.inject({ method: 'POST', url: '/payment/approval/urlCallApproval.do', payload: { Tid, TrAuthKey } })).json();
}

async function inquire(sim: SmartroSimulator, Tid: string, TrAuthKey: string): Promise<Record<string, string>> {
  return (await sim.inject({ method: 'POST', url: '/payment/approval/approvalInquiry.do', payload: { Tid, TrAuthKey } })).json();
}

async function listTransactions(sim: SmartroSimulator, query: Record<string, string>): Promise<TransactionSummary[]> {
  const res = await sim.inject({ method: 'GET', url: `/sim/transactions?${new URLSearchParams(query).toString()}` });
  expect(res.statusCode).toBe(200);
  return res.json().transactions;
}

async function authenticated(sim: SmartroSimulator, card = '4242 4242 4242 4242', overrides = {}) {
  const { authId } = await openWindow(sim, tranMgr(overrides));
  return hiddenFields((await submitCard(sim, authId, { CardNo: card })).body);
}

describe('card helpers', () => {
  it('masks like Smartro’s published sample', () => {
    expect(maskCardNumber('4092167512340823')).toBe('40921675****082*');
  });
  it('checks Luhn and expiry', () => {
    expect(passesLuhn('4242424242424242')).toBe(true);
    expect(passesLuhn('4242424242424241')).toBe(false);
    expect(expiryProblem('01/26', 2026, 1)).toBeNull();
    expect(expiryProblem('0126', 2026, 1)).toBeNull();
    expect(expiryProblem('12/25', 2026, 1)).toContain('지난');
    expect(expiryProblem('13/30', 2026, 1)).toContain('01~12');
    expect(expiryProblem('1/30', 2026, 1)).toContain('MM/YY');
  });
});

describe('GET /asset/js/SmartroPAY-1.0.min.js', () => {
  it('serves the built library as JavaScript', async () => {
    const res = await simulator().inject('/asset/js/SmartroPAY-1.0.min.js');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/javascript/);
    expect(res.body).toContain('test bundle');
  });
});

describe('POST /payment/auth', () => {
  it('opens a Korean card window with labelled fields', async () => {
    const { res, authId } = await openWindow(simulator(), tranMgr());
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const html = res.body;
    expect(html).toContain('<html lang="ko">');
    expect(html).toContain('결 머그컵');
    expect(html).toContain('1,004원');
    for (const [id, label] of [['CardCompany', '카드사'], ['CardNo', '카드번호'], ['Expiry', '유효기간'], ['Quota', '할부']]) {
      expect(html).toContain(`<label for="${id}">${label}</label>`);
      expect(html).toContain(`id="${id}"`);
    }
    expect(html).toContain('결제하기');
    expect(html).toContain('취소');
    expect(authId).toMatch(/^[\w-]{20,}$/);
    // No external resources: everything inline.
    expect(html).not.toMatch(/(src|href)="https?:/);
    // Installments only from 50,000 won.
    expect(html).not.toContain('2개월');
  });

  it('offers 2–12 month installments from 50,000 won', async () => {
    const { res } = await openWindow(simulator(), tranMgr({ amount: 50_000 }));
    expect(res.body).toContain('50,000원');
    expect(res.body).toContain('<option value="02">2개월</option>');
    expect(res.body).toContain('<option value="12">12개월</option>');
  });

  it('opens only the directly called card company with its fixed quota', async () => {
    const { res } = await openWindow(simulator(), tranMgr({ amount: 60_000, cardDirect: { code: '366', quota: 3 } }));
    expect(res.body).toContain('신한카드');
    expect(res.body).not.toContain('삼성카드');
    expect(res.body).toContain('3개월');
    expect(res.body).not.toContain('일시불');
  });

  it('escapes what the merchant sent', async () => {
    const { res } = await openWindow(simulator(), tranMgr({ name: '<script>alert(1)</script>' }));
    expect(res.body).not.toContain('<script>alert(1)');
    expect(res.body).toContain('&lt;script&gt;');
  });

  it('refuses a tampered EncryptData (amount changed after signing)', async () => {
    const fields = { ...tranMgr(), Amt: '1' };
    const { res } = await openWindow(simulator(), fields);
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('위변조 검증(EncryptData)에 실패했습니다');
    // PC: the error still ends the flow, posted to the ReturnUrl's origin only.
    expect(res.body).toContain('"http://127.0.0.1:4000"');
    expect(res.body).toContain('"ResultCode":"P003"');
  });

  it('refuses an unknown Mid; on mobile it offers a way back to StopUrl', async () => {
    const { res } = await openWindow(simulator(), { ...tranMgr({}, true), Mid: 'unknownmid' }, 'mobile');
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('등록되지 않은 가맹점');
    expect(res.body).toContain('action="http://127.0.0.1:4000/checkout/s1/stop"');
    expect(res.body).toContain('돌아가기');
  });

  it('refuses missing or malformed required fields', async () => {
    const sim = simulator();
    const brokenFields: Record<string, string>[] = [{ Moid: '' }, { Amt: '12a' }, { EdiDate: '2026' }, { ReturnUrl: 'not a url' }, { EncryptData: '' }];
    for (const broken of brokenFields) {
      const { res } = await openWindow(sim, { ...tranMgr(), ...broken });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('lang="ko"');
    }
  });

  it.each([
    ['order-2026-01', 'Moid: 영문과 숫자만, 40자 이내'],
    ['주문20260115', 'Moid: 영문과 숫자만, 40자 이내'],
    ['a'.repeat(41), 'Moid: 영문과 숫자만, 40자 이내'],
  ])('refuses Moid %j: letters and digits only, at most 40', async (moid, detail) => {
    const { res } = await openWindow(simulator(), { ...tranMgr(), Moid: moid });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain(`결제 요청 정보가 올바르지 않습니다 (${detail})`);
    expect(res.body).toContain('"ResultCode":"P001"');
  });

  it('accepts a Moid of exactly 40 letters and digits', async () => {
    const { res } = await openWindow(simulator(), tranMgr({ merchantUid: `A1${'b'.repeat(38)}` }));
    expect(res.statusCode).toBe(200);
  });

  it('refuses a window without BuyerTel', async () => {
    const { res } = await openWindow(simulator(), { ...tranMgr(), BuyerTel: '' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('결제 요청 정보가 올바르지 않습니다 (BuyerTel 없음)');
  });

  it('accepts TaxAmt, TaxFreeAmt and VatAmt and keeps them with the transaction', async () => {
    const sim = simulator();
    const { authId } = await openWindow(sim, { ...tranMgr({ amount: 11_000 }), TaxAmt: '5000', TaxFreeAmt: '5500', VatAmt: '500' });
    const { Tid } = hiddenFields((await submitCard(sim, authId, {})).body);
    expect((await listTransactions(sim, { tid: Tid }))[0]).toMatchObject({ amount: 11_000, taxAmt: 5000, taxFreeAmt: 5500, vatAmt: 500 });
  });

  it.each([
    [{ TaxAmt: '1,000' }, 'TaxAmt: 숫자만 12자리 이내'],
    [{ VatAmt: '-1' }, 'VatAmt: 숫자만 12자리 이내'],
    [{ TaxFreeAmt: '1005' }, 'TaxFreeAmt: Amt 이하'],
  ])('refuses tax fields %j', async (fields, detail) => {
    const { res } = await openWindow(simulator(), { ...tranMgr(), ...fields });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain(`(${detail})`);
  });

  it('knows merchants registered at runtime', async () => {
    const sim = simulator();
    registerSmartroMerchant(sim, 'runtime001', 'k'.repeat(40));
    const fields = signedFields(credentials({ mid: 'runtime001', merchantKey: 'k'.repeat(40) }), windowInput());
    const { res } = await openWindow(sim, fields);
    expect(res.statusCode).toBe(200);
    expect(() => sim.registerMerchant('short', { merchantKey: 'k'.repeat(40) })).toThrow(/10 characters/);
    expect(() => sim.registerMerchant('runtime002', { merchantKey: 'short' })).toThrow(/32/);
  });
});

describe('POST /payment/auth/card', () => {
  it('PC: posts Tid and TrAuthKey to the parent, to the ReturnUrl origin only', async () => {
    const sim = simulator();
    const { authId } = await openWindow(sim, tranMgr());
    const res = await submitCard(sim, authId, {});
    expect(res.statusCode).toBe(200);
    const { Tid, TrAuthKey } = hiddenFields(res.body);
    // Mid(10) + 01 + 01 + yyMMddHHmmss (KST) + 4 digits
    expect(Tid).toMatch(new RegExp(`^${TEST_MID}0101260115210000\\d{4}$`));
    expect(TrAuthKey.length).toBeGreaterThanOrEqual(20);
    expect(res.body).toContain('window.parent.postMessage(payload, target)');
    expect(res.body).toContain('var target = "http://127.0.0.1:4000"');
    expect(res.body).toContain('"type":"smartropay:result"');
  });

  it('mobile: POSTs Tid and TrAuthKey to the ReturnUrl', async () => {
    const sim = simulator();
    const { authId } = await openWindow(sim, tranMgr({}, true), 'mobile');
    const res = await submitCard(sim, authId, {});
    expect(res.body).toContain('<form id="result" method="post" action="http://127.0.0.1:4000/checkout/s1/return">');
    expect(Object.keys(hiddenFields(res.body))).toEqual(['Tid', 'TrAuthKey']);
  });

  it('cancel: PC posts U999, mobile POSTs it to StopUrl', async () => {
    const sim = simulator();
    const pc = await openWindow(sim, tranMgr());
    const pcRes = await sim.inject({ method: 'POST', url: '/payment/auth/card', ...form({ AuthId: pc.authId, Action: 'cancel' }) });
    expect(pcRes.body).toContain('"ResultCode":"U999"');
    expect(pcRes.body).toContain('사용자가 결제를 취소하셨습니다');

    const mobile = await openWindow(sim, tranMgr({}, true), 'mobile');
    const mRes = await sim.inject({ method: 'POST', url: '/payment/auth/card', ...form({ AuthId: mobile.authId, Action: 'cancel' }) });
    expect(mRes.body).toContain('action="http://127.0.0.1:4000/checkout/s1/stop"');
    expect(hiddenFields(mRes.body)).toEqual({ ResultCode: 'U999', ResultMsg: '사용자가 결제를 취소하셨습니다' });
  });

  it('shows Korean errors on the same page and does not echo the card number', async () => {
    const sim = simulator();
    const { authId } = await openWindow(sim, tranMgr());
    const luhn = await submitCard(sim, authId, { CardNo: '4242 4242 4242 4241' });
    expect(luhn.statusCode).toBe(400);
    expect(luhn.body).toContain('올바르지 않은 카드번호입니다');
    expect(luhn.body).not.toContain('4242424242424241');
    expect(luhn.body).not.toContain('4242 4242 4242 4241');

    const short = await submitCard(sim, authId, { CardNo: '4242' });
    expect(short.body).toContain('카드번호 16자리를 입력해 주세요');

    const expired = await submitCard(sim, authId, { Expiry: '12/25' });
    expect(expired.body).toContain('유효기간이 지난 카드입니다');
    expect(expired.body).toContain('value="12/25"');

    const quota = await submitCard(sim, authId, { Quota: '03' });
    expect(quota.body).toContain('선택할 수 없는 할부개월입니다');

    // The window is still open after errors.
    expect((await submitCard(sim, authId, {})).statusCode).toBe(200);
  });

  it('cannot be used twice or with an unknown window id', async () => {
    const sim = simulator();
    const { authId } = await openWindow(sim, tranMgr());
    await submitCard(sim, authId, {});
    const again = await submitCard(sim, authId, {});
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('만료되었거나 이미 처리된 결제창입니다');
    const unknown = await submitCard(sim, 'nope', {});
    expect(unknown.statusCode).toBe(409);
  });

  it('never logs or keeps the full card number', async () => {
    const logLines: string[] = [];
    const sim = simulator({ logLines });
    const { authId } = await openWindow(sim, tranMgr());
    const res = await submitCard(sim, authId, { CardNo: '4000 0566 5566 5556' });
    const { Tid, TrAuthKey } = hiddenFields(res.body);
    const approval = await sim.inject({ method: 'POST', url: '/payment/approval/urlCallApproval.do', payload: { Tid, TrAuthKey } });
    expect(approval.json().CardNum).toBe('40000566****555*');
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toMatch(/4000\s?0566\s?5566\s?5556/);
  });
});

describe('card options in the window: direct calls, 제공기간, escrow contract', () => {
  it('opens the directly called company\'s window for every code of the card table, with the quota asked', async () => {
    const sim = simulator();
    for (const company of SMARTRO_CARD_COMPANIES) {
      const { res, authId } = await openWindow(sim, tranMgr({ amount: 50_000, cardDirect: { code: company.kftcCode, quota: 3 } }));
      expect(res.statusCode, company.name).toBe(200);
      const options = [...res.body.matchAll(/<option value="([^"]*)"[^>]*>([^<]*)<\/option>/g)].map((m) => [m[1], m[2]]);
      expect(options, company.name).toEqual([
        [company.smartroCode, `${company.name}카드`],
        ['03', '3개월'],
      ]);
      expect(res.body, company.name).toContain(`${company.name}카드 결제창 (카드사 직접 호출).`);
      expect(res.body.includes('Windows에서만'), company.name).toBe(company.windowsOnly);
      const { Tid, TrAuthKey } = hiddenFields((await submitCard(sim, authId, { CardCompany: company.smartroCode, Quota: '03' })).body);
      expect(await approve(sim, Tid, TrAuthKey), company.name).toMatchObject({ ResultCode: '3001', AppCardCode: company.smartroCode, AppCardName: company.name, CardQuota: '03' });
    }
  });

  it('refuses another company or another quota than the direct call', async () => {
    const sim = simulator();
    const { authId } = await openWindow(sim, tranMgr({ amount: 50_000, cardDirect: { code: '366', quota: 3 } }));
    const res = await submitCard(sim, authId, { CardCompany: '12', Quota: '00' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('카드사를 선택해 주세요');
    expect(res.body).toContain('선택할 수 없는 할부개월입니다');
  });

  it('shows 제공기간 in every window when OfferPeriod reads as a period, and nothing otherwise', async () => {
    const sim = simulator();
    const period = { from: '20260101', to: '20261231' };
    for (const payMethod of ['card', 'trans', 'vbank', 'phone'] as const) {
      const base = { payMethod, digital: payMethod === 'phone' ? true : null, vbankDue: payMethod === 'vbank' ? '20991231235959' : null };
      const shown = await openWindow(sim, tranMgr({ ...base, period }));
      expect(shown.res.statusCode, payMethod).toBe(200);
      expect(shown.res.body, payMethod).toContain('<dt>제공기간</dt><dd data-offer-period>2026-01-01 ~ 2026-12-31</dd>');
      expect((await openWindow(sim, tranMgr(base))).res.body, payMethod).not.toContain('제공기간');
      expect((await openWindow(sim, { ...tranMgr(base), OfferPeriod: '2026-01-01~2026-12-31' })).res.body, payMethod).not.toContain('제공기간');
    }
  });

  it('answers EscrowCd 1 to an escrow request of a merchant with an escrow contract, and 0 without one (PUT /sim/merchants escrowContract: false)', async () => {
    const sim = simulator();
    const noEscrow = await sim.inject({ method: 'PUT', url: '/sim/merchants/noescrow01', payload: { merchantKey: TEST_MERCHANT_KEY, escrowContract: false } });
    expect(noEscrow.json()).toMatchObject({ escrowContract: false });
    const escrowCdOf = async (mid: string, escrow: boolean) => {
      const { authId } = await openWindow(sim, signedFields(credentials({ mid }), windowInput({ payment: paymentRequest({ escrow }) })));
      const { Tid, TrAuthKey } = hiddenFields((await submitCard(sim, authId, {})).body);
      return (await approve(sim, Tid, TrAuthKey)).EscrowCd;
    };
    expect(await escrowCdOf(TEST_MID, true)).toBe('1');
    expect(await escrowCdOf('noescrow01', true)).toBe('0');
    expect(await escrowCdOf('noescrow01', false)).toBe('0');
    expect(await escrowCdOf(TEST_MID, false)).toBe('0');
  });

  it('keeps a merchant\'s escrow contract flag across a restart', async () => {
    const dataFile = path.join(mkdtempSync(path.join(tmpdir(), 'gyeol-sim-escrow-')), 'sim.sqlite');
    const first = simulator({ dataFile });
    await first.inject({ method: 'PUT', url: '/sim/merchants/noescrow01', payload: { merchantKey: TEST_MERCHANT_KEY, escrowContract: false } });
    await first.close();
    const second = simulator({ dataFile });
    const { authId } = await openWindow(second, signedFields(credentials({ mid: 'noescrow01' }), windowInput({ payment: paymentRequest({ escrow: true }) })));
    const { Tid, TrAuthKey } = hiddenFields((await submitCard(second, authId, {})).body);
    expect((await approve(second, Tid, TrAuthKey)).EscrowCd).toBe('0');
  });
});

describe('approval host', () => {
  it('answers an approval with the sample’s field set, signed', async () => {
    const sim = simulator();
    const { Tid, TrAuthKey } = await authenticated(sim);
    const res = await sim.inject({ method: 'POST', url: '/payment/approval/urlCallApproval.do', payload: { Tid, TrAuthKey } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(
      [
        'CoNm', 'Tid', 'MerchantReserved', 'CardQuota', 'AppCardCode', 'AppCardName', 'AcquCardCode', 'AcquCardName',
        'CardMerchantNo', 'CardNum', 'UsePoint', 'BalancePoint', 'CardInterest', 'ResultCode', 'ResultMsg', 'AuthDate',
        'AuthCode', 'GoodsName', 'GoodsCnt', 'Amt', 'Moid', 'Mid', 'MallUserId', 'BuyerName', 'PayMethod', 'BuyerEmail',
        'ParentEmail', 'SubId', 'MallReserved', 'EdiDate', 'SignValue', 'BuyerAuthNum', 'BuyerTel', 'EscrowCd',
        'GreenDeposit', 'Currency', 'MerInterestCl', 'CardType', 'CardOwnerType',
      ].sort(),
    );
    expect(body).toMatchObject({
      ResultCode: '3001',
      ResultMsg: '카드 결제 성공',
      AppCardCode: '12',
      AppCardName: 'NH농협',
      CardNum: '42424242****424*',
      CardQuota: '00',
      AuthDate: '260115210000',
      Amt: '1004',
      Moid: 'order20260115001',
      Mid: TEST_MID,
      PayMethod: 'CARD',
      Currency: 'KRW',
      EdiDate: '20260115210000',
    });
    expect(body.AuthCode).toMatch(/^\d{8}$/);
    expect(body.SignValue).toBe(signValue(Tid, '3001', TEST_MERCHANT_KEY));
    expect(aesDecrypt(body.BuyerEmail, TEST_MERCHANT_KEY)).toBe('buyer@example.com');
  });

  it('answers Smartro’s unsigned 9999 shape, never a stack, to bad JSON or missing fields', async () => {
    const sim = simulator();
    const bad = await sim.inject({
      method: 'POST',
      url: '/payment/approval/urlCallApproval.do',
      headers: { 'content-type': 'application/json' },
      payload: '{"Tid": ',
    });
    expect(bad.statusCode).toBe(200);
    expect(bad.json()).toEqual({ ResultCode: '9999', ResultMsg: SIMULATOR_ERRORS.BAD_REQUEST.message });
    const empty = await sim.inject({ method: 'POST', url: '/payment/approval/urlCallApproval.do', payload: {} });
    expect(empty.statusCode).toBe(200);
    expect(empty.json()).toEqual({ ResultCode: '9999', ResultMsg: SIMULATOR_ERRORS.BAD_REQUEST.message });
    const nowhere = await sim.inject({ method: 'POST', url: '/payment/approval/nothing.do', payload: {} });
    expect(nowhere.statusCode).toBe(404);
    expect(nowhere.json().ResultCode).toBe('P404');
    const page = await sim.inject('/nothing');
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain('lang="ko"');
  });

  it('takes JSON only: a form-encoded body gets the unsigned 9999 body and approves nothing', async () => {
    const sim = simulator();
    const { Tid, TrAuthKey } = await authenticated(sim);
    for (const [type, payload] of [
      ['application/x-www-form-urlencoded', new URLSearchParams({ Tid, TrAuthKey }).toString()],
      ['text/plain', JSON.stringify({ Tid, TrAuthKey })],
      ['application/xml', `<Tid>${Tid}</Tid>`],
    ]) {
      const res = await sim.inject({ method: 'POST', url: '/payment/approval/urlCallApproval.do', headers: { 'content-type': type }, payload });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ ResultCode: '9999', ResultMsg: SIMULATOR_ERRORS.NOT_JSON.message });
    }
    expect((await listTransactions(sim, { tid: Tid }))[0].approval).toBe('pending');
    // The same request as JSON is approved.
    expect((await approve(sim, Tid, TrAuthKey)).ResultCode).toBe('3001');
  });

  it('refuses an unknown Tid and a wrong TrAuthKey unsigned: nothing ties them to a transaction', async () => {
    const sim = simulator();
    const { Tid } = await authenticated(sim);
    const unknownTid = `${TEST_MID}01012601152100009999`;
    const unknown = await approve(sim, unknownTid, 'x');
    expect(unknown).toEqual({ ResultCode: '9999', ResultMsg: SIMULATOR_ERRORS.UNKNOWN_TID.message });
    const wrong = await approve(sim, Tid, 'wrong');
    expect(wrong).toEqual({ ResultCode: '9999', ResultMsg: SIMULATOR_ERRORS.WRONG_AUTH_KEY.message });
    const inquiry = await inquire(sim, Tid, 'wrong');
    expect(inquiry).toEqual({ ResultCode: '9999', ResultMsg: SIMULATOR_ERRORS.WRONG_AUTH_KEY.message });
    expect((await listTransactions(sim, { tid: Tid }))[0].approval).toBe('pending');
  });

  it('refuses a second approval of one Tid, signed', async () => {
    const sim = simulator();
    const { Tid, TrAuthKey } = await authenticated(sim);
    expect((await approve(sim, Tid, TrAuthKey)).ResultCode).toBe('3001');
    const again = await approve(sim, Tid, TrAuthKey);
    expect(again).toMatchObject({ ResultCode: 'R004', Tid, Mid: TEST_MID, SignValue: signValue(Tid, 'R004', TEST_MERCHANT_KEY) });
    const listed = await listTransactions(sim, { tid: Tid });
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ approval: 'approved', resultCode: '3001' });
  });

  it('expires a TrAuthKey after 15 minutes with a signed decline', async () => {
    const clock = new ManualClock(NOW);
    const sim = simulator({ clock });
    const { Tid, TrAuthKey } = await authenticated(sim);
    clock.advance(16 * 60 * 1000);
    const res = await approve(sim, Tid, TrAuthKey);
    expect(res).toMatchObject({ ResultCode: 'R005', Tid, SignValue: signValue(Tid, 'R005', TEST_MERCHANT_KEY) });
    expect(await inquire(sim, Tid, TrAuthKey)).toEqual(res);
  });

  it('answers approvalInquiry.do with the stored result, and a signed R006 before any approval', async () => {
    const sim = simulator();
    const { Tid, TrAuthKey } = await authenticated(sim);
    const before = await inquire(sim, Tid, TrAuthKey);
    expect(before).toEqual({
      ResultCode: 'R006',
      ResultMsg: SIMULATOR_ERRORS.NOT_APPROVED.message,
      Tid,
      Mid: TEST_MID,
      SignValue: signValue(Tid, 'R006', TEST_MERCHANT_KEY),
    });
    const approved = await approve(sim, Tid, TrAuthKey);
    expect(await inquire(sim, Tid, TrAuthKey)).toEqual(approved);
  });

  it.each([
    ['4000 0000 0000 0002', '3051'],
    ['4000 0000 0000 9995', '3052'],
    ['4000 0000 0000 9987', '3053'],
  ])('declines %s with a signed %s that the inquiry repeats', async (card, code) => {
    const sim = simulator();
    const { Tid, TrAuthKey } = await authenticated(sim, card);
    const declined = await approve(sim, Tid, TrAuthKey);
    expect(declined).toMatchObject({ ResultCode: code, Tid, Moid: 'order20260115001', Amt: '1004', SignValue: signValue(Tid, code, TEST_MERCHANT_KEY) });
    expect(await inquire(sim, Tid, TrAuthKey)).toEqual(declined);
    expect((await listTransactions(sim, { tid: Tid }))[0]).toMatchObject({ approval: 'declined', resultCode: code, approvedAt: null });
  });

  it('system error card: exactly Smartro’s public 9999 body, unsigned; nothing approved; inquiry says not approved', async () => {
    const sim = simulator();
    const { Tid, TrAuthKey } = await authenticated(sim, '4000 0000 0000 0119');
    const res = await sim.inject({ method: 'POST', url: '/payment/approval/urlCallApproval.do', payload: { Tid, TrAuthKey } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('{"ResultCode":"9999","ResultMsg":"시스템에러 잠시후 재 거래"}');
    const inquiry = await inquire(sim, Tid, TrAuthKey);
    expect(inquiry).toMatchObject({ ResultCode: 'R006', Tid, SignValue: signValue(Tid, 'R006', TEST_MERCHANT_KEY) });
    expect((await listTransactions(sim, { tid: Tid }))[0]).toMatchObject({ approval: 'not-approved', resultCode: '9999', approvedAt: null });
  });

  it('late-approval card: approved and stored at once, the answer held; inquiry already says 3001', async () => {
    const sim = simulator({ hangMs: 60_000 });
    const { Tid, TrAuthKey } = await authenticated(sim, '4000 0000 0000 0101');
    let answered = false;
    const pending = sim.inject({ method: 'POST', url: '/payment/approval/urlCallApproval.do', payload: { Tid, TrAuthKey } }).then((res) => {
      answered = true;
      return res;
    });
    await expect.poll(async () => (await listTransactions(sim, { tid: Tid }))[0].approval).toBe('approved');
    const inquiry = await inquire(sim, Tid, TrAuthKey);
    expect(inquiry).toMatchObject({ ResultCode: '3001', Tid, SignValue: signValue(Tid, '3001', TEST_MERCHANT_KEY) });
    expect(answered).toBe(false);
    // A retry of the approval does not approve twice.
    expect((await approve(sim, Tid, TrAuthKey)).ResultCode).toBe('R004');

    // Closing releases the held answer at once: close() never waits hangMs.
    const started = Date.now();
    await sim.close();
    app = null;
    expect(Date.now() - started).toBeLessThan(2000);
    const res = await pending;
    expect(res.json()).toEqual(inquiry);
  });
});

describe('persistence', () => {
  it('keeps merchants and approvals across a close and reopen of the same data file', async () => {
    const dataFile = path.join(mkdtempSync(path.join(tmpdir(), 'gyeol-sim-data-')), 'smartro-sim.sqlite');
    let sim = simulator({ dataFile });
    registerSmartroMerchant(sim, 'persisted1', 'p'.repeat(40), '계속 상점');
    const { Tid, TrAuthKey } = await authenticated(sim);
    const approved = await approve(sim, Tid, TrAuthKey);
    expect(approved.ResultCode).toBe('3001');
    const declined = await authenticated(sim, '4000 0000 0000 0002');
    await sim.close();
    app = null;

    sim = simulator({ dataFile });
    // What was approved is still approved, and still only once.
    expect(await inquire(sim, Tid, TrAuthKey)).toEqual(approved);
    expect((await approve(sim, Tid, TrAuthKey)).ResultCode).toBe('R004');
    // A Tid authenticated before the restart can still be sent for approval once.
    expect((await approve(sim, declined.Tid, declined.TrAuthKey)).ResultCode).toBe('3051');
    // The merchant registered before the restart is known without registering again.
    const fields = signedFields(credentials({ mid: 'persisted1', merchantKey: 'p'.repeat(40) }), windowInput());
    expect((await openWindow(sim, fields)).res.statusCode).toBe(200);
  });

  it('stores neither the full card number nor the TrAuthKey', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gyeol-sim-data-'));
    const dataFile = path.join(dir, 'smartro-sim.sqlite');
    const sim = simulator({ dataFile });
    const { Tid, TrAuthKey } = await authenticated(sim, '4000 0566 5566 5556');
    await approve(sim, Tid, TrAuthKey);
    await sim.close();
    app = null;
    const bytes = readdirSync(dir)
      .map((name) => readFileSync(path.join(dir, name)).toString('latin1'))
      .join('');
    expect(bytes).toContain(Tid);
    expect(bytes).toContain('40000566****555*');
    expect(bytes).not.toContain('4000056655665556');
    expect(bytes).not.toContain(TrAuthKey);
  });
});

describe('control API (test-only)', () => {
  it('PUT /sim/merchants/:mid registers, then replaces, a merchant a gateway in another process can use', async () => {
    const sim = simulator();
    const created = await sim.inject({
      method: 'PUT',
      url: '/sim/merchants/remotemid1',
      payload: { merchantKey: 'r'.repeat(40), companyName: '원격 상점', notifyUrl: 'http://127.0.0.1:4000/pg/smartro/notify', cancelPassword: 'ab12cd' },
    });
    expect(created.statusCode).toBe(201);
    // Secrets (the cancel password, the escrow API Key): the answer only says whether one is set.
    expect(created.json()).toEqual({
      mid: 'remotemid1',
      companyName: '원격 상점',
      notifyUrl: 'http://127.0.0.1:4000/pg/smartro/notify',
      escrowContract: true,
      cancelPasswordSet: true,
      escrowApiKey: false,
      sspMallId: null,
    });
    expect(created.body).not.toContain('ab12cd');
    const replaced = await sim.inject({ method: 'PUT', url: '/sim/merchants/remotemid1', payload: { merchantKey: 's'.repeat(40), escrowApiKey: 'escrow-key', sspMallId: 'REMOTE000p' } });
    expect(replaced.statusCode).toBe(200);
    // The ssp Mall ID is no secret (it travels in the billing form): it is answered as set.
    expect(replaced.json()).toEqual({ mid: 'remotemid1', companyName: null, notifyUrl: null, escrowContract: true, cancelPasswordSet: false, escrowApiKey: true, sspMallId: 'REMOTE000p' });
    expect(replaced.body).not.toContain('escrow-key');

    // The old key no longer signs a window; the new one does, and answers are signed with it.
    const oldKey = signedFields(credentials({ mid: 'remotemid1', merchantKey: 'r'.repeat(40) }), windowInput());
    expect((await openWindow(sim, oldKey)).res.statusCode).toBe(400);
    const newKey = signedFields(credentials({ mid: 'remotemid1', merchantKey: 's'.repeat(40) }), windowInput());
    const { authId } = await openWindow(sim, newKey);
    const { Tid, TrAuthKey } = hiddenFields((await submitCard(sim, authId, {})).body);
    expect((await approve(sim, Tid, TrAuthKey)).SignValue).toBe(signValue(Tid, '3001', 's'.repeat(40)));
  });

  it.each([
    ['short', { merchantKey: 'k'.repeat(40) }, 'mid'],
    ['remotemid1', { merchantKey: 'short' }, 'merchantKey'],
    ['remotemid1', {}, 'merchantKey'],
    ['remotemid1', { merchantKey: 'k'.repeat(40), companyName: 7 }, 'companyName'],
    ['remotemid1', { merchantKey: 'k'.repeat(40), notifyUrl: 'ftp://x' }, 'notifyUrl'],
    ['remotemid1', { merchantKey: 'k'.repeat(40), escrowContract: 'no' }, 'escrowContract'],
    ['remotemid1', { merchantKey: 'k'.repeat(40), cancelPassword: '1234567' }, 'cancelPassword'],
    ['remotemid1', { merchantKey: 'k'.repeat(40), cancelPassword: '' }, 'cancelPassword'],
    ['remotemid1', { merchantKey: 'k'.repeat(40), escrowApiKey: 7 }, 'escrowApiKey'],
    ['remotemid1', { merchantKey: 'k'.repeat(40), sspMallId: 'has space' }, 'sspMallId'],
    ['remotemid1', { merchantKey: 'k'.repeat(40), sspMallId: 12 }, 'sspMallId'],
  ])('PUT /sim/merchants/%s refuses %j naming %s', async (mid, body, field) => {
    const sim = simulator();
    const res = await sim.inject({ method: 'PUT', url: `/sim/merchants/${mid}`, payload: body });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe(field);
    expect(res.json().message).toMatch(/\S/);
  });

  it('GET /sim/transactions lists by moid and tid, without card numbers or keys', async () => {
    const sim = simulator();
    const first = await authenticated(sim, '4000 0000 0000 0002');
    await approve(sim, first.Tid, first.TrAuthKey);
    const second = await authenticated(sim);
    await approve(sim, second.Tid, second.TrAuthKey);
    await authenticated(sim, '4242 4242 4242 4242', { merchantUid: 'otherorder1' });

    const res = await sim.inject('/sim/transactions?moid=order20260115001');
    expect(res.statusCode).toBe(200);
    const listed: TransactionSummary[] = res.json().transactions;
    expect(listed.map((t) => [t.tid, t.approval, t.resultCode]).sort()).toEqual(
      [
        [first.Tid, 'declined', '3051'],
        [second.Tid, 'approved', '3001'],
      ].sort(),
    );
    const approvedOne = listed.find((t) => t.tid === second.Tid);
    expect(approvedOne).toEqual({
      tid: second.Tid,
      mid: TEST_MID,
      moid: 'order20260115001',
      amount: 1004,
      taxAmt: null,
      taxFreeAmt: null,
      vatAmt: null,
      approval: 'approved',
      resultCode: '3001',
      resultMsg: '카드 결제 성공',
      authenticatedAt: NOW.toISOString(),
      approvedAt: NOW.toISOString(),
      cancelledAmount: 0,
      cancels: [],
    });
    // "Nothing approved twice": one approved transaction for the order.
    expect(listed.filter((t) => t.approval === 'approved')).toHaveLength(1);
    expect(res.body).not.toContain('4242424242424242');
    expect(res.body).not.toContain('****');
    expect(res.body).not.toContain(second.TrAuthKey);
    expect(res.body).not.toContain(TEST_MERCHANT_KEY);

    expect(await listTransactions(sim, { tid: first.Tid })).toHaveLength(1);
    expect(await listTransactions(sim, { moid: 'nosuchorder' })).toEqual([]);
    const unfiltered = await sim.inject('/sim/transactions');
    expect(unfiltered.statusCode).toBe(400);
    expect(unfiltered.json().message).toContain('tid, moid, mid');
  });
});

describe('GET /issue/IssueLoader.jsp (receipt)', () => {
  it('shows a Korean card receipt for an approved transaction', async () => {
    const sim = simulator();
    registerSmartroMerchant(sim, 'receipt001', 'q'.repeat(40), '결 커피');
    const fields = signedFields(credentials({ mid: 'receipt001', merchantKey: 'q'.repeat(40) }), windowInput({ payment: paymentRequest({ amount: 60_000 }) }));
    const { authId } = await openWindow(sim, { ...fields, TaxFreeAmt: '5000' });
    const { Tid, TrAuthKey } = hiddenFields((await submitCard(sim, authId, { CardCompany: '06', Quota: '03' })).body);
    const approved = await approve(sim, Tid, TrAuthKey);

    const res = await sim.inject(`/issue/IssueLoader.jsp?TID=${Tid}&type=0`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const text = res.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('신용카드 매출전표');
    expect(text).toContain('상호 결 커피');
    expect(text).toContain('상품명 결 머그컵');
    expect(text).toContain(`승인번호 ${approved.AuthCode}`);
    expect(text).toContain('승인일시 2026-01-15 21:00:00');
    expect(text).toContain('카드사 신한카드');
    expect(text).toContain('카드번호 42424242****424*');
    expect(text).toContain('할부 3개월');
    // 55,000 taxable incl. VAT: 50,000 supply + 5,000 VAT; 5,000 tax-free.
    expect(text).toContain('과세금액 50,000원');
    expect(text).toContain('면세금액 5,000원');
    expect(text).toContain('부가세 5,000원');
    expect(text).toContain('합계 60,000원');
    expect(res.body).not.toContain('4242424242424242');
  });

  it('uses the TaxAmt and VatAmt the merchant sent', async () => {
    const sim = simulator();
    const { authId } = await openWindow(sim, { ...tranMgr(), TaxAmt: '900', VatAmt: '104', TaxFreeAmt: '0' });
    const { Tid, TrAuthKey } = hiddenFields((await submitCard(sim, authId, {})).body);
    await approve(sim, Tid, TrAuthKey);
    const text = (await sim.inject(`/issue/IssueLoader.jsp?TID=${Tid}&type=0`)).body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('과세금액 900원');
    expect(text).toContain('부가세 104원');
    expect(text).toContain('면세금액 0원');
    expect(text).toContain('합계 1,004원');
  });

  it('answers a Korean 404 page for a declined, unapproved or unknown Tid, or another type', async () => {
    const sim = simulator();
    const declined = await authenticated(sim, '4000 0000 0000 0002');
    await approve(sim, declined.Tid, declined.TrAuthKey);
    const pending = await authenticated(sim);
    const approved = await authenticated(sim);
    await approve(sim, approved.Tid, approved.TrAuthKey);
    for (const query of [`TID=${declined.Tid}&type=0`, `TID=${pending.Tid}&type=0`, 'TID=nosuchtid&type=0', '', `TID=${approved.Tid}&type=2`]) {
      const res = await sim.inject(`/issue/IssueLoader.jsp?${query}`);
      expect(res.statusCode).toBe(404);
      expect(res.body).toContain('lang="ko"');
      expect(res.body).toContain('영수증을 찾을 수 없습니다');
    }
  });
});

describe('request log', () => {
  it('writes one line per request and none for the browser library', async () => {
    const logLines: string[] = [];
    const sim = simulator({ logLines });
    await sim.inject('/asset/js/SmartroPAY-1.0.min.js');
    expect(logLines).toEqual([]);
    await openWindow(sim, tranMgr());
    await sim.inject('/nothing');
    const lines = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((l) => [l.method, l.url, l.statusCode])).toEqual([
      ['POST', '/payment/auth', 200],
      ['GET', '/nothing', 404],
    ]);
  });
});
