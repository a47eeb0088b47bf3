import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors';
import { unsupportedApi } from './unsupported';

/**
 * What a V1 request no route matched gets instead of the plain 404: 501 for a V1 path gyeol does
 * not serve (unsupported.ts), 405 with `Allow` when the path is served for other methods.
 * Routes are recorded as they are registered (`onRoute`), so call this before registering them.
 */
export function v1NotFound(app: FastifyInstance): (request: FastifyRequest, reply: FastifyReply) => AppError | null {
  const routes: { methods: string[]; pattern: RegExp }[] = [];
  app.addHook('onRoute', (route) => {
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).map((m) => m.toUpperCase());
    const pattern = new RegExp(
      `^${route.url
        .replace(/[.+?^$()|[\]\\{}]/g, '\\$&')
        .replace(/:[A-Za-z0-9_]+/g, '[^/]+')
        .replace(/\*/g, '.*')}$`,
    );
    routes.push({ methods, pattern });
  });
  return (request, reply) => {
    const path = request.url.split('?')[0];
    const unsupported = unsupportedApi(request.method, path);
    if (unsupported) return new AppError('API_NOT_SUPPORTED', { message: unsupported.message });
    const allowed = new Set(routes.filter((r) => r.pattern.test(path)).flatMap((r) => r.methods));
    allowed.delete('HEAD');
    if (allowed.size > 0 && !allowed.has(request.method)) {
      reply.header('Allow', [...allowed].sort().join(', '));
      return new AppError('METHOD_NOT_ALLOWED');
    }
    return null;
  };
}
