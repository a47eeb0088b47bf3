/**
 * The ceiling of the lookup benchmark: the least a token-checked JSON route can cost on this
 * machine in this run — a bare Fastify route that verifies an HMAC-signed token and answers 1 KB
 * of JSON. gyeol's `GET /payments/{imp_uid}` is measured against it (issue 10).
 *
 * Prints one JSON line `{url, token}` on stdout once it listens.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import Fastify from 'fastify';

const key = randomBytes(32);
const sign = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url');
const payload = Buffer.from(JSON.stringify({ store: 1, exp: Math.floor(Date.now() / 1000) + 3600 })).toString('base64url');
const token = `${payload}.${sign(payload)}`;

// 1 KB of JSON, about the size of a V1 payment answer.
const body = JSON.stringify({ code: 0, message: null, response: { imp_uid: 'imp_000000000001', filler: 'x'.repeat(940) } });

function verified(header: string | undefined): boolean {
  if (!header) return false;
  const raw = header.startsWith('Bearer ') ? header.slice(7) : header;
  const dot = raw.indexOf('.');
  if (dot < 0) return false;
  const claims = raw.slice(0, dot);
  const given = Buffer.from(raw.slice(dot + 1));
  const expected = Buffer.from(sign(claims));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
  const { exp } = JSON.parse(Buffer.from(claims, 'base64url').toString()) as { exp: number };
  return exp > Date.now() / 1000;
}

const app = Fastify({ logger: false });
app.get('/payments/:impUid', async (request, reply) => {
  if (!verified(request.headers.authorization)) return reply.status(401).send({ code: -1, message: 'Unauthorized', response: null });
  return reply.type('application/json; charset=utf-8').send(body);
});
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ url: address, token })}\n`);
