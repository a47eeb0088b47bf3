/**
 * Runs inside the gateway's payment window (gateway origin), in two roles:
 * - window page: builds the PG form from the server's launch data and opens the PG window
 *   (Smartro: `smartropay.payment`); on PC the PG callback's fields are posted to the ReturnUrl.
 * - result page: hands the result to the merchant page with postMessage, addressed only to the
 *   merchant origin recorded in the session.
 * No merchant key or secret ever reaches this script: EncryptData is computed server-side.
 */

interface LaunchData {
  mode: 'pc' | 'mobile';
  launch: { kind: 'smartro-js'; scriptUrl: string; mode: 'STG' | 'REAL'; fields: Record<string, string> };
  returnUrl: string;
  stopUrl: string;
}

interface SmartroPay {
  init(options: { mode: string }): void;
  payment(options: { FormId: string; Callback?: (res: Record<string, unknown>) => void }): void;
}

function readJson<T>(id: string): T | null {
  const node = document.getElementById(id);
  if (!node || !node.textContent) return null;
  return JSON.parse(node.textContent) as T;
}

function setStatus(text: string, failed = false): void {
  const node = document.getElementById('gyeol-status');
  if (!node) return;
  node.textContent = text;
  node.className = failed ? 'status fail' : 'status';
}

function post(url: string, fields: Record<string, unknown>): void {
  const form = document.createElement('form');
  form.method = 'POST';
  form.action = url;
  form.style.display = 'none';
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    const input = document.createElement('input');
    input.type = 'hidden';
    input.name = name;
    input.value = String(value);
    form.appendChild(input);
  }
  document.body.appendChild(form);
  form.submit();
}

function openPgWindow(data: LaunchData): void {
  const pay = (window as unknown as { smartropay?: SmartroPay }).smartropay;
  const close = document.getElementById('gyeol-close');
  let finished = false;
  const giveUp = (code: string, msg: string) => {
    if (finished) return;
    finished = true;
    post(data.mode === 'pc' ? data.returnUrl : data.stopUrl, { ResultCode: code, ResultMsg: msg });
  };
  if (close) close.addEventListener('click', () => giveUp('U999', '사용자가 결제를 취소하셨습니다'));
  if (!pay) {
    setStatus('PG사 결제창을 불러오지 못했습니다. 잠시 후 다시 시도해 주세요.', true);
    return;
  }
  const form = document.createElement('form');
  form.id = 'tranMgr';
  form.name = 'tranMgr';
  form.method = 'POST';
  for (const [name, value] of Object.entries(data.launch.fields)) {
    const input = document.createElement('input');
    input.type = 'hidden';
    input.name = name;
    input.value = value;
    form.appendChild(input);
  }
  document.body.appendChild(form);
  pay.init({ mode: data.launch.mode });
  setStatus('결제창에서 결제를 진행해 주세요.');
  if (data.mode === 'mobile') {
    pay.payment({ FormId: 'tranMgr' });
    return;
  }
  pay.payment({
    FormId: 'tranMgr',
    Callback: (res) => {
      if (finished) return;
      finished = true;
      setStatus('결제 결과를 확인하는 중입니다…');
      post(data.returnUrl, res);
    },
  });
}

function deliverResult(data: { result: unknown; targetOrigin: string }): void {
  if (window.parent && window.parent !== window) {
    window.parent.postMessage({ type: 'gyeol:payment-result', result: data.result }, data.targetOrigin);
  }
}

const launch = readJson<LaunchData>('gyeol-launch');
if (launch) openPgWindow(launch);
const result = readJson<{ result: unknown; targetOrigin: string }>('gyeol-result');
if (result) deliverResult(result);
