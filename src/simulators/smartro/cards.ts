/**
 * The simulator's test cards: which card number leads to which answer of `urlCallApproval.do`.
 * The real Smartro publishes no test card numbers (test MIDs use real cards), so these numbers
 * and the decline codes are the simulator's own choice, documented in README.md.
 */

export type CardScenario =
  | 'approve'
  /** Approved as a check card (`CardType: '1'`): only a full cancel is taken (PortOne: check cards, full cancel only). */
  | 'check-card'
  | 'card-company-decline'
  | 'insufficient-balance'
  | 'lost-or-stolen'
  | 'system-error'
  | 'late-approval'
  | 'never-answered';

export interface TestCard {
  number: string;
  scenario: CardScenario;
  /** The ResultCode the transaction ends with (for `never-answered`, none is ever sent). */
  resultCode: string;
  resultMsg: string;
}

export const APPROVED: Pick<TestCard, 'resultCode' | 'resultMsg'> = { resultCode: '3001', resultMsg: '카드 결제 성공' };
export const SYSTEM_ERROR: Pick<TestCard, 'resultCode' | 'resultMsg'> = { resultCode: '9999', resultMsg: '시스템에러 잠시후 재 거래' };

export const TEST_CARDS: readonly TestCard[] = [
  { number: '4242424242424242', scenario: 'approve', ...APPROVED },
  { number: '4000000000001307', scenario: 'check-card', ...APPROVED },
  { number: '4000000000000002', scenario: 'card-company-decline', resultCode: '3051', resultMsg: '카드사 승인 거절' },
  { number: '4000000000009995', scenario: 'insufficient-balance', resultCode: '3052', resultMsg: '잔액부족 (한도초과)' },
  { number: '4000000000009987', scenario: 'lost-or-stolen', resultCode: '3053', resultMsg: '분실/도난 신고된 카드입니다' },
  // Smartro's only public error body, unsigned; nothing is approved.
  { number: '4000000000000119', scenario: 'system-error', ...SYSTEM_ERROR },
  // Approved and stored at once (money taken), but the answer arrives after gyeol's PG timeout.
  { number: '4000000000000101', scenario: 'late-approval', ...APPROVED },
  // The request is swallowed: no approval, no answer, the connection is dropped after hangMs.
  { number: '4000000000000200', scenario: 'never-answered', resultCode: '', resultMsg: '' },
];

/** What a card number leads to; any other valid number is approved. */
export function testCardFor(digits: string): TestCard {
  return TEST_CARDS.find((c) => c.number === digits) ?? { number: digits, scenario: 'approve', ...APPROVED };
}

/** The result a scenario ends with (the first test card of that scenario). */
export function resultOf(scenario: CardScenario): Pick<TestCard, 'resultCode' | 'resultMsg'> {
  const card = TEST_CARDS.find((c) => c.scenario === scenario);
  return card ? { resultCode: card.resultCode, resultMsg: card.resultMsg } : APPROVED;
}

/** The Luhn check digit test every card number passes. */
export function passesLuhn(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Masks a 16-digit number the way Smartro's published answer does (`40921675****082*`): the
 * first 8 digits, four stars, digits 13 to 15, one star. The full number goes no further.
 */
export function maskCardNumber(digits: string): string {
  return `${digits.slice(0, 8)}****${digits.slice(12, 15)}*`;
}

/**
 * Reads `MM/YY` (or `MMYY`) and checks that the card is still valid in the given Korea-time
 * year and month (a card is valid through the last day of its month).
 * @returns an error message in Korean, or null when the expiry is fine
 */
export function expiryProblem(text: string, kstYear: number, kstMonth: number): string | null {
  const match = /^\s*(\d{2})\s*\/?\s*(\d{2})\s*$/.exec(text);
  if (!match) return '유효기간을 MM/YY 형식으로 입력해 주세요';
  const month = Number(match[1]);
  const year = 2000 + Number(match[2]);
  if (month < 1 || month > 12) return '유효기간의 월은 01~12여야 합니다';
  if (year < kstYear || (year === kstYear && month < kstMonth)) return '유효기간이 지난 카드입니다';
  return null;
}

/** Approved at once, answered after gyeol's PG timeout (the reconciler's "money taken, answer lost"). */
export const LATE_APPROVAL_CARD = '4000 0000 0000 0101';
/** Approved as a check card (체크카드): a partial cancel of it is refused. */
export const CHECK_CARD = '4000 0000 0000 1307';
/** Never approved and never answered (the reconciler must fail it). */
export const NEVER_ANSWERS_CARD = '4000 0000 0000 0200';

/**
 * The card the billing window refuses to register (`3053`): the lost-or-stolen test card. A card
 * company would not register a card reported lost; the other test cards are registered, and
 * their scenario decides what a charge of the key does (billing.ts).
 */
export const BILLING_REFUSED_CARD = TEST_CARDS.find((c) => c.scenario === 'lost-or-stolen')?.number ?? '4000000000009987';
