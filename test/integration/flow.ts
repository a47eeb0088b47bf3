import type { RunningSystem } from '../../src/system';

/**
 * Drives a checkout over plain HTTP the way a mobile browser does (form posts and redirects,
 * no JavaScript): gateway session → window page → simulator window → card form → ReturnUrl.
 */

export interface MobilePaymentOptions {
  card: string;
  merchantUid?: string;
  amount?: number;
  channelKey?: string;
  params?: Record<string, unknown>;
}

export interface OpenedWindow {
  impUid: string;
  merchantUid: string;
  windowUrl: string;
  fields: Record<string, string>;
  scriptUrl: string;
}

export function newMerchantUid(): string {
  return `order${Date.now()}${Math.floor(Math.random() * 1e6)}`;
}

export async function openMobileWindow(system: RunningSystem, options: Omit<MobilePaymentOptions, 'card'> = {}): Promise<OpenedWindow> {
  const merchantUid = options.merchantUid ?? newMerchantUid();
  const res = await fetch(`${system.gatewayUrl}/checkout/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: system.shopUrl },
    body: JSON.stringify({
      user_code: system.demo.impCode,
      mode: 'mobile',
      page_url: `${system.shopUrl}/`,
      params: {
        channelKey: options.channelKey ?? system.demo.channelKey,
        pay_method: 'card',
        merchant_uid: merchantUid,
        name: '결 머그컵',
        amount: options.amount ?? 1004,
        buyer_name: '홍길동',
        buyer_tel: '010-1234-5678',
        buyer_email: 'buyer@example.com',
        m_redirect_url: `${system.shopUrl}/order/complete`,
        ...options.params,
      },
    }),
  });
  const body = (await res.json()) as { code: number; message: string; response: { imp_uid: string; window_url: string } };
  if (body.code !== 0) throw new Error(`session refused: ${body.message}`);
  const page = await (await fetch(body.response.window_url)).text();
  const launchJson = /<script type="application\/json" id="gyeol-launch">([\s\S]*?)<\/script>/.exec(page)?.[1];
  if (!launchJson) throw new Error(`no launch data in window page:\n${page}`);
  const launch = JSON.parse(launchJson) as { launch: { launcher: string; data: { fields: Record<string, string> } } };
  // The PG's own library is the first script the window loads.
  const scriptUrl = /<script src="([^"]+)"/.exec(page)?.[1];
  if (!scriptUrl) throw new Error(`no PG script in window page:\n${page}`);
  return { impUid: body.response.imp_uid, merchantUid, windowUrl: body.response.window_url, fields: launch.launch.data.fields, scriptUrl: decodeEntities(scriptUrl) };
}

function hiddenFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) out[m[1]] = decodeEntities(m[2]);
  return out;
}

function decodeEntities(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
  redirect: 'manual' as const,
});

/** Opens the simulator's window (as SmartroPAY does on a phone) and returns its page and AuthId. */
export async function openSimulatorWindow(opened: OpenedWindow): Promise<{ simOrigin: string; page: string; authId: string }> {
  const simOrigin = new URL(opened.scriptUrl).origin;
  const page = await (await fetch(`${simOrigin}/payment/auth`, form({ ...opened.fields, SimChannel: 'mobile' }))).text();
  const authId = /name="AuthId" value="([^"]+)"/.exec(page)?.[1];
  if (!authId) throw new Error(`simulator window not understood:\n${page}`);
  return { simOrigin, page, authId };
}

/** Submits a window form and reads where the simulator sends the buyer on, with what. */
export async function submitWindow(url: string, fields: Record<string, string>): Promise<{ returnUrl: string; fields: Record<string, string> }> {
  const done = await (await fetch(url, form(fields))).text();
  const action = /<form[^>]*action="([^"]+)"/.exec(done)?.[1];
  const result = hiddenFields(done);
  if (!action || !result.Tid || !result.TrAuthKey) throw new Error(`simulator did not authenticate:\n${done}`);
  return { returnUrl: decodeEntities(action), fields: result };
}

/** Authenticates a card in the simulator's window; returns the fields it posts to the ReturnUrl. */
export async function authenticateCard(opened: OpenedWindow, card: string): Promise<{ returnUrl: string; fields: Record<string, string> }> {
  const { simOrigin, page, authId } = await openSimulatorWindow(opened);
  const company = /<select id="CardCompany" name="CardCompany"[^>]*>[\s\S]*?<option value="([^"]+)"/.exec(page)?.[1];
  if (!company) throw new Error(`simulator card window not understood:\n${page}`);
  return submitWindow(`${simOrigin}/payment/auth/card`, { AuthId: authId, CardCompany: company, CardNo: card, Expiry: '12/39', Quota: '00', Action: 'pay' });
}

/** Authenticates a bank transfer (PayMethod BANK) with a bank (KFTC code) and an account number. */
export async function authenticateBank(opened: OpenedWindow, bank: { bankCode: string; account: string }): Promise<{ returnUrl: string; fields: Record<string, string> }> {
  const { simOrigin, page, authId } = await openSimulatorWindow(opened);
  if (!page.includes('name="BankCode"')) throw new Error(`not a bank transfer window:\n${page}`);
  return submitWindow(`${simOrigin}/payment/auth/bank`, { AuthId: authId, BankCode: bank.bankCode, AccountNo: bank.account, Action: 'pay' });
}

/** Asks for a virtual account (PayMethod VBANK) at the bank with this KFTC code. */
export async function authenticateVbank(opened: OpenedWindow, bankCode: string): Promise<{ returnUrl: string; fields: Record<string, string> }> {
  const { simOrigin, page, authId } = await openSimulatorWindow(opened);
  if (!page.includes('입금 은행 선택')) throw new Error(`not a virtual account window:\n${page}`);
  return submitWindow(`${simOrigin}/payment/auth/vbank`, { AuthId: authId, BankCode: bankCode, Action: 'pay' });
}

/** Opens a mobile window for a virtual account with this `vbank_due` and has it issued at the bank (KFTC code); returns the window and its Tid. */
export async function issueVbank(system: RunningSystem, vbankDue: string, bankCode = '088') {
  const opened = await openMobileWindow(system, { params: { pay_method: 'vbank', vbank_due: vbankDue } });
  const auth = await authenticateVbank(opened, bankCode);
  await returnToGateway(auth.returnUrl, auth.fields);
  return { ...opened, tid: auth.fields.Tid };
}

/** Authenticates a phone payment (PayMethod CELLPHONE) with a V1 carrier code and a phone number. */
export async function authenticatePhone(opened: OpenedWindow, phone: { carrier: string; number: string }): Promise<{ returnUrl: string; fields: Record<string, string> }> {
  const { simOrigin, page, authId } = await openSimulatorWindow(opened);
  if (!page.includes('name="Carrier"')) throw new Error(`not a phone payment window:\n${page}`);
  return submitWindow(`${simOrigin}/payment/auth/phone`, { AuthId: authId, Carrier: phone.carrier, PhoneNo: phone.number, Action: 'pay' });
}

/** Pays in an easy-pay window (PayMethod LPAY, KAKAO, NAVER, PAYCO, PINPAY): a sign-in, then `MONEY` or a registered card's Smartro code. */
export async function authenticateEasyPay(opened: OpenedWindow, entry: { login: string; funding: string }): Promise<{ returnUrl: string; fields: Record<string, string> }> {
  const { simOrigin, page, authId } = await openSimulatorWindow(opened);
  if (!page.includes('action="/payment/auth/easypay"')) throw new Error(`not an easy-pay window:\n${page}`);
  return submitWindow(`${simOrigin}/payment/auth/easypay`, { AuthId: authId, Login: entry.login, Funding: entry.funding, Action: 'pay' });
}

/** Posts the PG's answer to the ReturnUrl and returns where the gateway redirects the buyer. */
export async function returnToGateway(returnUrl: string, fields: Record<string, string>): Promise<URL> {
  const res = await fetch(returnUrl, form(fields));
  if (res.status !== 302) throw new Error(`expected a redirect from the ReturnUrl, got ${res.status}: ${await res.text()}`);
  return new URL(res.headers.get('location') as string);
}

export async function payMobile(system: RunningSystem, options: MobilePaymentOptions) {
  const opened = await openMobileWindow(system, options);
  const auth = await authenticateCard(opened, options.card);
  const redirect = await returnToGateway(auth.returnUrl, auth.fields);
  return { ...opened, tid: auth.fields.Tid, redirect, query: Object.fromEntries(redirect.searchParams) };
}
