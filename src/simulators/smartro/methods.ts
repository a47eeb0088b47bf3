/**
 * The simulator's bank transfer (PayMethod BANK) and phone payment (PayMethod CELLPHONE): the
 * result codes, the carriers, and the one test account and the one test phone number that are
 * declined. Smartro publishes none of this beyond the success codes (4000, A000): the declining
 * numbers, their codes and the answer's bank and phone fields are the simulator's own choice,
 * documented in README.md.
 */

import { SMARTRO_EASY_PAY_METHODS } from '../../connectors/smartro/wire';
import type { CardScenario } from './cards';

/** What the approval request of a transaction leads to: a test card's scenario, or a bank's, carrier's or easy pay's refusal. */
export type SimScenario = CardScenario | 'bank-decline' | 'phone-decline' | 'easypay-decline';

/** The windows the simulator offers, by Smartro `PayMethod` (the easy pays: easypay.ts). */
export const SIM_PAY_METHODS = ['CARD', 'BANK', 'VBANK', 'CELLPHONE', ...Object.values(SMARTRO_EASY_PAY_METHODS)] as const;
export type SimPayMethod = (typeof SIM_PAY_METHODS)[number];

export const BANK_APPROVED = { resultCode: '4000', resultMsg: '계좌이체 성공' } as const;
export const PHONE_APPROVED = { resultCode: 'A000', resultMsg: '휴대폰 결제 성공' } as const;
/** A virtual account issued through the window (Smartro's code; the answer's account fields are the simulator's choice). */
export const VBANK_ISSUED = { resultCode: '4100', resultMsg: '가상계좌 채번 성공' } as const;
/** A deposit notification (Smartro's code). */
export const VBANK_DEPOSITED = { resultCode: '4110', resultMsg: '가상계좌 입금 완료' } as const;
/**
 * The answer body that acknowledges a notification (with HTTP 200). Smartro's expected answer is
 * not public: `OK` is the simulator's choice, and gyeol answers it (src/pg/routes.ts).
 */
export const NOTIFY_ACK = 'OK';

/**
 * A new virtual account number: `7` then 13 digits (14 in all, a common Korean virtual account
 * length). The simulator's own choice: Smartro's numbering is the bank's.
 */
export function newVbankNumber(random: (count: number) => string): string {
  return `7${random(13)}`;
}

/** Any account number with 10 to 14 digits is approved, except this one (hyphens allowed). */
export const DECLINED_BANK_ACCOUNT = '1000000009';
export const BANK_DECLINE = { resultCode: '4052', resultMsg: '잔액이 부족합니다' } as const;

/** Any mobile number (01X, 10 or 11 digits) is approved, except this one. */
export const DECLINED_PHONE_NUMBER = '01000000000';
export const PHONE_DECLINE = { resultCode: 'A052', resultMsg: '휴대폰 결제 월 한도를 초과했습니다' } as const;

/** The carriers the phone window offers, with PortOne V1's carrier codes (reference phone_carrier_codes.csv). */
export const SIM_CARRIERS: readonly { code: string; name: string }[] = [
  { code: 'SKT', name: 'SKT' },
  { code: 'KTF', name: 'KT' },
  { code: 'LGT', name: 'LG U+' },
  { code: 'CJH', name: 'CJ헬로(알뜰폰)' },
  { code: 'KCT', name: 'KCT/티플러스(알뜰폰)' },
  { code: 'SKL', name: 'SK텔링크(알뜰폰)' },
];

/** Digits of an account number, or null when it is not 10 to 14 digits (hyphens and spaces allowed). */
export function accountDigits(text: string): string | null {
  const digits = text.replace(/[\s-]/g, '');
  return /^\d{10,14}$/.test(digits) ? digits : null;
}

/** Digits of a Korean mobile number (01X + 7 or 8 digits), or null. */
export function phoneDigits(text: string): string | null {
  const digits = text.replace(/[\s-]/g, '');
  return /^01[016789]\d{7,8}$/.test(digits) ? digits : null;
}

/** `010****5678`: the simulator keeps and answers no full phone number. */
export function maskPhoneNumber(digits: string): string {
  return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
}
