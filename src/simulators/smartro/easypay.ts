/**
 * The simulator's easy-pay windows (간편결제: PayMethod LPAY, KAKAO, NAVER, PAYCO, PINPAY), one
 * table row per brand: its name and colour, how the buyer signs in, its money, and which
 * registered cards a test payment may use. One handler serves every brand (server.ts).
 *
 * Smartro publishes none of the brands' windows nor their answers: the sign-in step, the declining
 * test sign-in, its code (`E052`) and the answer's fields are the simulator's choice, documented
 * in README.md. The answer's result codes are shared with the connector
 * (`EASY_PAY_MONEY_APPROVED` in src/connectors/smartro/wire.ts).
 */
import {
  EASY_PAY_MONEY_APPROVED,
  SMARTRO_CARD_COMPANIES,
  cardCompanyBySmartroCode,
  type SmartroEasyPayMethod,
} from '../../connectors/smartro/wire';
import { APPROVED } from './cards';
import { maskPhoneNumber, phoneDigits } from './methods';

export interface SimEasyPayBrand {
  payMethod: SmartroEasyPayMethod;
  /** As the brand writes its name. */
  name: string;
  /** The brand's colour (header and 결제하기 button) and the text colour on it. */
  color: string;
  textColor: string;
  /** How the buyer signs in: a mobile number or an ID. */
  login: 'phone' | 'id';
  /** The brand's own money or points. */
  moneyName: string;
  /**
   * Smartro codes of the registered cards a test payment may use; null: any. PortOne's Smartro
   * guide: in test mode KakaoPay and PAYCO accept only Samsung, Hyundai, NH and Shinhan cards.
   */
  testCards: readonly string[] | null;
}

/** Samsung (04), Shinhan (06), Hyundai (07), NH (12): the cards KakaoPay and PAYCO take in test mode. */
const TEST_MODE_CARDS = ['04', '06', '07', '12'] as const;

export const SIM_EASY_PAYS: readonly SimEasyPayBrand[] = [
  { payMethod: 'KAKAO', name: '카카오페이', color: '#FEE500', textColor: '#191919', login: 'phone', moneyName: '카카오페이머니', testCards: TEST_MODE_CARDS },
  { payMethod: 'NAVER', name: '네이버페이', color: '#03C75A', textColor: '#ffffff', login: 'id', moneyName: '네이버페이 포인트·머니', testCards: null },
  { payMethod: 'PAYCO', name: 'PAYCO', color: '#FA2828', textColor: '#ffffff', login: 'id', moneyName: 'PAYCO 포인트', testCards: TEST_MODE_CARDS },
  { payMethod: 'LPAY', name: 'L.PAY', color: '#DA291C', textColor: '#ffffff', login: 'phone', moneyName: 'L.PAY 머니', testCards: null },
  { payMethod: 'PINPAY', name: '핀페이', color: '#2F5BEA', textColor: '#ffffff', login: 'phone', moneyName: '핀페이 머니', testCards: null },
];

/** The brand of a Smartro PayMethod, or null when it is not an easy pay. */
export function easyPayBrand(payMethod: string): SimEasyPayBrand | null {
  return SIM_EASY_PAYS.find((b) => b.payMethod === payMethod) ?? null;
}

/**
 * The sign-ins whose money payment is declined (`E052`), one per kind of sign-in: any other valid
 * mobile number or ID pays. A registered card pays whoever signed in.
 */
export const DECLINED_EASY_PAY_LOGIN = { phone: '01000000000', id: 'nobalance' } as const;
export const EASY_PAY_DECLINE = { resultCode: 'E052', resultMsg: '간편결제 잔액이 부족합니다' } as const;

/** The value of the 결제수단 choice that pays with the brand's money. */
export const MONEY = 'MONEY';

/** A registered card as the brand's wallet shows it: every card company Smartro codes, with a masked number. */
export interface RegisteredCard {
  code: string;
  name: string;
  /** Masked as Smartro masks card numbers (`40921675****082*`). */
  maskedNumber: string;
}

export function registeredCards(): RegisteredCard[] {
  return SMARTRO_CARD_COMPANIES.map((c) => ({ code: c.smartroCode, name: c.name, maskedNumber: `5${c.smartroCode}12345****${c.smartroCode}7*` }));
}

/** A sign-in as typed: its normal form (mobile digits or the ID), or null when it is not one. */
export function easyPayLogin(brand: SimEasyPayBrand, text: string): string | null {
  if (brand.login === 'phone') return phoneDigits(text);
  const id = text.trim();
  return /^[A-Za-z0-9._-]{3,30}$/.test(id) ? id.toLowerCase() : null;
}

/** What the simulator keeps of a sign-in: `010****5678`, or an ID's first two characters. */
export function maskLogin(brand: SimEasyPayBrand, login: string): string {
  return brand.login === 'phone' ? maskPhoneNumber(login) : `${login.slice(0, 2)}****`;
}

/** How an easy pay was paid, as the transaction keeps it. */
export type EasyPayFunding = { kind: 'card'; cardCompanyCode: string; maskedCardNumber: string } | { kind: 'money' };

export type EasyPayFormError = { field: 'Login' | 'Funding'; message: string };

/**
 * Reads the easy-pay window's form.
 * @returns the sign-in, the funding and whether the test sign-in declines; or the errors to show
 */
export function readEasyPayForm(
  brand: SimEasyPayBrand,
  form: { login: string; funding: string },
  testMode: boolean,
): { ok: true; login: string; funding: EasyPayFunding; declined: boolean } | { ok: false; errors: EasyPayFormError[] } {
  const errors: EasyPayFormError[] = [];
  const login = easyPayLogin(brand, form.login);
  if (login === null) {
    errors.push({ field: 'Login', message: brand.login === 'phone' ? '휴대폰 번호를 확인해 주세요 (예: 010-1234-5678)' : '아이디를 확인해 주세요 (영문, 숫자 3~30자)' });
  }
  let funding: EasyPayFunding | null = null;
  if (form.funding === MONEY) funding = { kind: 'money' };
  else {
    const card = registeredCards().find((c) => c.code === form.funding);
    if (!card) errors.push({ field: 'Funding', message: '결제수단을 선택해 주세요' });
    else if (testMode && brand.testCards !== null && !brand.testCards.includes(card.code)) {
      const allowed = brand.testCards.map((code) => cardCompanyBySmartroCode(code)?.name ?? code).join('·');
      errors.push({ field: 'Funding', message: `테스트 결제에서 ${brand.name}는 ${allowed}카드만 사용할 수 있습니다` });
    } else funding = { kind: 'card', cardCompanyCode: card.code, maskedCardNumber: card.maskedNumber };
  }
  if (login === null || funding === null) return { ok: false, errors };
  return { ok: true, login, funding, declined: funding.kind === 'money' && login === DECLINED_EASY_PAY_LOGIN[brand.login] };
}

/**
 * The easy-pay part of an approval answer: `3001` with the card fields when a registered card
 * paid, `0000` with none when the brand's money did (src/connectors/smartro/wire.ts).
 */
export function easyPayAnswer(funding: EasyPayFunding): { result: { resultCode: string; resultMsg: string }; own: Record<string, string> } {
  if (funding.kind === 'money') return { result: EASY_PAY_MONEY_APPROVED, own: {} };
  const name = cardCompanyBySmartroCode(funding.cardCompanyCode)?.name ?? '';
  return {
    result: APPROVED,
    own: {
      CardQuota: '00',
      AppCardCode: funding.cardCompanyCode,
      AppCardName: name,
      AcquCardCode: funding.cardCompanyCode,
      AcquCardName: name,
      CardNum: funding.maskedCardNumber,
      CardInterest: '0',
      CardType: '0',
      CardOwnerType: '0',
    },
  };
}
