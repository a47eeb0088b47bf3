/**
 * The simulator's `SmartroPAY-1.0.min.js`: `window.smartropay = { init, payment }`, the two
 * calls a merchant page makes on Smartro's real library. Bundled on its own (IIFE) and served
 * by the simulator; it imports nothing.
 *
 * PC (`payment({FormId, Callback})`): opens the window in an iframe overlay on this page and
 * calls `Callback({Tid, TrAuthKey})`, or `Callback({ResultCode, ResultMsg})` when the buyer
 * gives up. Mobile (`payment({FormId})`): submits the form top-level; the simulator later
 * POSTs `Tid` and `TrAuthKey` to the form's ReturnUrl (or the abort to StopUrl).
 */

interface PaymentOptions {
  FormId: string;
  Callback?: (result: Record<string, string>) => void;
}

interface SmartroPay {
  init(options?: { mode?: string }): void;
  payment(options: PaymentOptions): void;
}

// The simulator's origin comes from this script's own URL, read while it first runs
// (document.currentScript is null afterwards).
const scriptSrc = (document.currentScript as HTMLScriptElement | null)?.src ?? '';
const simOrigin = scriptSrc ? new URL(scriptSrc, location.href).origin : location.origin;

let mode = 'STG';
let closeOpenWindow: (() => void) | null = null;

function setHidden(form: HTMLFormElement, name: string, value: string): HTMLInputElement {
  const existing = form.querySelector<HTMLInputElement>(`input[name="${name}"]`);
  if (existing) existing.remove();
  const input = document.createElement('input');
  input.type = 'hidden';
  input.name = name;
  input.value = value;
  form.appendChild(input);
  return input;
}

/** Submits the form to the simulator without leaving the form changed for the page's own use. */
function submitTo(form: HTMLFormElement, target: string, channel: 'pc' | 'mobile'): void {
  const saved = { action: form.getAttribute('action'), method: form.getAttribute('method'), target: form.getAttribute('target') };
  const added = [setHidden(form, 'SimChannel', channel), setHidden(form, 'SimMode', mode)];
  form.setAttribute('action', `${simOrigin}/payment/auth`);
  form.setAttribute('method', 'post');
  form.setAttribute('accept-charset', 'utf-8');
  form.setAttribute('target', target);
  form.submit();
  // The entry list is built synchronously by submit(), so the form can be restored at once.
  for (const input of added) input.remove();
  for (const name of Object.keys(saved) as (keyof typeof saved)[]) {
    const value = saved[name];
    if (value === null) form.removeAttribute(name);
    else form.setAttribute(name, value);
  }
}

function openOverlay(form: HTMLFormElement, callback: (result: Record<string, string>) => void): void {
  closeOpenWindow?.();
  const frameName = `smartropay_${Math.random().toString(36).slice(2)}`;

  const overlay = document.createElement('div');
  overlay.setAttribute('role', 'dialog');
  overlay.setAttribute('aria-label', '스마트로 결제창');
  overlay.style.cssText =
    'position:fixed;top:0;left:0;right:0;bottom:0;z-index:2147483647;background:rgba(0,0,0,.55);display:flex;align-items:center;justify-content:center;';

  const frame = document.createElement('iframe');
  frame.name = frameName;
  frame.title = '스마트로 결제창';
  frame.style.cssText = 'width:440px;max-width:100vw;height:720px;max-height:100vh;border:0;border-radius:12px;background:#fff;';

  const close = document.createElement('button');
  close.type = 'button';
  close.textContent = '×';
  close.setAttribute('aria-label', '결제창 닫기');
  close.style.cssText =
    'position:absolute;top:12px;right:12px;width:40px;height:40px;border:0;border-radius:20px;font-size:24px;background:#fff;cursor:pointer;';

  overlay.appendChild(frame);
  overlay.appendChild(close);
  document.body.appendChild(overlay);

  let finished = false;
  const finish = (result: Record<string, string>) => {
    if (finished) return;
    finished = true;
    window.removeEventListener('message', onMessage);
    overlay.remove();
    closeOpenWindow = null;
    callback(result);
  };
  // Only the window we opened, from the simulator's origin, may end the payment.
  const onMessage = (event: MessageEvent) => {
    if (event.origin !== simOrigin || event.source !== frame.contentWindow) return;
    const data = event.data as Record<string, unknown> | null;
    if (!data || data.type !== 'smartropay:result') return;
    const result: Record<string, string> = {};
    for (const key of Object.keys(data)) {
      const value = data[key];
      if (key !== 'type' && typeof value === 'string') result[key] = value;
    }
    finish(result);
  };
  window.addEventListener('message', onMessage);
  close.addEventListener('click', () => finish({ ResultCode: 'U999', ResultMsg: '사용자가 결제를 취소하셨습니다' }));
  closeOpenWindow = () => finish({ ResultCode: 'U999', ResultMsg: '사용자가 결제를 취소하셨습니다' });

  submitTo(form, frameName, 'pc');
}

const smartropay: SmartroPay = {
  init(options) {
    if (options?.mode) mode = options.mode;
  },
  payment(options) {
    const form = document.getElementById(options?.FormId ?? '');
    if (!(form instanceof HTMLFormElement)) throw new Error(`smartropay.payment: form #${options?.FormId} not found`);
    if (typeof options.Callback === 'function') openOverlay(form, options.Callback);
    else submitTo(form, '_self', 'mobile');
  },
};

(window as unknown as { smartropay: SmartroPay }).smartropay = smartropay;

// A module, so that its names stay out of the global scope of the type checker.
export {};
