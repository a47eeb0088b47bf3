// Shared by the simulator tests only; nothing in production imports it.

/** Reads `<input type="hidden" name=… value=…>` pairs out of a simulator page. */
export function hiddenFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    out[m[1]] = m[2].replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  }
  return out;
}

export interface CardEntry {
  number: string;
  company?: string;
  expiry?: string;
  quota?: string;
}

/**
 * Does what a buyer does in the window, with plain form POSTs: opens it with the tranMgr
 * fields, then submits the card form.
 * @returns the Tid and TrAuthKey the window hands back
 */
export async function authenticate(
  simUrl: string,
  tranMgr: Record<string, string>,
  card: CardEntry,
  channel: 'pc' | 'mobile' = 'mobile',
): Promise<{ Tid: string; TrAuthKey: string }> {
  const opened = await fetch(`${simUrl}/payment/auth`, {
    method: 'POST',
    body: new URLSearchParams({ ...tranMgr, SimChannel: channel }),
  });
  const page = await opened.text();
  if (opened.status !== 200) throw new Error(`window did not open (${opened.status}): ${page.slice(0, 500)}`);
  const { AuthId } = hiddenFields(page);
  const paid = await fetch(`${simUrl}/payment/auth/card`, {
    method: 'POST',
    body: new URLSearchParams({
      AuthId,
      Action: 'pay',
      CardCompany: card.company ?? '12',
      CardNo: card.number,
      Expiry: card.expiry ?? '12/39',
      Quota: card.quota ?? '00',
    }),
  });
  const result = hiddenFields(await paid.text());
  if (!result.Tid || !result.TrAuthKey) throw new Error(`no Tid/TrAuthKey (status ${paid.status})`);
  return { Tid: result.Tid, TrAuthKey: result.TrAuthKey };
}
