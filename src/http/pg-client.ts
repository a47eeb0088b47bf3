/**
 * The HTTP client gyeol's PG calls go through (`ConnectorContext.fetch`), on node:http and
 * node:https with keep-alive agents, instead of the global `fetch`.
 *
 * Why (issue 10, docs/performance.md): a PG call through undici's `fetch` cost more of the gateway's
 * CPU than anything else of a billing charge but SQLite — web streams for a body that is a short
 * string, a `Response` object, its `Headers`, the request body written apart from its headers.
 * The connector executor needs none of it: a status and the whole answer as text.
 *
 * What stays as `fetch` had it: connections are kept alive and reused, and closed after
 * {@link IDLE_MS} idle — undici's default, which the global `fetch` used (shorter than any server's
 * keep-alive, so a PG closing an idle connection does not break the next call); the caller's
 * `signal` bounds the whole call, connecting, sending and reading the answer to its end, and the
 * rejection is the signal's reason (a `TimeoutError` for `AbortSignal.timeout`), so the executor
 * classifies it the same; socket errors reject with Node's error and its `code` (`ECONNREFUSED`
 * for a call that never reached the PG); a string body is sent with its `Content-Length`, in one
 * write with the headers; the answer is decoded as UTF-8 (a byte order mark dropped).
 *
 * What differs: a redirect is not followed (a 3xx is the answer: a PG API that redirects is a
 * fault, and a billing key must not be re-sent to another address).
 *
 * It satisfies `ConnectorContext['fetch']` of connectors/contract.ts structurally (http/ imports
 * domain only, DESIGN §3); the composition root assigns it, which type-checks the match.
 */
import http from 'node:http';
import https from 'node:https';

/** How long an idle connection is kept for the next call (undici's default keep-alive timeout). */
export const IDLE_MS = 4_000;

export interface PgHttpInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export interface PgHttpAnswer {
  status: number;
  /** The whole answer, already read. */
  text(): Promise<string>;
}

export interface PgHttpClient {
  fetch(url: string, init: PgHttpInit): Promise<PgHttpAnswer>;
  /** Closes the connections kept idle (calls in flight go on). */
  closeIdle(): void;
}

const BOM = '\uFEFF';

export function createPgHttpClient(): PgHttpClient {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, timeout: IDLE_MS }),
    'https:': new https.Agent({ keepAlive: true, timeout: IDLE_MS }),
  };

  const fetch = (url: string, init: PgHttpInit): Promise<PgHttpAnswer> =>
    new Promise<PgHttpAnswer>((resolve, reject) => {
      const { signal } = init;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const secure = url.startsWith('https:');
      if (!secure && !url.startsWith('http:')) {
        reject(new TypeError(`only http: and https: PG URLs are supported: ${url}`));
        return;
      }
      const body = init.body === undefined ? undefined : Buffer.from(init.body, 'utf8');
      const headers = body === undefined ? init.headers : { ...init.headers, 'Content-Length': String(body.length) };
      let settled = false;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        reject(err);
      };
      const request = (secure ? https : http).request(url, { method: init.method, headers, agent: agents[secure ? 'https:' : 'http:'] }, (response) => {
        const chunks: Buffer[] = [];
        let ended = false;
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', fail);
        response.on('end', () => {
          ended = true;
          if (settled) return;
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          let text = Buffer.concat(chunks).toString('utf8');
          if (text.startsWith(BOM)) text = text.slice(1);
          resolve({ status: response.statusCode ?? 0, text: async () => text });
        });
        response.on('close', () => {
          if (!ended) fail(Object.assign(new Error('the PG closed the connection before its answer ended'), { code: 'ECONNRESET' }));
        });
      });
      const onAbort = () => {
        const reason: unknown = signal!.reason;
        fail(reason);
        request.destroy(reason instanceof Error ? reason : new Error(String(reason)));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      request.on('error', fail);
      request.end(body);
    });

  return {
    fetch,
    closeIdle() {
      for (const agent of Object.values(agents)) {
        for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
      }
    },
  };
}
