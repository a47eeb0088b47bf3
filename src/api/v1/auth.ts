import type { FastifyRequest } from 'fastify';

/**
 * The access token of a V1 request. V1 clients send it three ways and all are accepted:
 * `Authorization: Bearer <t>` (current docs), `Authorization: <t>` (official samples, Python
 * client) and the legacy `X-ImpTokenHeader: <t>`.
 */
export function accessTokenOf(request: FastifyRequest): string | null {
  const authorization = request.headers.authorization?.trim();
  if (authorization) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization);
    return (match ? match[1] : authorization).trim() || null;
  }
  const legacy = request.headers['x-imptokenheader'];
  const value = Array.isArray(legacy) ? legacy[0] : legacy;
  return value?.trim() || null;
}
