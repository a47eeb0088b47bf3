/**
 * gyeol's one outbound HTTP client to merchant servers (webhooks, the confirm step), on node:http
 * and node:https directly so every rule below is visible in one place:
 *
 * - only `http:` and `https:` URLs;
 * - the host is resolved once and the connection goes to exactly that address (a `lookup` that
 *   answers it), so a DNS answer cannot change between the check and the connect;
 * - never to the gateway itself: a local address (loopback, unspecified, one of this machine's
 *   interfaces) on a port the gateway listens on is refused — other local services stay reachable;
 * - no redirect is followed (a 3xx is just a status);
 * - a connect timeout (DNS + TCP + TLS), then a read timeout until the whole answer is read;
 * - the answer body is read up to a size cap, then the connection is dropped;
 * - by default each call on its own connection (no keep-alive), so a merchant server closing idle
 *   sockets never breaks a call. Calls that may reach the receiver twice (webhooks: at least once,
 *   one webhook-id) ask for `keepAlive`: a pooled connection per origin (node's Agent), idle ones
 *   closed after KEEP_ALIVE_IDLE_MS (or sooner when the server's `Keep-Alive: timeout` says so), and
 *   a call whose reused connection fails before any answer (the server closed it meanwhile) is
 *   sent once more on a new connection. The checks above run on every call either way.
 *
 * It satisfies `OutboundHttp` of services/deps.ts structurally (http/ imports domain only, DESIGN §3);
 * the composition root assigns it to `ServiceDeps.outbound`, which type-checks the match.
 */
import type { LookupAddress } from 'node:dns';
import dns from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import net, { BlockList, type LookupFunction } from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';

export interface OutboundOptions {
  /** Where the gateway listens (host as bound, e.g. `127.0.0.1` or `0.0.0.0`, and port). */
  selfAddresses: () => { host: string; port: number }[];
}

export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  connectTimeoutMs: number;
  readTimeoutMs: number;
  maxResponseBytes: number;
  keepAlive?: boolean;
}

export type OutboundError = 'refused' | 'connect-timeout' | 'read-timeout' | 'network';

export type OutboundResult =
  | { ok: true; status: number; body: string; latencyMs: number }
  | { ok: false; error: OutboundError; message: string; latencyMs: number };

export interface OutboundClient {
  post(request: OutboundRequest): Promise<OutboundResult>;
}

/** Addresses that always mean "this machine": loopback and unspecified (0.0.0.0/8, ::). */
const LOOPBACK_OR_UNSPECIFIED = new BlockList();
LOOPBACK_OR_UNSPECIFIED.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK_OR_UNSPECIFIED.addSubnet('0.0.0.0', 8, 'ipv4');
LOOPBACK_OR_UNSPECIFIED.addAddress('::1', 'ipv6');
LOOPBACK_OR_UNSPECIFIED.addAddress('::', 'ipv6');

type Family = 'ipv4' | 'ipv6';
const familyOf = (address: string): Family => (net.isIPv6(address) ? 'ipv6' : 'ipv4');
const unbracket = (host: string): string => host.replace(/^\[(.*)\]$/, '$1');

function isLoopbackOrUnspecified(address: string): boolean {
  return LOOPBACK_OR_UNSPECIFIED.check(address, familyOf(address));
}

/** Equal addresses, `::ffff:a.b.c.d` and `a.b.c.d` included. */
function sameAddress(a: string, b: string): boolean {
  const list = new BlockList();
  list.addAddress(b, familyOf(b));
  return list.check(a, familyOf(a));
}

/** This machine's interface addresses, read on every check (interfaces come and go). */
function isInterfaceAddress(address: string): boolean {
  for (const infos of Object.values(os.networkInterfaces())) {
    for (const info of infos ?? []) {
      if (sameAddress(address, info.address)) return true;
    }
  }
  return false;
}

/** How long a pooled connection may stay idle (servers commonly close theirs after 5 s). */
export const KEEP_ALIVE_IDLE_MS = 4_000;

export function createOutboundHttp(options: OutboundOptions): OutboundClient {
  // One pool per protocol, keyed by origin inside (node's Agent); idle sockets do not keep the process alive.
  const agents = {
    http: new http.Agent({ keepAlive: true, timeout: KEEP_ALIVE_IDLE_MS, maxFreeSockets: 256, scheduling: 'lifo' }),
    https: new https.Agent({ keepAlive: true, timeout: KEEP_ALIVE_IDLE_MS, maxFreeSockets: 256, scheduling: 'lifo' }),
  };

  /** True when `address:port` is the gateway itself. */
  async function isSelf(address: string, port: number): Promise<boolean> {
    if (!isLoopbackOrUnspecified(address) && !isInterfaceAddress(address)) return false;
    for (const self of options.selfAddresses()) {
      if (self.port !== port) continue;
      const host = unbracket(self.host);
      let hosts: string[];
      if (net.isIP(host)) hosts = [host];
      else {
        try {
          hosts = (await dns.lookup(host, { all: true })).map((a) => a.address);
        } catch {
          // The gateway's own host name does not resolve: a local address on its port is refused anyway.
          return true;
        }
      }
      if (hosts.some((h) => isLoopbackOrUnspecified(h) || sameAddress(h, address))) return true;
    }
    return false;
  }

  return {
    async post(request: OutboundRequest): Promise<OutboundResult> {
      const started = performance.now();
      const latencyMs = () => Math.round(performance.now() - started);
      const failure = (error: OutboundError, message: string): OutboundResult => ({ ok: false, error, message, latencyMs: latencyMs() });

      let url: URL;
      try {
        url = new URL(request.url);
      } catch {
        return failure('refused', '올바른 URL이 아닙니다 (invalid URL)');
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        return failure('refused', `http 또는 https URL만 호출할 수 있습니다 (${url.protocol})`);
      }
      const secure = url.protocol === 'https:';
      const hostname = unbracket(url.hostname);
      const port = url.port ? Number(url.port) : secure ? 443 : 80;

      // DNS is part of connecting: it spends the connect budget too.
      const lookup = await withinMs(dns.lookup(hostname, { all: true }), request.connectTimeoutMs);
      if (lookup === TIMED_OUT) return failure('connect-timeout', `연결 시간 초과: 이름 조회 (${request.connectTimeoutMs}ms)`);
      if (lookup instanceof Error) return failure('network', `주소를 찾을 수 없습니다 (${errorName(lookup)})`);
      if (lookup.length === 0) return failure('network', `주소를 찾을 수 없습니다 (${hostname})`);
      const address = lookup[0];
      if (await isSelf(address.address, port)) {
        return failure('refused', `게이트웨이 자신의 주소로는 보낼 수 없습니다 (${address.address}:${port})`);
      }
      const connectMs = Math.max(1, request.connectTimeoutMs - latencyMs());

      // The connection goes to the address just checked, whatever DNS would answer now.
      const pinned: LookupFunction = (_host, lookupOptions, callback) => {
        if (lookupOptions.all) (callback as (err: null, addresses: LookupAddress[]) => void)(null, [address]);
        else callback(null, address.address, address.family);
      };
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (name.toLowerCase() !== 'content-length') headers[name] = value;
      }
      headers['content-length'] = String(Buffer.byteLength(request.body));

      const send = (reuse: boolean): Promise<OutboundResult> =>
        new Promise<OutboundResult>((resolve) => {
          let settled = false;
          let answered = false;
          let timer: NodeJS.Timeout | undefined;
          const finish = (result: OutboundResult, keepConnection = false) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve(result);
            // Also how reading stops at the size cap: the rest of the answer is never read.
            // A complete answer on a pooled connection leaves it to the pool.
            if (!keepConnection) req.destroy();
          };
          const req = (secure ? https : http).request({
            protocol: url.protocol,
            hostname,
            port,
            path: `${url.pathname}${url.search}`,
            method: 'POST',
            headers,
            auth: url.username ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined,
            lookup: pinned,
            // Pooled per origin, or a connection of its own closed after the answer.
            agent: reuse ? (secure ? agents.https : agents.http) : false,
          });
          const readTimer = () => {
            clearTimeout(timer);
            timer = setTimeout(() => finish(failure('read-timeout', `응답 시간 초과 (${request.readTimeoutMs}ms)`)), request.readTimeoutMs);
          };
          timer = setTimeout(() => finish(failure('connect-timeout', `연결 시간 초과 (${request.connectTimeoutMs}ms)`)), connectMs);
          req.on('socket', (socket) => {
            // A pooled connection is connected already; for https the TLS handshake is part of connecting.
            if (req.reusedSocket) readTimer();
            else socket.once(secure ? 'secureConnect' : 'connect', readTimer);
          });
          req.on('response', (res) => {
            answered = true;
            const chunks: Buffer[] = [];
            let size = 0;
            const done = (complete: boolean) =>
              finish({ ok: true, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), latencyMs: latencyMs() }, complete && reuse);
            res.on('data', (chunk: Buffer) => {
              if (size + chunk.length > request.maxResponseBytes) {
                chunks.push(chunk.subarray(0, request.maxResponseBytes - size));
                size = request.maxResponseBytes;
                done(false);
                return;
              }
              chunks.push(chunk);
              size += chunk.length;
            });
            res.on('end', () => done(true));
            res.on('error', (err) => finish(failure('network', `응답을 끝까지 읽지 못했습니다 (${errorName(err)})`)));
          });
          req.on('error', (err) => {
            // A pooled connection the server closed while it was idle: once more on a new one.
            if (req.reusedSocket && !answered && !settled) {
              settled = true;
              clearTimeout(timer);
              req.destroy();
              resolve(send(false));
              return;
            }
            finish(failure('network', `연결 오류 (${errorName(err)})`));
          });
          req.end(request.body);
        });
      return send(request.keepAlive === true);
    },
  };
}

const TIMED_OUT = Symbol('timed out');

/** The promise's value (or its error) if it settles within `ms`, else TIMED_OUT. */
async function withinMs<T>(promise: Promise<T>, ms: number): Promise<T | Error | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  try {
    return await Promise.race([promise.catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function errorName(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code ? `${code}: ${err.message}` : err.message;
}
