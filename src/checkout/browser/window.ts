/**
 * Runs inside the gateway's payment window (gateway origin), in two roles:
 * - window page: hands the server's launch data to the channel connector's launcher (loaded
 *   before this script, registered in `window.gyeolLaunchers`), which opens the PG's own window;
 *   what the PG window returns is posted to the return URL. This script knows no PG.
 * - result page: hands the result to the merchant page with postMessage, addressed only to the
 *   merchant origin recorded in the session.
 * No merchant key or secret ever reaches this script.
 */

interface LaunchData {
  mode: 'pc' | 'mobile';
  launch: { launcher: string; data: unknown };
  returnUrl: string;
  stopUrl: string;
}

interface LaunchHooks {
  mode: 'pc' | 'mobile';
  complete(fields: Record<string, unknown>): void;
  setStatus(text: string, failed?: boolean): void;
}

type Launcher = (data: unknown, hooks: LaunchHooks) => void;

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
  let finished = false;
  const once = (url: string, fields: Record<string, unknown>) => {
    if (finished) return;
    finished = true;
    post(url, fields);
  };
  const close = document.getElementById('gyeol-close');
  // Closing the window is the gateway's own abort, whatever the PG.
  if (close) close.addEventListener('click', () => once(data.mode === 'pc' ? data.returnUrl : data.stopUrl, { gyeol_abort: '1' }));
  const launcher = (window as unknown as { gyeolLaunchers?: Record<string, Launcher> }).gyeolLaunchers?.[data.launch.launcher];
  if (!launcher) {
    setStatus('PG사 결제창을 불러오지 못했습니다. 잠시 후 다시 시도해 주세요.', true);
    return;
  }
  launcher(data.launch.data, {
    mode: data.mode,
    complete: (fields) => {
      setStatus('결제 결과를 확인하는 중입니다…');
      once(data.returnUrl, fields);
    },
    setStatus,
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
export {};
