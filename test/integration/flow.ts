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

/** Authenticates a card in the simulator's window; returns the fields it posts to the ReturnUrl. */
export async function authenticateCard(opened: OpenedWindow, card: string): Promise<{ returnUrl: string; fields: Record<string, string> }> {
  const simOrigin = new URL(opened.scriptUrl).origin;
  const windowPage = await (await fetch(`${simOrigin}/payment/auth`, form({ ...opened.fields, SimChannel: 'mobile' }))).text();
  const authId = /name="AuthId" value="([^"]+)"/.exec(windowPage)?.[1];
  const company = /<select id="CardCompany" name="CardCompany"[^>]*>[\s\S]*?<option value="([^"]+)"/.exec(windowPage)?.[1];
  if (!authId || !company) throw new Error(`simulator window not understood:\n${windowPage}`);
  const done = await (
    await fetch(`${simOrigin}/payment/auth/card`, form({ AuthId: authId, CardCompany: company, CardNo: card, Expiry: '12/39', Quota: '00', Action: 'pay' }))
  ).text();
  const action = /<form[^>]*action="([^"]+)"/.exec(done)?.[1];
  const fields = hiddenFields(done);
  if (!action || !fields.Tid || !fields.TrAuthKey) throw new Error(`simulator did not authenticate:\n${done}`);
  return { returnUrl: decodeEntities(action), fields };
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
