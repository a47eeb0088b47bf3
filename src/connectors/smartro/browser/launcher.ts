/**
 * Smartro's browser launcher, loaded by the checkout window after `SmartroPAY-1.0.min.js`: builds
 * the `tranMgr` form from the connector's launch data and calls `smartropay.payment`. On PC the
 * library's callback fields go back to the checkout; on mobile Smartro posts to the ReturnUrl
 * itself. The billing window needs no library: its form is posted in this window (the SDK's
 * iframe on PC, the page on mobile), and Smartro posts the result to ReturnURL in the same frame.
 * Imports nothing: it is bundled on its own for the browser.
 */

interface SmartroLaunchData {
  mode: 'STG' | 'REAL';
  fields: Record<string, string>;
}

interface SmartroBillingLaunchData {
  kind: 'billing';
  action: string;
  fields: Record<string, string>;
}

interface LaunchHooks {
  mode: 'pc' | 'mobile';
  /** Hands what the PG window returned to the checkout (posted to its return URL). */
  complete(fields: Record<string, unknown>): void;
  setStatus(text: string, failed?: boolean): void;
}

interface SmartroPay {
  init(options: { mode: string }): void;
  payment(options: { FormId: string; Callback?: (res: Record<string, unknown>) => void }): void;
}

type Launcher = (data: unknown, hooks: LaunchHooks) => void;

function hiddenForm(fields: Record<string, string>): HTMLFormElement {
  const form = document.createElement('form');
  form.method = 'POST';
  form.acceptCharset = 'utf-8';
  for (const [name, value] of Object.entries(fields)) {
    const input = document.createElement('input');
    input.type = 'hidden';
    input.name = name;
    input.value = value;
    form.appendChild(input);
  }
  return form;
}

function openBillingWindow(data: SmartroBillingLaunchData, hooks: LaunchHooks): void {
  const form = hiddenForm(data.fields);
  form.action = data.action;
  form.style.display = 'none';
  document.body.appendChild(form);
  hooks.setStatus('카드 등록 창으로 이동합니다…');
  form.submit();
}

function launchSmartro(raw: unknown, hooks: LaunchHooks): void {
  if ((raw as { kind?: unknown }).kind === 'billing') {
    openBillingWindow(raw as SmartroBillingLaunchData, hooks);
    return;
  }
  const data = raw as SmartroLaunchData;
  const pay = (window as unknown as { smartropay?: SmartroPay }).smartropay;
  if (!pay) {
    hooks.setStatus('PG사 결제창을 불러오지 못했습니다. 잠시 후 다시 시도해 주세요.', true);
    return;
  }
  const form = hiddenForm(data.fields);
  form.id = 'tranMgr';
  form.name = 'tranMgr';
  document.body.appendChild(form);
  pay.init({ mode: data.mode });
  hooks.setStatus('결제창에서 결제를 진행해 주세요.');
  if (hooks.mode === 'mobile') {
    pay.payment({ FormId: 'tranMgr' });
    return;
  }
  pay.payment({ FormId: 'tranMgr', Callback: (res) => hooks.complete(res) });
}

const registry = ((window as unknown as { gyeolLaunchers?: Record<string, Launcher> }).gyeolLaunchers ??= {});
registry.smartro_v2 = launchSmartro;
export {};
