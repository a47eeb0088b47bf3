/**
 * HTML of the simulated Smartro window. Self-contained pages (inline CSS and script, no
 * external resources), Korean, usable on a phone. Every value from a request is escaped.
 */
import { TEST_CARDS, type CardScenario } from './cards';
import { BANK_DECLINE, DECLINED_BANK_ACCOUNT, DECLINED_PHONE_NUMBER, PHONE_DECLINE } from './methods';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** JSON that is safe inside an inline `<script>` (no `</script>`, no U+2028 surprises). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function formatWon(amount: number): string {
  return `${amount.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')}원`;
}

const SKINS: Record<string, string> = { RED: '#d62d3e', GREEN: '#1d8a4e', BLUE: '#2563eb', PURPLE: '#7c3aed' };

function layout(title: string, body: string, accent = SKINS.RED): string {
  return `<!doctype html>
<html lang="ko">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  :root { --accent: ${accent}; }
  * { box-sizing: border-box; }
  body { margin: 0; font-family: system-ui, -apple-system, "Apple SD Gothic Neo", "Malgun Gothic", sans-serif; background: #f3f4f6; color: #111827; }
  main { max-width: 440px; margin: 0 auto; padding: 16px; }
  header { display: flex; justify-content: space-between; align-items: center; margin-bottom: 12px; }
  header h1 { font-size: 18px; margin: 0; color: var(--accent); }
  .badge { font-size: 12px; padding: 2px 8px; border-radius: 999px; background: #fde68a; color: #78350f; }
  .card { background: #fff; border-radius: 12px; padding: 16px; box-shadow: 0 1px 3px rgba(0,0,0,.08); margin-bottom: 12px; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: 6px 12px; margin: 0; }
  dt { color: #6b7280; }
  dd { margin: 0; text-align: right; font-weight: 600; word-break: break-all; }
  .amount { font-size: 20px; color: var(--accent); }
  label { display: block; font-size: 14px; margin: 12px 0 4px; font-weight: 600; }
  input, select { width: 100%; font-size: 16px; padding: 10px; border: 1px solid #d1d5db; border-radius: 8px; background: #fff; }
  input[aria-invalid="true"] { border-color: #dc2626; }
  .row { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
  .buttons { display: grid; grid-template-columns: 1fr 2fr; gap: 8px; margin-top: 16px; }
  button { font-size: 16px; padding: 12px; border-radius: 8px; border: 0; cursor: pointer; }
  button.primary { background: var(--accent); color: #fff; font-weight: 700; }
  button.secondary { background: #e5e7eb; color: #111827; }
  .errors { background: #fef2f2; color: #991b1b; border-radius: 8px; padding: 8px 12px; margin: 0 0 8px; }
  .errors li { margin: 2px 0; }
  details { font-size: 13px; color: #374151; }
  table { border-collapse: collapse; width: 100%; margin-top: 8px; }
  td, th { border-top: 1px solid #e5e7eb; padding: 4px; text-align: left; }
  .accounts td { vertical-align: middle; }
  @media (max-width: 480px) {
    .accounts thead { display: none; }
    .accounts tr, .accounts td { display: block; }
    .accounts tr { border-top: 1px solid #e5e7eb; padding: 6px 0; }
    .accounts td { border: 0; padding: 2px 0; overflow-wrap: anywhere; }
    .accounts td::before { content: attr(data-label) " "; color: #6b7280; font-size: 12px; }
  }
  .note { font-size: 12px; color: #6b7280; }
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

const SCENARIO_LABEL: Record<CardScenario, string> = {
  approve: '승인',
  'check-card': '체크카드로 승인 (부분취소 불가)',
  'card-company-decline': '카드사 거절',
  'insufficient-balance': '잔액부족',
  'lost-or-stolen': '분실/도난 카드',
  'system-error': '시스템 오류',
  'late-approval': '승인되지만 응답이 늦게 도착(타임아웃)',
  'never-answered': '승인되지 않고 응답 없음(연결 끊김)',
};

function testCardHelp(): string {
  const rows = TEST_CARDS.map(
    (c) => `<tr><td>${c.number.replace(/(\d{4})(?=\d)/g, '$1 ')}</td><td>${SCENARIO_LABEL[c.scenario]}${c.resultCode ? ` (${c.resultCode})` : ''}</td></tr>`,
  ).join('');
  return `<details><summary>테스트 카드 안내</summary><table><tr><th>카드번호</th><th>결과</th></tr>${rows}</table>
<p class="note">그 밖의 올바른 카드번호(Luhn 검사 통과)는 승인됩니다. 유효기간은 지나지 않은 아무 날짜나 입력하세요.</p></details>`;
}

export interface CardWindowView {
  authId: string;
  /** 제공기간 (the form's `OfferPeriod`), when given. */
  offerPeriod?: { from: string; to: string } | null;
  goodsName: string;
  amount: number;
  moid: string;
  testMode: boolean;
  skinColor: string | null;
  englishWindow: boolean;
  /** The company the merchant called directly (FnCd); null: the buyer picks one. */
  direct?: { name: string; windowsOnly: boolean } | null;
  companies: readonly { code: string; name: string }[];
  /** Installment months on offer; 0 = lump sum. */
  quotas: readonly number[];
  selected: { company?: string; expiry?: string; quota?: string };
  errors: readonly { field: 'CardCompany' | 'CardNo' | 'Expiry' | 'Quota' | null; message: string }[];
}

/** The card window: what is being paid, then 카드사, 카드번호, 유효기간, 할부 and two buttons. */
export function cardWindowPage(view: CardWindowView): string {
  const invalid = (field: string) => invalidAttr(view.errors, field);
  const companyOptions = view.companies
    .map((c) => `<option value="${escapeHtml(c.code)}"${view.selected.company === c.code ? ' selected' : ''}>${escapeHtml(c.name)}카드</option>`)
    .join('');
  const quotaOptions = view.quotas
    .map((q) => {
      const value = String(q).padStart(2, '0');
      return `<option value="${value}"${view.selected.quota === value ? ' selected' : ''}>${q === 0 ? '일시불' : `${q}개월`}</option>`;
    })
    .join('');
  const errors =
    view.errors.length > 0
      ? `<ul class="errors" role="alert">${view.errors.map((e) => `<li>${escapeHtml(e.message)}</li>`).join('')}</ul>`
      : '';
  const body = `
<header><h1>스마트로 카드결제</h1>${view.testMode ? '<span class="badge">테스트 결제창 (시뮬레이터)</span>' : '<span class="badge">시뮬레이터</span>'}</header>
${paymentSummary(view)}
<form class="card" method="post" action="/payment/auth/card" novalidate>
  ${errors}
  ${view.direct ? directCallNote(view.direct) : ''}
  ${view.englishWindow ? '<p class="note">해외카드 결제창(OpenType=EN)이 요청되었습니다. 시뮬레이터는 한국어 화면만 제공합니다.</p>' : ''}
  <input type="hidden" name="AuthId" value="${escapeHtml(view.authId)}">
  <label for="CardCompany">카드사</label>
  <select id="CardCompany" name="CardCompany"${invalid('CardCompany')}>${companyOptions}</select>
  <label for="CardNo">카드번호</label>
  <input id="CardNo" name="CardNo" inputmode="numeric" autocomplete="cc-number" placeholder="0000 0000 0000 0000" maxlength="23"${invalid('CardNo')}>
  <div class="row">
    <div>
      <label for="Expiry">유효기간</label>
      <input id="Expiry" name="Expiry" inputmode="numeric" autocomplete="cc-exp" placeholder="MM/YY" maxlength="5" value="${escapeHtml(view.selected.expiry ?? '')}"${invalid('Expiry')}>
    </div>
    <div>
      <label for="Quota">할부</label>
      <select id="Quota" name="Quota"${invalid('Quota')}>${quotaOptions}</select>
    </div>
  </div>
  ${view.quotas.length === 1 && view.quotas[0] === 0 && !view.selected.quota ? '<p class="note">할부는 50,000원 이상 결제에서만 선택할 수 있습니다.</p>' : ''}
  <div class="buttons">
    <button type="submit" class="secondary" name="Action" value="cancel">취소</button>
    <button type="submit" class="primary" name="Action" value="pay">결제하기</button>
  </div>
</form>
<section class="card">${testCardHelp()}</section>`;
  return layout('스마트로 카드결제', body, SKINS[view.skinColor ?? 'RED'] ?? SKINS.RED);
}

/** A service period (`YYYYMMDD` ends) as the window shows it: `2026-01-01 ~ 2026-12-31`. */
function periodText(period: { from: string; to: string }): string {
  const day = (d: string) => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
  return `${day(period.from)} ~ ${day(period.to)}`;
}

/** What every window shows above its form; 제공기간 when the merchant sent `OfferPeriod`. */
function paymentSummary(view: { goodsName: string; moid: string; amount: number; offerPeriod?: { from: string; to: string } | null }): string {
  return `<section class="card" aria-label="결제 정보">
  <dl>
    <dt>상품명</dt><dd>${escapeHtml(view.goodsName)}</dd>
    <dt>주문번호</dt><dd>${escapeHtml(view.moid)}</dd>
    <dt>결제금액</dt><dd class="amount">${formatWon(view.amount)}</dd>
    ${view.offerPeriod ? `<dt>제공기간</dt><dd data-offer-period>${escapeHtml(periodText(view.offerPeriod))}</dd>` : ''}
  </dl>
</section>`;
}

/** The card company a merchant called directly (FnCd): its window only, with PortOne's Windows-only note. */
function directCallNote(direct: { name: string; windowsOnly: boolean }): string {
  const windows = direct.windowsOnly ? ' 이 카드사의 직접 호출은 Windows에서만 동작합니다 (PortOne 안내, 시뮬레이터는 모든 환경에서 엽니다).' : '';
  return `<p class="note" data-direct-card>${escapeHtml(direct.name)}카드 결제창 (카드사 직접 호출).${escapeHtml(windows)}</p>`;
}

function errorList(errors: readonly { message: string }[]): string {
  return errors.length > 0 ? `<ul class="errors" role="alert">${errors.map((e) => `<li>${escapeHtml(e.message)}</li>`).join('')}</ul>` : '';
}

function testBadge(testMode: boolean): string {
  return testMode ? '<span class="badge">테스트 결제창 (시뮬레이터)</span>' : '<span class="badge">시뮬레이터</span>';
}

const PAY_BUTTONS = `<div class="buttons">
    <button type="submit" class="secondary" name="Action" value="cancel">취소</button>
    <button type="submit" class="primary" name="Action" value="pay">결제하기</button>
  </div>`;

export interface BankWindowView {
  authId: string;
  /** 제공기간 (the form's `OfferPeriod`), when given. */
  offerPeriod?: { from: string; to: string } | null;
  goodsName: string;
  amount: number;
  moid: string;
  testMode: boolean;
  skinColor: string | null;
  banks: readonly { code: string; name: string }[];
  selected: { bank?: string };
  errors: readonly { field: 'BankCode' | 'AccountNo'; message: string }[];
}

/** ` aria-invalid="true"` when one of `errors` is about `field`. */
function invalidAttr(errors: readonly { field: string | null }[], field: string): string {
  return errors.some((e) => e.field === field) ? ' aria-invalid="true"' : '';
}

/** The `<option>`s of a bank select: a prompt, then every bank, `selected` marked. */
function bankOptions(banks: readonly { code: string; name: string }[], selected: string | undefined): string {
  return [`<option value="">은행을 선택해 주세요</option>`]
    .concat(banks.map((b) => `<option value="${escapeHtml(b.code)}"${selected === b.code ? ' selected' : ''}>${escapeHtml(b.name)}</option>`))
    .join('');
}

/** The bank transfer window (PayMethod BANK): 은행 선택, 출금 계좌번호 and two buttons. */
export function bankWindowPage(view: BankWindowView): string {
  const invalid = (field: string) => invalidAttr(view.errors, field);
  const options = bankOptions(view.banks, view.selected.bank);
  const body = `
<header><h1>스마트로 계좌이체</h1>${testBadge(view.testMode)}</header>
${paymentSummary(view)}
<form class="card" method="post" action="/payment/auth/bank" novalidate>
  ${errorList(view.errors)}
  <input type="hidden" name="AuthId" value="${escapeHtml(view.authId)}">
  <label for="BankCode">은행 선택</label>
  <select id="BankCode" name="BankCode"${invalid('BankCode')}>${options}</select>
  <label for="AccountNo">출금 계좌번호</label>
  <input id="AccountNo" name="AccountNo" inputmode="numeric" placeholder="숫자만 입력 (10~14자리)" maxlength="20"${invalid('AccountNo')}>
  ${PAY_BUTTONS}
</form>
<section class="card"><details><summary>테스트 계좌 안내</summary>
<p class="note">10~14자리 계좌번호는 모두 이체됩니다. 단, ${DECLINED_BANK_ACCOUNT}는 잔액부족으로 거절됩니다 (${BANK_DECLINE.resultCode}).</p></details></section>`;
  return layout('스마트로 계좌이체', body, SKINS[view.skinColor ?? 'RED'] ?? SKINS.RED);
}

export interface VbankWindowView {
  authId: string;
  /** 제공기간 (the form's `OfferPeriod`), when given. */
  offerPeriod?: { from: string; to: string } | null;
  goodsName: string;
  amount: number;
  moid: string;
  testMode: boolean;
  skinColor: string | null;
  banks: readonly { code: string; name: string }[];
  /** The deposit deadline, for display (e.g. `2026-01-20 23:59`). */
  deadline: string;
  selected: { bank?: string };
  errors: readonly { field: 'BankCode'; message: string }[];
}

/** The virtual account window (PayMethod VBANK): 입금 은행 선택, the deadline and two buttons. */
export function vbankWindowPage(view: VbankWindowView): string {
  const invalid = (field: string) => invalidAttr(view.errors, field);
  const options = bankOptions(view.banks, view.selected.bank);
  const body = `
<header><h1>스마트로 가상계좌</h1>${testBadge(view.testMode)}</header>
${paymentSummary(view)}
<form class="card" method="post" action="/payment/auth/vbank" novalidate>
  ${errorList(view.errors)}
  <input type="hidden" name="AuthId" value="${escapeHtml(view.authId)}">
  <label for="BankCode">입금 은행 선택</label>
  <select id="BankCode" name="BankCode"${invalid('BankCode')}>${options}</select>
  <p class="note">입금 기한: ${escapeHtml(view.deadline)}까지</p>
  <div class="buttons">
    <button type="submit" class="secondary" name="Action" value="cancel">취소</button>
    <button type="submit" class="primary" name="Action" value="pay">계좌 발급</button>
  </div>
</form>
<section class="card"><details><summary>테스트 안내</summary>
<p class="note">발급된 계좌에는 시뮬레이터의 가상계좌 목록(/sim/vbank)에서 입금할 수 있습니다.</p></details></section>`;
  return layout('스마트로 가상계좌', body, SKINS[view.skinColor ?? 'RED'] ?? SKINS.RED);
}

export interface VbankListRow {
  tid: string;
  moid: string;
  amount: number;
  bankName: string;
  vbankNum: string;
  deadline: string;
  /** The deadline is past: the account takes no deposit. */
  expired: boolean;
  /** Cancelled before any deposit (채번 취소): the account takes no deposit. */
  revoked?: boolean;
  /** null: not deposited; else what became of the deposit and its notification. */
  deposit: null | { at: string; attempts: number; acknowledged: boolean };
}

/**
 * The simulator's list of issued virtual accounts (`GET /sim/vbank`), each with a 입금하기 button
 * while it takes a deposit; `notice` is a refused deposit's reason.
 */
export function vbankListPage(rows: readonly VbankListRow[], notice?: string): string {
  const won = (n: number) => `${n.toLocaleString('ko-KR')}원`;
  const items = rows
    .map((r) => {
      const state = r.deposit
        ? `입금 완료 (${escapeHtml(r.deposit.at)}) · 통보 ${r.deposit.acknowledged ? '성공' : `대기/실패 (${r.deposit.attempts}회 시도)`}`
        : r.revoked
          ? '채번 취소됨 (입금 불가)'
          : r.expired
            ? '입금기한 만료 (입금 불가)'
            : `<form method="post" action="/sim/vbank/${encodeURIComponent(r.tid)}/deposit"><button type="submit" class="primary">입금하기</button></form>`;
      return `<tr><td data-label="계좌">${escapeHtml(r.bankName)} ${escapeHtml(r.vbankNum)}</td><td data-label="금액">${won(r.amount)}</td><td data-label="주문번호">${escapeHtml(r.moid)}</td><td data-label="입금기한">${escapeHtml(r.deadline)}</td><td data-label="상태">${state}</td></tr>`;
    })
    .join('\n');
  const body = `
<header><h1>가상계좌 입금 (시뮬레이터)</h1></header>
${notice ? `<ul class="errors" role="alert"><li>${escapeHtml(notice)}</li></ul>` : ''}
<section class="card">
${rows.length === 0 ? '<p class="note">발급된 가상계좌가 없습니다.</p>' : `<table class="accounts"><thead><tr><th>계좌</th><th>금액</th><th>주문번호</th><th>입금기한</th><th>상태</th></tr></thead><tbody>${items}</tbody></table>`}
</section>`;
  return layout('가상계좌 입금', body);
}

export interface PhoneWindowView {
  authId: string;
  /** 제공기간 (the form's `OfferPeriod`), when given. */
  offerPeriod?: { from: string; to: string } | null;
  goodsName: string;
  amount: number;
  moid: string;
  testMode: boolean;
  skinColor: string | null;
  carriers: readonly { code: string; name: string }[];
  selected: { carrier?: string; phone?: string };
  errors: readonly { field: 'Carrier' | 'PhoneNo'; message: string }[];
}

/** The phone payment window (PayMethod CELLPHONE): 통신사, 휴대폰 번호 and two buttons. */
export function phoneWindowPage(view: PhoneWindowView): string {
  const invalid = (field: string) => invalidAttr(view.errors, field);
  const options = [`<option value="">통신사를 선택해 주세요</option>`]
    .concat(view.carriers.map((c) => `<option value="${escapeHtml(c.code)}"${view.selected.carrier === c.code ? ' selected' : ''}>${escapeHtml(c.name)}</option>`))
    .join('');
  const body = `
<header><h1>스마트로 휴대폰결제</h1>${testBadge(view.testMode)}</header>
${paymentSummary(view)}
<form class="card" method="post" action="/payment/auth/phone" novalidate>
  ${errorList(view.errors)}
  <input type="hidden" name="AuthId" value="${escapeHtml(view.authId)}">
  <label for="Carrier">통신사</label>
  <select id="Carrier" name="Carrier"${invalid('Carrier')}>${options}</select>
  <label for="PhoneNo">휴대폰 번호</label>
  <input id="PhoneNo" name="PhoneNo" type="tel" inputmode="numeric" autocomplete="tel" placeholder="010-0000-0000" maxlength="13" value="${escapeHtml(view.selected.phone ?? '')}"${invalid('PhoneNo')}>
  ${PAY_BUTTONS}
</form>
<section class="card"><details><summary>테스트 번호 안내</summary>
<p class="note">올바른 휴대폰 번호는 모두 결제됩니다. 단, ${DECLINED_PHONE_NUMBER.replace(/^(\d{3})(\d{4})(\d{4})$/, '$1-$2-$3')}은 월 한도 초과로 거절됩니다 (${PHONE_DECLINE.resultCode}).</p></details></section>`;
  return layout('스마트로 휴대폰결제', body, SKINS[view.skinColor ?? 'RED'] ?? SKINS.RED);
}

export interface EasyPayWindowView {
  authId: string;
  goodsName: string;
  amount: number;
  moid: string;
  testMode: boolean;
  brand: { name: string; color: string; textColor: string; login: 'phone' | 'id'; moneyName: string };
  /** The wallet's registered cards; `allowed: false` cannot pay in this (test) window. */
  cards: readonly { code: string; name: string; maskedNumber: string; allowed: boolean }[];
  /** The money choice's value. */
  money: string;
  /** The sign-in whose money payment is declined, and its code, for the test help. */
  declinedLogin: string;
  declineCode: string;
  selected: { login?: string; funding?: string };
  errors: readonly { field: 'Login' | 'Funding'; message: string }[];
}

/**
 * An easy-pay window (간편결제: PayMethod LPAY, KAKAO, NAVER, PAYCO, PINPAY), in the brand's name and
 * colour: 로그인 (휴대폰 번호 or 아이디), 결제수단 (a registered card or the brand's money) and two buttons.
 */
export function easyPayWindowPage(view: EasyPayWindowView): string {
  const invalid = (field: string) => invalidAttr(view.errors, field);
  const { brand } = view;
  const option = (value: string, label: string, disabled = false) =>
    `<option value="${escapeHtml(value)}"${view.selected.funding === value ? ' selected' : ''}${disabled ? ' disabled' : ''}>${escapeHtml(label)}</option>`;
  const options = [option(view.money, brand.moneyName)]
    .concat(view.cards.map((c) => option(c.code, `${c.name}카드 ${c.maskedNumber}${c.allowed ? '' : ' (테스트 결제 불가)'}`, !c.allowed)))
    .join('');
  const loginLabel = brand.login === 'phone' ? '휴대폰 번호' : '아이디';
  const loginInput =
    brand.login === 'phone'
      ? `<input id="Login" name="Login" type="tel" inputmode="numeric" autocomplete="tel" placeholder="010-0000-0000" maxlength="13" value="${escapeHtml(view.selected.login ?? '')}"${invalid('Login')}>`
      : `<input id="Login" name="Login" autocomplete="username" placeholder="${escapeHtml(brand.name)} 아이디" maxlength="30" value="${escapeHtml(view.selected.login ?? '')}"${invalid('Login')}>`;
  const declined = brand.login === 'phone' ? view.declinedLogin.replace(/^(\d{3})(\d{4})(\d{4})$/, '$1-$2-$3') : view.declinedLogin;
  const limited = view.cards.filter((c) => !c.allowed).length > 0;
  const body = `
<header class="brand" style="background:${escapeHtml(brand.color)};color:${escapeHtml(brand.textColor)};border-radius:12px;padding:12px 16px"><h1 style="color:inherit">${escapeHtml(brand.name)}</h1>${testBadge(view.testMode)}</header>
${paymentSummary(view)}
<form class="card" method="post" action="/payment/auth/easypay" novalidate>
  ${errorList(view.errors)}
  <input type="hidden" name="AuthId" value="${escapeHtml(view.authId)}">
  <label for="Login">${escapeHtml(brand.name)} 로그인 (${loginLabel})</label>
  ${loginInput}
  <label for="Funding">결제수단</label>
  <select id="Funding" name="Funding"${invalid('Funding')}>${options}</select>
  <div class="buttons">
    <button type="submit" class="secondary" name="Action" value="cancel">취소</button>
    <button type="submit" class="primary" name="Action" value="pay" style="background:${escapeHtml(brand.color)};color:${escapeHtml(brand.textColor)}">결제하기</button>
  </div>
</form>
<section class="card"><details><summary>테스트 안내</summary>
<p class="note">올바른 ${loginLabel}(으)로 로그인하면 등록 카드와 ${escapeHtml(brand.moneyName)} 모두 결제됩니다. 단, ${escapeHtml(declined)}(으)로 로그인해 ${escapeHtml(brand.moneyName)}(으)로 결제하면 잔액 부족으로 거절됩니다 (${escapeHtml(view.declineCode)}).${
    limited ? ` 테스트 결제에서 ${escapeHtml(brand.name)}는 ${escapeHtml(view.cards.filter((c) => c.allowed).map((c) => c.name).join('·'))}카드만 사용할 수 있습니다.` : ''
  }</p></details></section>`;
  // The amount and headings take the brand's colour, unless it is too light to read on white (KakaoPay's yellow).
  return layout(brand.name, body, brand.textColor === '#ffffff' ? brand.color : brand.textColor);
}

function hiddenInputs(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
}

/**
 * PC: hands the result to the page that opened the window (the parent of this iframe), and only
 * to the origin of the merchant's ReturnUrl, so no other page can read a TrAuthKey.
 */
export function pcResultPage(targetOrigin: string, result: Record<string, string>, message: string): string {
  const payload = { type: 'smartropay:result', ...result };
  const body = `
<section class="card" aria-live="polite">
  <p>${escapeHtml(message)}</p>
  <form id="result">${hiddenInputs(result)}</form>
</section>
<script>
  (function () {
    var target = ${scriptJson(targetOrigin)};
    var payload = ${scriptJson(payload)};
    if (window.parent && window.parent !== window) window.parent.postMessage(payload, target);
  })();
</script>`;
  return layout('결제 결과', body);
}

/** Mobile: sends the buyer on with a form POST, as Smartro does ("스마트로페이의 응답은 POST"). */
export function mobileRedirectPage(action: string, fields: Record<string, string>, message: string): string {
  const body = `
<section class="card">
  <p>${escapeHtml(message)}</p>
  <form id="result" method="post" action="${escapeHtml(action)}">
    ${hiddenInputs(fields)}
    <noscript><button type="submit" class="primary">계속</button></noscript>
  </form>
</section>
<script>document.getElementById('result').submit();</script>`;
  return layout('결제 진행 중', body);
}

export interface AuthErrorView {
  code: string;
  message: string;
  /** PC: where to post the error so the opener can close the window; null when unknown. */
  pcTargetOrigin: string | null;
  /** Mobile: where the 돌아가기 button goes (StopUrl), or null. */
  stopUrl: string | null;
  channel: 'pc' | 'mobile';
}

/** A request the window cannot serve. It still lets the flow end: PC posts, mobile links on. */
export function authErrorPage(view: AuthErrorView): string {
  const result = { ResultCode: view.code, ResultMsg: view.message };
  let ending = '';
  if (view.channel === 'pc' && view.pcTargetOrigin) {
    ending = `
<button type="button" class="primary" id="close">닫기</button>
<script>
  (function () {
    var target = ${scriptJson(view.pcTargetOrigin)};
    var payload = ${scriptJson({ type: 'smartropay:result', ...result })};
    function end() { if (window.parent && window.parent !== window) window.parent.postMessage(payload, target); }
    document.getElementById('close').addEventListener('click', end);
    setTimeout(end, 1500);
  })();
</script>`;
  } else if (view.channel === 'mobile' && view.stopUrl) {
    ending = `<form method="post" action="${escapeHtml(view.stopUrl)}">${hiddenInputs(result)}<button type="submit" class="primary">돌아가기</button></form>`;
  } else {
    ending = '<p class="note">이 창을 닫고 다시 시도해 주세요.</p>';
  }
  const body = `
<header><h1>결제를 진행할 수 없습니다</h1></header>
<section class="card" role="alert">
  <p>${escapeHtml(view.message)}</p>
  <p class="note">오류 코드: ${escapeHtml(view.code)}</p>
  ${ending}
</section>`;
  return layout('결제 오류', body);
}

/** A Korean "not found" page for pages that are not part of a payment flow (e.g. receipts). */
export function notFoundPage(title: string, message: string): string {
  const body = `
<header><h1>${escapeHtml(title)}</h1></header>
<section class="card" role="alert">
  <p>${escapeHtml(message)}</p>
  <p class="note">오류 코드: 404</p>
</section>`;
  return layout(title, body);
}

export interface ReceiptView {
  companyName: string;
  goodsName: string;
  tid: string;
  moid: string;
  authCode: string;
  /** `yyMMddHHmmss`, Korea time (Smartro's AuthDate). */
  approvedAt: string;
  cardName: string;
  maskedCardNumber: string;
  /** Installment months; 0 = lump sum. */
  quota: number;
  amount: number;
  taxAmt: number | null;
  taxFreeAmt: number | null;
  vatAmt: number | null;
  /**
   * A cancel's slip (취소전표): `tid` is then the cancel's own Tid and `amount` the cancelled
   * amount; `cancelledAt` is `yyMMddHHmmss`, Korea time.
   */
  cancel?: { originalTid: string; cancelledAt: string };
}

/**
 * Splits an amount into 과세 (supply value), 면세 and 부가세. Fields the merchant sent are used
 * as sent; the rest follows the usual Korean rule (VAT = 1/11 of the taxable part, rounded).
 */
export function receiptAmounts(view: Pick<ReceiptView, 'amount' | 'taxAmt' | 'taxFreeAmt' | 'vatAmt'>): { taxable: number; taxFree: number; vat: number } {
  const taxFree = view.taxFreeAmt ?? 0;
  const vat = view.vatAmt ?? Math.round((view.amount - taxFree) / 11);
  const taxable = view.taxAmt ?? view.amount - taxFree - vat;
  return { taxable, taxFree, vat };
}

function kstDateTime(yyMMddHHmmss: string): string {
  const d = yyMMddHHmmss;
  return `20${d.slice(0, 2)}-${d.slice(2, 4)}-${d.slice(4, 6)} ${d.slice(6, 8)}:${d.slice(8, 10)}:${d.slice(10, 12)}`;
}

/**
 * The card receipt (신용카드 매출전표) of an approved transaction, or the slip of one of its
 * cancels (신용카드 취소전표), as Smartro's IssueLoader.jsp shows one.
 */
export function receiptPage(view: ReceiptView): string {
  const { taxable, taxFree, vat } = receiptAmounts(view);
  const title = view.cancel ? '신용카드 취소전표' : '신용카드 매출전표';
  const cancelRows = view.cancel
    ? `
    <dt>원거래번호</dt><dd>${escapeHtml(view.cancel.originalTid)}</dd>
    <dt>취소일시</dt><dd>${escapeHtml(kstDateTime(view.cancel.cancelledAt))}</dd>`
    : '';
  const body = `
<header><h1>${title}</h1><span class="badge">시뮬레이터 영수증</span></header>
<section class="card" aria-label="거래 정보">
  <dl>
    <dt>상호</dt><dd>${escapeHtml(view.companyName)}</dd>
    <dt>상품명</dt><dd>${escapeHtml(view.goodsName)}</dd>
    <dt>주문번호</dt><dd>${escapeHtml(view.moid)}</dd>
    <dt>거래번호</dt><dd>${escapeHtml(view.tid)}</dd>
  </dl>
</section>
<section class="card" aria-label="승인 정보">
  <dl>
    <dt>승인번호</dt><dd>${escapeHtml(view.authCode)}</dd>
    <dt>승인일시</dt><dd>${escapeHtml(kstDateTime(view.approvedAt))}</dd>
    <dt>카드사</dt><dd>${escapeHtml(view.cardName)}카드</dd>
    <dt>카드번호</dt><dd>${escapeHtml(view.maskedCardNumber)}</dd>
    <dt>할부</dt><dd>${view.quota === 0 ? '일시불' : `${view.quota}개월`}</dd>${cancelRows}
  </dl>
</section>
<section class="card" aria-label="금액">
  <dl>
    <dt>과세금액</dt><dd>${formatWon(taxable)}</dd>
    <dt>면세금액</dt><dd>${formatWon(taxFree)}</dd>
    <dt>부가세</dt><dd>${formatWon(vat)}</dd>
    <dt>${view.cancel ? '취소금액' : '합계'}</dt><dd class="amount">${view.cancel ? '-' : ''}${formatWon(view.amount)}</dd>
  </dl>
</section>
<p class="note">스마트로 시뮬레이터가 발급한 테스트 영수증입니다. 실제 매출전표가 아닙니다.</p>`;
  return layout(title, body);
}

export interface CashReceiptView {
  companyName: string;
  tid: string;
  moid: string;
  goodsName: string;
  /** 국세청 승인번호. */
  appNo: string;
  purpose: '소득공제용' | '지출증빙용';
  maskedIdentity: string;
  /** `yyMMddHHmmss`, Korea time. */
  issuedAt: string;
  cancelledAt: string | null;
  amount: number;
  supplyAmt: number;
  vatAmt: number;
  taxFreeAmt: number;
}

/** The simulator's cash receipt (현금영수증) page, `IssueLoader.jsp?type=2`. */
export function cashReceiptPage(view: CashReceiptView): string {
  const body = `
<header><h1>현금영수증</h1><span class="badge">시뮬레이터 영수증</span></header>
${view.cancelledAt ? `<section class="card" role="alert"><p>발급 취소된 현금영수증입니다 (${escapeHtml(kstDateTime(view.cancelledAt))}).</p></section>` : ''}
<section class="card" aria-label="발급 정보">
  <dl>
    <dt>상호</dt><dd>${escapeHtml(view.companyName)}</dd>
    <dt>상품명</dt><dd>${escapeHtml(view.goodsName)}</dd>
    <dt>주문번호</dt><dd>${escapeHtml(view.moid)}</dd>
    <dt>거래번호</dt><dd>${escapeHtml(view.tid)}</dd>
    <dt>국세청 승인번호</dt><dd>${escapeHtml(view.appNo)}</dd>
    <dt>용도</dt><dd>${escapeHtml(view.purpose)}</dd>
    <dt>식별번호</dt><dd>${escapeHtml(view.maskedIdentity)}</dd>
    <dt>발급일시</dt><dd>${escapeHtml(kstDateTime(view.issuedAt))}</dd>
  </dl>
</section>
<section class="card" aria-label="금액">
  <dl>
    <dt>공급가액</dt><dd>${formatWon(view.supplyAmt)}</dd>
    <dt>면세금액</dt><dd>${formatWon(view.taxFreeAmt)}</dd>
    <dt>부가세</dt><dd>${formatWon(view.vatAmt)}</dd>
    <dt>합계</dt><dd class="amount">${formatWon(view.amount)}</dd>
  </dl>
</section>
<p class="note">스마트로 시뮬레이터가 발급한 테스트 현금영수증입니다. 국세청에 신고되지 않습니다.</p>`;
  return layout('현금영수증', body);
}

// ---- the billing window (빌키 발급창, billing.ts) ----

/** What both billing window steps show above their form. */
interface BillingWindowCommon {
  billAuthId: string;
  moid: string;
  /** The merchant's buyer id (`MallUserID`, V1 `customer_id`). */
  mallUserId: string;
  testMode: boolean;
  skinColor: string | null;
}

function billingHeader(view: BillingWindowCommon, step: string): string {
  return `<header><h1>스마트로 카드 등록</h1>${testBadge(view.testMode)}</header>
<section class="card" aria-label="등록 정보">
  <dl>
    <dt>단계</dt><dd>${escapeHtml(step)}</dd>
    <dt>주문번호</dt><dd>${escapeHtml(view.moid)}</dd>
    <dt>회원 ID</dt><dd>${escapeHtml(view.mallUserId)}</dd>
  </dl>
  <p class="note">정기결제에 쓸 카드를 등록합니다. 지금은 결제되지 않습니다.</p>
</section>`;
}

const BILLING_BUTTONS = (primary: string) => `<div class="buttons">
    <button type="submit" class="secondary" name="Action" value="cancel" formnovalidate>닫기</button>
    <button type="submit" class="primary" name="Action" value="submit">${escapeHtml(primary)}</button>
  </div>`;

export interface BillingIdentityView extends BillingWindowCommon {
  /** The code the buyer must type (the simulator shows it: it sends no text message). */
  identityCode: string;
  selected: { name?: string; phone?: string };
  errors: readonly { field: 'Name' | 'PhoneNo' | 'AuthCode'; message: string }[];
}

/**
 * The phone identity step (휴대폰 본인확인) a MallUserID the merchant never registered a card for
 * goes through first: 이름, 휴대폰 번호, 인증번호. The code is shown on the page.
 */
export function billingIdentityPage(view: BillingIdentityView): string {
  const invalid = (field: string) => invalidAttr(view.errors, field);
  const body = `
${billingHeader(view, '휴대폰 본인확인')}
<form class="card" method="post" action="/payment/billkey/identity" novalidate>
  ${errorList(view.errors)}
  <p class="note">처음 카드를 등록하는 회원은 휴대폰 본인확인이 필요합니다.</p>
  <input type="hidden" name="BillAuthId" value="${escapeHtml(view.billAuthId)}">
  <label for="Name">이름</label>
  <input id="Name" name="Name" autocomplete="name" maxlength="30" value="${escapeHtml(view.selected.name ?? '')}"${invalid('Name')}>
  <label for="PhoneNo">휴대폰 번호</label>
  <input id="PhoneNo" name="PhoneNo" type="tel" inputmode="numeric" autocomplete="tel" placeholder="010-0000-0000" maxlength="13" value="${escapeHtml(view.selected.phone ?? '')}"${invalid('PhoneNo')}>
  <label for="AuthCode">인증번호</label>
  <input id="AuthCode" name="AuthCode" inputmode="numeric" autocomplete="one-time-code" placeholder="6자리" maxlength="6"${invalid('AuthCode')}>
  <p class="note" data-identity-code>시뮬레이터는 문자를 보내지 않습니다. 인증번호: <strong>${escapeHtml(view.identityCode)}</strong></p>
  ${BILLING_BUTTONS('인증')}
</form>`;
  return layout('스마트로 카드 등록', body, SKINS[view.skinColor ?? 'RED'] ?? SKINS.RED);
}

export interface BillingCardView extends BillingWindowCommon {
  companies: readonly { code: string; name: string }[];
  /** `N`: the buyer also registers a 6-digit payment password (IsPwdPass). */
  isPwdPass: 'Y' | 'N';
  /** The test card that the card company refuses to register, and the refusals' codes (test help). */
  refusedCard: string;
  refusalCodes: { lost: string; overseas: string };
  selected: { company?: string; expiry?: string };
  errors: readonly { field: 'CardCompany' | 'CardNo' | 'Expiry' | 'BuyerAuthNum' | 'CardPwd' | 'PayPwd'; message: string }[];
}

/**
 * The card step: 카드사, 카드번호, 유효기간, 생년월일 또는 사업자번호, 비밀번호 앞 2자리 (and a payment
 * password when IsPwdPass is N), then 발급. The card number is never echoed back.
 */
export function billingCardPage(view: BillingCardView): string {
  const invalid = (field: string) => invalidAttr(view.errors, field);
  const options = [`<option value="">카드사를 선택해 주세요</option>`]
    .concat(view.companies.map((c) => `<option value="${escapeHtml(c.code)}"${view.selected.company === c.code ? ' selected' : ''}>${escapeHtml(c.name)}카드</option>`))
    .join('');
  const payPassword =
    view.isPwdPass === 'N'
      ? `<div class="row">
    <div>
      <label for="PayPwd">결제 비밀번호 (6자리)</label>
      <input id="PayPwd" name="PayPwd" type="password" inputmode="numeric" maxlength="6" autocomplete="new-password"${invalid('PayPwd')}>
    </div>
    <div>
      <label for="PayPwdConfirm">결제 비밀번호 확인</label>
      <input id="PayPwdConfirm" name="PayPwdConfirm" type="password" inputmode="numeric" maxlength="6" autocomplete="new-password"${invalid('PayPwd')}>
    </div>
  </div>`
      : '';
  const refused = view.refusedCard.replace(/(\d{4})(?=\d)/g, '$1 ');
  const body = `
${billingHeader(view, '카드 정보 입력')}
<form class="card" method="post" action="/payment/billkey/card" novalidate>
  ${errorList(view.errors)}
  <input type="hidden" name="BillAuthId" value="${escapeHtml(view.billAuthId)}">
  <label for="CardCompany">카드사</label>
  <select id="CardCompany" name="CardCompany"${invalid('CardCompany')}>${options}</select>
  <label for="CardNo">카드번호</label>
  <input id="CardNo" name="CardNo" inputmode="numeric" autocomplete="cc-number" placeholder="0000 0000 0000 0000" maxlength="23"${invalid('CardNo')}>
  <div class="row">
    <div>
      <label for="Expiry">유효기간</label>
      <input id="Expiry" name="Expiry" inputmode="numeric" autocomplete="cc-exp" placeholder="MM/YY" maxlength="5" value="${escapeHtml(view.selected.expiry ?? '')}"${invalid('Expiry')}>
    </div>
    <div>
      <label for="CardPwd">비밀번호 앞 2자리</label>
      <input id="CardPwd" name="CardPwd" type="password" inputmode="numeric" maxlength="2" autocomplete="off"${invalid('CardPwd')}>
    </div>
  </div>
  <label for="BuyerAuthNum">생년월일 또는 사업자번호</label>
  <input id="BuyerAuthNum" name="BuyerAuthNum" inputmode="numeric" placeholder="생년월일 6자리(YYMMDD) 또는 사업자번호 10자리" maxlength="12" autocomplete="off"${invalid('BuyerAuthNum')}>
  ${payPassword}
  ${BILLING_BUTTONS('발급')}
</form>
<section class="card"><details><summary>테스트 카드 안내</summary>
<p class="note">올바른 카드번호(Luhn 검사 통과)는 모두 등록됩니다. 등록된 카드로 결제할 때의 결과는 결제창의 테스트 카드와 같습니다 (예: 4000 0000 0000 0002는 결제 시 카드사 거절).
단, ${escapeHtml(refused)}는 분실/도난 카드로 등록이 거절되고 (${escapeHtml(view.refusalCodes.lost)}), 해외 카드사는 등록할 수 없습니다 (${escapeHtml(view.refusalCodes.overseas)}).</p></details></section>`;
  return layout('스마트로 카드 등록', body, SKINS[view.skinColor ?? 'RED'] ?? SKINS.RED);
}
