import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * CORS for endpoints any merchant page may call (the checkout session API): the caller's origin
 * is echoed back. No cookies are involved, so credentials are never allowed, and `Vary: Origin`
 * keeps caches from handing one merchant's answer to another.
 */
export function corsHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('Access-Control-Allow-Origin', request.headers.origin ?? '*');
  reply.header('Vary', 'Origin');
}
