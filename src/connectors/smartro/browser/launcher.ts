/**
 * Smartro's browser launcher, loaded by the checkout window after `SmartroPAY-1.0.min.js`: builds
 * the `tranMgr` form from the connector's launch data and calls `smartropay.payment`. On PC the
 * library's callback fields go back to the checkout; on mobile Smartro posts to the ReturnUrl
 * itself. Imports nothing: it is bundled on its own for the browser.
 */

interface SmartroLaunchData {
  mode: 'STG' | 'REAL';
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

function launchSmartro(raw: unknown, hooks: LaunchHooks): void {
  const data = raw as SmartroLaunchData;
  const pay = (window as unknown as { smartropay?: SmartroPay }).smartropay;
  if (!pay) {
    hooks.setStatus('PG사 결제창을 불러오지 못했습니다. 잠시 후 다시 시도해 주세요.', true);
    return;
  }
  const form = document.createElement('form');
  form.id = 'tranMgr';
  form.name = 'tranMgr';
  form.method = 'POST';
  for (const [name, value] of Object.entries(data.fields)) {
    const input = document.createElement('input');
    input.type = 'hidden';
    input.name = name;
    input.value = value;
    form.appendChild(input);
  }
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
