/**
 * V1 paths gyeol does not serve, in one place. A request to one answers 501 in the V1 envelope
 * (V1 itself answers 501 for what a PG does not support) with a Korean message saying why —
 * never the "no such route" 404 that clients take for "not found" (`iamporter` even resolves it
 * as a success with no data).
 *
 * The table is consulted only when no route matched, so a path served later (a route added for
 * it) simply takes over; entries for features still to come say "아직".
 */
export interface UnsupportedApi {
  /** Methods the entry covers; `*` for all. */
  methods: readonly string[] | '*';
  /** The V1 path, `{x}` for one segment, a trailing `/*` for anything below. */
  path: string;
  message: string;
}

const CERTIFICATIONS = '본인인증(certifications) API는 gyeol에서 지원하지 않습니다. 결제 API만 제공합니다.';
const NAVER = '네이버페이 전용 API는 gyeol에서 지원하지 않습니다. gyeol의 PG(스마트로)는 네이버페이 주문형·결제형 연동이 없습니다.';
const PG_SPECIFIC = (name: string) => `${name} 전용 API는 gyeol에서 지원하지 않습니다. gyeol의 PG는 스마트로(smartro_v2)입니다.`;
const API_BILLING_KEY = '스마트로(smartro_v2)는 API 방식 빌링키 발급(카드번호 직접 입력)을 지원하지 않습니다. 결제창(IMP.request_pay)으로 빌링키를 발급해 주세요.';

export const UNSUPPORTED_APIS: readonly UnsupportedApi[] = [
  { methods: '*', path: '/certifications/*', message: CERTIFICATIONS },
  { methods: '*', path: '/payments/{imp_uid}/naver/*', message: NAVER },
  { methods: '*', path: '/naver/*', message: NAVER },
  { methods: '*', path: '/kakao/*', message: PG_SPECIFIC('카카오페이') },
  { methods: '*', path: '/payco/*', message: PG_SPECIFIC('PAYCO') },
  { methods: '*', path: '/kcpquick/*', message: PG_SPECIFIC('KCP 퀵페이') },
  { methods: '*', path: '/benepia/*', message: PG_SPECIFIC('베네피아') },
  { methods: '*', path: '/cvs', message: PG_SPECIFIC('편의점 결제(갤럭시아)') },
  { methods: '*', path: '/cvs/*', message: PG_SPECIFIC('편의점 결제(갤럭시아)') },
  { methods: '*', path: '/paymentwall/*', message: PG_SPECIFIC('페이먼트월') },
  { methods: '*', path: '/partners/*', message: '파트너 정산 API는 gyeol에서 지원하지 않습니다.' },
  { methods: '*', path: '/tiers/*', message: '하위 가맹점(Tier) API는 gyeol에서 지원하지 않습니다.' },
  { methods: ['POST'], path: '/subscribe/customers/{customer_uid}', message: API_BILLING_KEY },
  { methods: '*', path: '/subscribe/payments/onetime', message: API_BILLING_KEY },
  { methods: '*', path: '/subscribe/payments/foreign', message: API_BILLING_KEY },
];

const compiled = UNSUPPORTED_APIS.map((api) => ({
  api,
  pattern: new RegExp(
    `^${api.path
      .replace(/[.+?^$()|[\]\\]/g, '\\$&')
      .replace(/\/\*$/, '(?:/.*)?')
      .replace(/\{[^}/]+\}/g, '[^/]+')}/?$`,
  ),
}));

/** The entry covering `method path` (path without query), or null. */
export function unsupportedApi(method: string, path: string): UnsupportedApi | null {
  for (const { api, pattern } of compiled) {
    if ((api.methods === '*' || api.methods.includes(method.toUpperCase())) && pattern.test(path)) return api;
  }
  return null;
}
