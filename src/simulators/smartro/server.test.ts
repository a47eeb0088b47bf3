import { Writable } from 'node:stream';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../domain/clock';
import { buildPaymentWindow } from '../../connectors/smartro/client';
import { aesDecrypt, signValue } from '../../connectors/smartro/crypto';
import { credentials, paymentRequest, TEST_MERCHANT_KEY, TEST_MID, windowInput } from '../../connectors/smartro/test-fixtures';
import { buildSmartroSimulator, registerSmartroMerchant, type SmartroSimulator } from './server';
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

function simulator(extra: { logLines?: string[]; clock?: ManualClock } = {}): SmartroSimulator {
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
    logger,
  });
  return app;
}

function form(fields: Record<string, string>) {
  return { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() };
}

function tranMgr(overrides: Parameters<typeof paymentRequest>[0] = {}, mobile = false): Record<string, string> {
  return buildPaymentWindow(credentials(), windowInput({ request: paymentRequest(overrides), mobile }), NOW).fields;
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

  it('knows merchants registered at runtime', async () => {
    const sim = simulator();
    registerSmartroMerchant(sim, 'runtime001', 'k'.repeat(40));
    const fields = buildPaymentWindow(credentials({ mid: 'runtime001', merchantKey: 'k'.repeat(40) }), windowInput(), NOW).fields;
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

describe('approval host', () => {
  async function authenticated(sim: SmartroSimulator, card = '4242 4242 4242 4242', overrides = {}) {
    const { authId } = await openWindow(sim, tranMgr(overrides));
    return hiddenFields((await submitCard(sim, authId, { CardNo: card })).body);
  }

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

  it('answers JSON, never a stack, to bad JSON or missing fields', async () => {
    const sim = simulator();
    const bad = await sim.inject({
      method: 'POST',
      url: '/payment/approval/urlCallApproval.do',
      headers: { 'content-type': 'application/json' },
      payload: '{"Tid": ',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ ResultCode: 'R001', ResultMsg: '요청 형식이 올바르지 않습니다' });
    const empty = await sim.inject({ method: 'POST', url: '/payment/approval/urlCallApproval.do', payload: {} });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().ResultCode).toBe('R001');
    const nowhere = await sim.inject({ method: 'POST', url: '/payment/approval/nothing.do', payload: {} });
    expect(nowhere.statusCode).toBe(404);
    expect(nowhere.json().ResultCode).toBe('P404');
    const page = await sim.inject('/nothing');
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain('lang="ko"');
  });

  it('refuses an unknown Tid and a wrong TrAuthKey, signed when the Mid is known', async () => {
    const sim = simulator();
    const { Tid } = await authenticated(sim);
    const unknownTid = `${TEST_MID}01012601152100009999`;
    const unknown = (await sim.inject({ method: 'POST', url: '/payment/approval/urlCallApproval.do', payload: { Tid: unknownTid, TrAuthKey: 'x' } })).json();
    expect(unknown).toMatchObject({ ResultCode: 'R002', Tid: unknownTid, SignValue: signValue(unknownTid, 'R002', TEST_MERCHANT_KEY) });
    const wrong = (await sim.inject({ method: 'POST', url: '/payment/approval/urlCallApproval.do', payload: { Tid, TrAuthKey: 'wrong' } })).json();
    expect(wrong).toMatchObject({ ResultCode: 'R003', Tid });
    const stranger = (await sim.inject({ method: 'POST', url: '/payment/approval/urlCallApproval.do', payload: { Tid: 'nobody0000x', TrAuthKey: 'x' } })).json();
    expect(stranger).toMatchObject({ ResultCode: 'R002', SignValue: '' });
  });

  it('expires a TrAuthKey after 15 minutes', async () => {
    const clock = new ManualClock(NOW);
    const sim = simulator({ clock });
    const { Tid, TrAuthKey } = await authenticated(sim);
    clock.advance(16 * 60 * 1000);
    const res = (await sim.inject({ method: 'POST', url: '/payment/approval/urlCallApproval.do', payload: { Tid, TrAuthKey } })).json();
    expect(res.ResultCode).toBe('R005');
  });

  it('answers approvalInquiry.do with the stored result', async () => {
    const sim = simulator();
    const { Tid, TrAuthKey } = await authenticated(sim);
    const before = (await sim.inject({ method: 'POST', url: '/payment/approval/approvalInquiry.do', payload: { Tid, TrAuthKey } })).json();
    expect(before.ResultCode).toBe('R006');
    const approved = (await sim.inject({ method: 'POST', url: '/payment/approval/urlCallApproval.do', payload: { Tid, TrAuthKey } })).json();
    const after = (await sim.inject({ method: 'POST', url: '/payment/approval/approvalInquiry.do', payload: { Tid, TrAuthKey } })).json();
    expect(after).toEqual(approved);
  });
});
