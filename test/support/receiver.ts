import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a test receiver got. */
export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

/**
 * A merchant's webhook endpoint for tests, on 127.0.0.1: records every request and answers as
 * `respond` says (a status, or `hang` to never answer).
 */
export async function startReceiver(respond: (request: Received, index: number) => number | 'hang' = () => 200) {
  const received: Received[] = [];
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const request = { path: req.url ?? '/', headers: req.headers, body, at: Date.now() };
    received.push(request);
    const answer = respond(request, received.length - 1);
    if (answer === 'hang') {
      hanging.add(res);
      return;
    }
    res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer === 200 ? 'OK' : 'not now');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    /** Waits until `predicate` holds for what was received. */
    async until(predicate: (all: Received[]) => boolean, deadlineMs = 10_000): Promise<Received[]> {
      const end = Date.now() + deadlineMs;
      while (!predicate(received)) {
        if (Date.now() > end) throw new Error(`receiver: condition not met; got ${received.length} requests`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return received;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
