// The simulator's easy-pay windows (PayMethod LPAY, KAKAO, NAVER, PAYCO, PINPAY), driven with plain
// form posts and approved by the real connector over real HTTP.
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorFault, type ConnectorContext } from '../../connectors/contract';
import { executeFlow } from '../../connectors/executor';
import { verifySignValue } from '../../connectors/smartro/crypto';
import { approveFlow } from '../../connectors/smartro/flows';
import { credentials, paymentRequest, TEST_MERCHANT_KEY, TEST_MID, windowInput } from '../../connectors/smartro/test-fixtures';
import { openSmartroWindow, readSmartroWindowReturn, type SmartroLaunchData } from '../../connectors/smartro/window';
import { EASY_PAY_METHODS, type PayMethod } from '../../domain/payment';
import { systemClock } from '../../domain/clock';
import { DECLINED_EASY_PAY_LOGIN, easyPayLogin, maskLogin, readEasyPayForm, SIM_EASY_PAYS, type SimEasyPayBrand } from './easypay';
import { buildSmartroSimulator, type SmartroSimulator } from './server';
import { hiddenFields } from './test-helpers';

let sim: SmartroSimulator;
let simUrl: string;
const ctx: ConnectorContext = { fetch: globalThis.fetch, clock: systemClock, timeoutMs: 5000 };
const creds = () => credentials({ jsBaseUrl: simUrl, mobileJsBaseUrl: simUrl, apiBaseUrl: simUrl, receiptBaseUrl: simUrl });

beforeAll(async () => {
  sim = buildSmartroSimulator({ merchants: new Map([[TEST_MID, { merchantKey: TEST_MERCHANT_KEY }]]), assetDir: mkdtempSync(path.join(tmpdir(), 'gyeol-sim-')) });
  await sim.listen({ port: 0, host: '127.0.0.1' });
  simUrl = `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await sim?.close();
});

const post = (url: string, fields: Record<string, string>) => fetch(url, { method: 'POST', body: new URLSearchParams(fields) });

/** Opens the window the connector signs for an easy pay; `real` opens it as a live (non-test) window. */
async function openWindow(payMethod: PayMethod, options: { real?: boolean } = {}) {
  const merchantUid = `order${Date.now()}${Math.floor(Math.random() * 1000)}`;
  const launch = openSmartroWindow(creds(), windowInput({ payment: paymentRequest({ payMethod, merchantUid, customerId: 'buyer01' }) }), new Date());
  const fields = (launch.data as SmartroLaunchData).fields;
  const res = await post(`${simUrl}/payment/auth`, { ...fields, SimChannel: 'mobile', ...(options.real ? { SimMode: 'REAL' } : {}) });
  const page = await res.text();
  return { status: res.status, page, authId: hiddenFields(page).AuthId, merchantUid };
}

async function submit(fields: Record<string, string>, route = 'easypay') {
  const res = await post(`${simUrl}/payment/auth/${route}`, fields);
  const page = await res.text();
  return { status: res.status, page, result: hiddenFields(page) };
}

async function approveAs(payMethod: PayMethod, Tid: string, TrAuthKey: string) {
  const back = readSmartroWindowReturn(creds(), { Tid, TrAuthKey });
  if (back.kind !== 'authenticated') throw new Error(`window return not authenticated: ${back.kind}`);
  return executeFlow(ctx, approveFlow, creds(), { pgTid: back.pgTid, auth: back.auth, payMethod });
}

async function rawAnswer(Tid: string, TrAuthKey: string): Promise<Record<string, string>> {
  const res = await fetch(`${simUrl}/payment/approval/approvalInquiry.do`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ Tid, TrAuthKey }),
  });
  return (await res.json()) as Record<string, string>;
}

const brandOf = (payMethod: (typeof EASY_PAY_METHODS)[number]): SimEasyPayBrand => {
  const smartro = { lpay: 'LPAY', kakaopay: 'KAKAO', naverpay: 'NAVER', payco: 'PAYCO', pinpay: 'PINPAY' }[payMethod];
  const brand = SIM_EASY_PAYS.find((b) => b.payMethod === smartro);
  if (!brand) throw new Error(`no brand for ${payMethod}`);
  return brand;
};
const validLogin = (brand: SimEasyPayBrand) => (brand.login === 'phone' ? '010-9876-5432' : 'gyeolbuyer');

describe.each(EASY_PAY_METHODS.map((m) => [m, brandOf(m)] as const))('easy-pay window %s', (payMethod, brand) => {
  it(`shows ${brand.name}: its colour, a sign-in, 결제수단 (registered cards and ${brand.moneyName}), 결제하기 and 취소`, async () => {
    const { status, page } = await openWindow(payMethod);
    expect(status).toBe(200);
    expect(page).toContain(`<h1 style="color:inherit">${brand.name}</h1>`);
    expect(page).toContain(`background:${brand.color}`);
    expect(page).toContain(`<label for="Login">${brand.name} 로그인 (${brand.login === 'phone' ? '휴대폰 번호' : '아이디'})</label>`);
    expect(page).toContain('<label for="Funding">결제수단</label>');
    expect(page).toContain(`<option value="MONEY">${brand.moneyName}</option>`);
    expect(page).toContain('<option value="04">삼성카드 50412345****047*</option>');
    expect(page).toContain('>결제하기</button>');
    expect(page).toContain('>취소</button>');
    expect(page).toContain('action="/payment/auth/easypay"');
  });

  it('paid with the brand’s money: a signed 0000 with no card fields; the connector reports the brand with no card', async () => {
    const { authId, merchantUid } = await openWindow(payMethod);
    const { result } = await submit({ AuthId: authId, Action: 'pay', Login: validLogin(brand), Funding: 'MONEY' });
    expect(result.Tid).toMatch(new RegExp(`^${TEST_MID}0101\\d{16}$`));
    expect(await approveAs(payMethod, result.Tid, result.TrAuthKey)).toMatchObject({
      outcome: 'approved',
      code: '0000',
      message: '간편결제 성공',
      order: { merchantUid, amount: 1004, pgId: TEST_MID },
      details: { method: 'easypay', embPgProvider: payMethod, card: null },
      receiptUrl: null,
    });
    const answer = await rawAnswer(result.Tid, result.TrAuthKey);
    expect(answer).toMatchObject({ ResultCode: '0000', PayMethod: brand.payMethod, MallUserId: 'buyer01' });
    expect(verifySignValue(answer.Tid, answer.ResultCode, TEST_MERCHANT_KEY, answer.SignValue)).toBe(true);
    expect(answer.CardNum).toBeUndefined();
    expect(answer.AppCardCode).toBeUndefined();
  });

  it('paid with a registered Shinhan card: a signed 3001 with the card fields; the connector reports the brand and the card', async () => {
    const { authId } = await openWindow(payMethod);
    const { result } = await submit({ AuthId: authId, Action: 'pay', Login: validLogin(brand), Funding: '06' });
    expect(await approveAs(payMethod, result.Tid, result.TrAuthKey)).toMatchObject({
      outcome: 'approved',
      code: '3001',
      details: {
        method: 'easypay',
        embPgProvider: payMethod,
        card: { cardCode: '366', cardName: '신한', cardNumber: '50612345****067*', cardQuota: 0, applyNum: expect.stringMatching(/^\d{8}$/) },
      },
      receiptUrl: null,
    });
    const answer = await rawAnswer(result.Tid, result.TrAuthKey);
    expect(answer).toMatchObject({ ResultCode: '3001', PayMethod: brand.payMethod, AppCardCode: '06', CardNum: '50612345****067*' });
  });

  it(`declines the brand’s money for the test sign-in ${DECLINED_EASY_PAY_LOGIN[brand.login]} with a signed E052`, async () => {
    const { authId } = await openWindow(payMethod);
    const { result } = await submit({ AuthId: authId, Action: 'pay', Login: DECLINED_EASY_PAY_LOGIN[brand.login], Funding: 'MONEY' });
    expect(await approveAs(payMethod, result.Tid, result.TrAuthKey)).toEqual({
      outcome: 'declined',
      pgTid: result.Tid,
      code: 'E052',
      message: '간편결제 잔액이 부족합니다',
      verified: true,
    });
  });

  it('취소 ends the window with U999', async () => {
    const { authId } = await openWindow(payMethod);
    const { result } = await submit({ AuthId: authId, Action: 'cancel' });
    expect(result).toEqual({ ResultCode: 'U999', ResultMsg: '사용자가 결제를 취소하셨습니다' });
  });
});

describe('easy-pay window rules', () => {
  it('asks again for a bad sign-in or no 결제수단, issuing nothing; the window stays open', async () => {
    const { authId } = await openWindow('kakaopay');
    const bad = await submit({ AuthId: authId, Action: 'pay', Login: '02-123-4567', Funding: '' });
    expect(bad.status).toBe(400);
    expect(bad.page).toContain('휴대폰 번호를 확인해 주세요');
    expect(bad.page).toContain('결제수단을 선택해 주세요');
    expect(bad.page).toContain('value="02-123-4567"');
    expect(bad.result.Tid).toBeUndefined();
    const good = await submit({ AuthId: authId, Action: 'pay', Login: '01012345678', Funding: 'MONEY' });
    expect(good.result.TrAuthKey).toBeTruthy();
  });

  it('in test mode, KakaoPay and PAYCO refuse a KB국민 card (only Samsung, Hyundai, NH and Shinhan); a live window takes it', async () => {
    for (const payMethod of ['kakaopay', 'payco'] as const) {
      const { authId, page } = await openWindow(payMethod);
      expect(page).toContain('<option value="02" disabled>KB국민카드 50212345****027* (테스트 결제 불가)</option>');
      const refused = await submit({ AuthId: authId, Action: 'pay', Login: validLogin(brandOf(payMethod)), Funding: '02' });
      expect(refused.status).toBe(400);
      expect(refused.page).toContain('테스트 결제에서');
      expect(refused.page).toContain('삼성·신한·현대·NH농협카드만 사용할 수 있습니다');
      expect(refused.result.Tid).toBeUndefined();

      const live = await openWindow(payMethod, { real: true });
      expect(live.page).not.toContain('disabled');
      const taken = await submit({ AuthId: live.authId, Action: 'pay', Login: validLogin(brandOf(payMethod)), Funding: '02' });
      expect(taken.result.TrAuthKey).toBeTruthy();
    }
    // The other brands take any registered card in test mode.
    const { authId } = await openWindow('naverpay');
    expect((await submit({ AuthId: authId, Action: 'pay', Login: 'gyeolbuyer', Funding: '02' })).result.TrAuthKey).toBeTruthy();
  });

  it('takes an easy-pay form only on an easy-pay window, and no card form on an easy-pay window', async () => {
    const card = await openWindow('card');
    const onCard = await submit({ AuthId: card.authId, Action: 'pay', Login: '01012345678', Funding: 'MONEY' });
    expect(onCard.status).toBe(409);
    const kakao = await openWindow('kakaopay');
    const onKakao = await submit({ AuthId: kakao.authId, Action: 'pay', CardCompany: '12', CardNo: '4242424242424242', Expiry: '12/39', Quota: '00' }, 'card');
    expect(onKakao.status).toBe(409);
    expect(onKakao.result.Tid).toBeUndefined();
  });

  it('an easy pay’s 0000 asked as a card approval, or as another method, is a mismatch fault, never a paid payment', async () => {
    const { authId } = await openWindow('naverpay');
    const { result } = await submit({ AuthId: authId, Action: 'pay', Login: 'gyeolbuyer', Funding: 'MONEY' });
    const err = await approveAs('card', result.Tid, result.TrAuthKey).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorFault);
    expect((err as ConnectorFault).kind).toBe('mismatch');
  });

  it('keeps no full sign-in: a mobile number as 010****5432, an ID as its first two characters', () => {
    const kakao = brandOf('kakaopay');
    const naver = brandOf('naverpay');
    expect(maskLogin(kakao, easyPayLogin(kakao, '010-9876-5432') ?? '')).toBe('010****5432');
    expect(maskLogin(naver, easyPayLogin(naver, 'GyeolBuyer') ?? '')).toBe('gy****');
    expect(easyPayLogin(naver, 'a b')).toBeNull();
    expect(readEasyPayForm(naver, { login: 'nobalance', funding: '06' }, true)).toMatchObject({ ok: true, declined: false });
  });
});
