import { gzipSync } from 'node:zlib';
import { runLoad } from '../harness';
import { durationS, gateway, smallRows, type BenchmarkOutput, type Check } from '../common';

export async function frontEndBenchmarks(): Promise<BenchmarkOutput> {
  return { checks: await frontEnd() };
}

/** 6. Front end: the SDK's and the checkout window's gzipped size, and the window page's time. */
async function frontEnd(): Promise<Check[]> {
  const gz = (text: string | Buffer) => gzipSync(text, { level: 9 }).length;
  const server = await gateway('sqlite', smallRows);
  try {
    const { url, shopUrl, impCode, channelKey } = server.info;
    const sdk = await (await fetch(`${url}/v1/iamport.js`)).text();
    const session = await fetch(`${url}/checkout/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: shopUrl },
      body: JSON.stringify({
        user_code: impCode,
        mode: 'pc',
        page_url: `${shopUrl}/`,
        params: { channelKey, pay_method: 'card', merchant_uid: `bench${Date.now()}`, name: '결 머그컵', amount: 1004, buyer_name: '홍길동', buyer_tel: '010-1234-5678', buyer_email: 'buyer@example.com' },
      }),
    });
    const opened = (await session.json()) as { code: number; message: string; response: { window_url: string } };
    if (opened.code !== 0) throw new Error(`checkout session refused: ${opened.message}`);
    const windowUrl = opened.response.window_url;
    const page = await (await fetch(windowUrl)).text();
    // gyeol's own window: the page (with its inline CSS) and the gyeol scripts it loads; the PG's own library is the PG's.
    const ownScripts = [...page.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&')).filter((src) => src.startsWith('/') || src.startsWith(url));
    let windowBytes = gz(page);
    for (const src of ownScripts) windowBytes += gz(await (await fetch(new URL(src, url))).text());
    const pageLoad = await runLoad({ url: windowUrl, connections: 1, durationS: Math.min(durationS, 5) });
    if (pageLoad.non2xx > 0 || pageLoad.errors > 0) throw new Error(`the window page failed under load (${pageLoad.non2xx} non-2xx, ${pageLoad.errors} errors)`);
    return [
      { benchmark: 'front end', what: '/v1/iamport.js gzipped', value: gz(sdk), unit: 'bytes', goal: '≤ 5 KB', met: gz(sdk) <= 5 * 1024 },
      { benchmark: 'front end', what: `checkout window (HTML+CSS+${ownScripts.length} scripts) gzipped`, value: windowBytes, unit: 'bytes', goal: '≤ 30 KB', met: windowBytes <= 30 * 1024 },
      // autocannon's percentiles are whole milliseconds: the mean over one connection is the finer figure (an upper bound of the server's time).
      { benchmark: 'front end', what: 'window page, mean latency (1 connection, loopback)', value: pageLoad.meanMs, unit: 'ms', goal: '≤ 2 ms median', met: pageLoad.meanMs <= 2 },
    ];
  } finally {
    await server.stop();
  }
}
