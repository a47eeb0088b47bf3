import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export interface RequestLogOptions {
  /** Paths (without query string) that get no log line, e.g. static scripts fetched on every page. */
  quiet?: (path: string) => boolean;
}

/**
 * One info line per answered request: method, path, status and milliseconds. Use with Fastify's
 * `disableRequestLogging: true`, which otherwise logs two lines per request ("incoming request",
 * "request completed"). The query string is left out on purpose: PG return URLs and lookups carry
 * auth keys and order data that do not belong in logs.
 */
export const requestLog = fp<RequestLogOptions>(
  async (app, options) => {
    app.addHook('onResponse', async (request, reply) => {
      const path = pathOf(request);
      if (options.quiet?.(path)) return;
      const ms = Math.round(reply.elapsedTime * 10) / 10;
      request.log.info(
        { method: request.method, url: path, status: reply.statusCode, ms },
        `${request.method} ${path} ${reply.statusCode} ${ms}ms`,
      );
    });
  },
  { name: 'gyeol-request-log', fastify: '5.x' },
);

function pathOf(request: FastifyRequest): string {
  const query = request.url.indexOf('?');
  return query === -1 ? request.url : request.url.slice(0, query);
}
