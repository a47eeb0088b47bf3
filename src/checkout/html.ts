/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** JSON safe to embed in `<script type="application/json">` (no `</script>` breakout). */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

export const WINDOW_STYLES = `
*{box-sizing:border-box}
body{margin:0;font-family:-apple-system,BlinkMacSystemFont,"Apple SD Gothic Neo","Malgun Gothic","Noto Sans KR",sans-serif;color:#1f2937;background:#fff}
header{display:flex;align-items:center;justify-content:space-between;padding:14px 18px;border-bottom:1px solid #e5e7eb}
header h1{font-size:16px;margin:0}
main{padding:18px}
dl{display:grid;grid-template-columns:auto 1fr;gap:8px 16px;margin:0 0 16px}
dt{color:#6b7280}dd{margin:0;text-align:right;font-weight:600}
.status{padding:14px;border-radius:8px;background:#f3f4f6}
.status.ok{background:#ecfdf5;color:#065f46}.status.fail{background:#fef2f2;color:#991b1b}
button{font:inherit;padding:10px 16px;border-radius:8px;border:1px solid #d1d5db;background:#fff;cursor:pointer}
`;

export function windowPage(options: { title: string; body: string; head?: string; scripts?: string[] }): string {
  const scripts = (options.scripts ?? []).map((src) => `<script src="${escapeHtml(src)}"></script>`).join('\n');
  return `<!doctype html>
<html lang="ko">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<style>${WINDOW_STYLES}</style>
${options.head ?? ''}
</head>
<body>
${options.body}
${scripts}
</body>
</html>`;
}
