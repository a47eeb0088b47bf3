/**
 * gyeol's browser SDK: `window.IMP`, compatible with PortOne's V1 `iamport.js`.
 * Bundled to `dist/public/iamport.js` and served at `<gateway>/v1/iamport.js`.
 * Self-contained on purpose: imports nothing but its own types. Protocol: docs/checkout-protocol.md.
 *
 * Decisions:
 * - The gateway origin is the origin of this script's `src`, captured at load time; every
 *   request (and the payment window) must be on that origin.
 * - Loading the script twice keeps the first gyeol `IMP` (its `init` state and any open window).
 *   A foreign `IMP` (e.g. PortOne's own SDK loaded earlier) is replaced: the page chose gyeol's
 *   script, and leaving the other in place would send payments elsewhere.
 * - One payment at a time: from the moment a request starts until its result arrives, another
 *   `request_pay` gets `PAYMENT_IN_PROGRESS`. On mobile the page navigates away, so it stays busy.
 * - `deinit()` only forgets the codes; a window that is already open still delivers its result.
 */
import type { Iamport, RequestPayCallback, RequestPayParams, RequestPayResponse } from './iamport';

type Answer = { code?: unknown; message?: unknown; response?: any } | null | undefined;

const RESULT_TYPE = 'gyeol:payment-result';
const TITLE = '결제창';

function findGatewayOrigin(): string | null {
  let src = (document.currentScript as HTMLScriptElement | null)?.src;
  if (!src) {
    const scripts = document.getElementsByTagName('script');
    for (let i = scripts.length - 1; i >= 0 && !src; i--) {
      if (/\/v1\/iamport\.js([?#]|$)/.test(scripts[i].src)) src = scripts[i].src;
    }
  }
  try {
    return src ? new URL(src).origin : null;
  } catch {
    return null;
  }
}

/** POSTs JSON; calls `done` with the parsed answer, or `null` when the request or parse failed. */
function postJson(url: string, body: string, done: (answer: Answer) => void): void {
  const headers = { 'Content-Type': 'application/json' };
  if (typeof fetch == 'function') {
    fetch(url, { method: 'POST', mode: 'cors', credentials: 'omit', headers, body })
      .then((r) => r.json())
      .then(done, () => done(null));
  } else {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('Content-Type', headers['Content-Type']);
    xhr.onload = () => {
      let answer: Answer = null;
      try {
        answer = JSON.parse(xhr.responseText);
      } catch {}
      done(answer);
    };
    xhr.onerror = xhr.onabort = xhr.ontimeout = () => done(null);
    xhr.send(body);
  }
}

/** Shows `src` in a modal iframe; calls `done` with the result the gateway window posts. */
function openOverlay(src: string, gateway: string, done: (result: RequestPayResponse) => void): void {
  const d = document;
  const root = d.documentElement;
  const overflow = root.style.overflow;
  const focused = d.activeElement as HTMLElement | null;
  const overlay = d.createElement('div');
  const box = d.createElement('div');
  const frame = d.createElement('iframe');
  overlay.setAttribute('role', 'dialog');
  overlay.setAttribute('aria-modal', 'true');
  overlay.setAttribute('aria-label', TITLE);
  overlay.style.cssText =
    'position:fixed;top:0;left:0;right:0;bottom:0;margin:0;padding:0;display:flex;align-items:center;justify-content:center;background:rgba(0,0,0,.5);z-index:2147483000';
  box.style.cssText =
    'width:420px;height:640px;max-width:95vw;max-height:95vh;background:#fff;border-radius:8px;overflow:hidden;box-shadow:0 8px 32px rgba(0,0,0,.3)';
  frame.style.cssText = 'display:block;width:100%;height:100%;border:0';
  frame.title = TITLE;
  frame.setAttribute('allow', 'payment');
  frame.src = src;

  const onMessage = (event: MessageEvent) => {
    const data = event.data;
    if (event.origin !== gateway || event.source !== frame.contentWindow || !data || data.type !== RESULT_TYPE) return;
    removeEventListener('message', onMessage);
    overlay.remove();
    root.style.overflow = overflow;
    if (focused && focused.focus) focused.focus();
    done(data.result);
  };
  addEventListener('message', onMessage);
  box.appendChild(frame);
  overlay.appendChild(box);
  d.body.appendChild(overlay);
  root.style.overflow = 'hidden';
  frame.focus();
}

function createIMP(gateway: string | null): Iamport {
  let userCode: string | null = null;
  let tierCode: string | null = null;
  let busy = false;

  const request_pay = (params: RequestPayParams, callback?: RequestPayCallback) =>
    new Promise<RequestPayResponse>((resolve) => {
      const finish = (result: RequestPayResponse) => {
        if (typeof callback == 'function') {
          try {
            callback(result);
          } catch (e) {
            // The merchant's bug must not break the SDK; report it like any uncaught error.
            setTimeout(() => {
              throw e;
            });
          }
        }
        resolve(result);
      };
      const fail = (error_code: string, error_msg: string) =>
        finish({
          success: false,
          imp_success: false,
          imp_uid: null,
          merchant_uid: params && params.merchant_uid != null ? params.merchant_uid : null,
          error_code,
          error_msg,
        });

      if (!userCode) return fail('NOT_INITIALIZED', 'IMP.init(가맹점 식별코드)을 먼저 호출해야 합니다.');
      if (busy) return fail('PAYMENT_IN_PROGRESS', '이미 진행 중인 결제가 있습니다.');
      if (!gateway) return fail('NETWORK_ERROR', '결제 서버 주소를 알 수 없습니다 (iamport.js의 src).');
      const mobile = /Mobi|Android|iPhone|iPad|iPod/i.test(navigator.userAgent);
      let body: string;
      try {
        body = JSON.stringify({ user_code: userCode, params, mode: mobile ? 'mobile' : 'pc', page_url: location.href });
      } catch {
        return fail('INVALID_PARAMETER', 'params를 JSON으로 변환할 수 없습니다.');
      }
      busy = true;
      const end = (result: RequestPayResponse) => {
        busy = false;
        finish(result);
      };
      const endWith = (error_code: string, error_msg: string) => {
        busy = false;
        fail(error_code, error_msg);
      };

      postJson(gateway + '/checkout/sessions', body, (answer) => {
        if (!answer || typeof answer != 'object') return endWith('NETWORK_ERROR', '결제 서버와 통신하지 못했습니다.');
        const response = answer.response;
        if (answer.code !== 0) {
          return response && typeof response == 'object'
            ? end(response)
            : endWith('CHECKOUT_FAILED', typeof answer.message == 'string' ? answer.message : '결제창을 열지 못했습니다.');
        }
        let url: URL | null = null;
        try {
          if (response && typeof response.window_url == 'string') url = new URL(response.window_url, gateway);
        } catch {}
        if (!url || url.origin !== gateway) return endWith('CHECKOUT_FAILED', '결제 서버가 올바른 결제창 주소를 주지 않았습니다.');
        if (mobile) location.href = url.href;
        else openOverlay(url.href, gateway, end);
      });
    });

  const IMP: Iamport & { __gyeol: 1 } = {
    __gyeol: 1,
    init(code) {
      userCode = code;
      tierCode = null;
    },
    agency(code, tier) {
      userCode = code;
      tierCode = tier;
    },
    request_pay,
    deinit() {
      userCode = tierCode = null;
    },
  };
  return IMP;
}

const existing = window.IMP as (Iamport & { __gyeol?: 1 }) | undefined;
if (!existing || !existing.__gyeol) window.IMP = createIMP(findGatewayOrigin());
