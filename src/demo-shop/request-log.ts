import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/** Files a browser fetches by itself or a page pulls in: not worth a line each. */
const STATIC_FILE = /^\/(?:favicon\.ico|robots\.txt)$|\.(?:js|css|map|png|svg|ico|woff2?|d\.ts)(?:\?|$)/;

/**
 * One log line per request, written when the response is finished:
 * `GET /order/x 200 3ms` with `method`, `url`, `status`, `ms` fields. Fastify's default is two
 * lines (incoming + completed) plus one for a missing route; at a few requests a second that
 * doubles the log for nothing. Errors of the server's own (5xx) keep their own line with the stack.
 */
export class OneLinePerRequest extends LogController {
  override isLogDisabled(request: FastifyRequest): boolean {
    return STATIC_FILE.test(request.url);
  }

  override incomingRequest(): void {}

  override routeNotFound(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const ms = Math.round(reply.elapsedTime);
    const line = { method: request.method, url: request.url, status: reply.statusCode, ms };
    const msg = `${request.method} ${request.url} ${reply.statusCode} ${ms}ms`;
    if (error) request.log.error({ ...line, err: error }, msg);
    else request.log.info(line, msg);
  }

  override defaultErrorLog(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    // A 4xx is the client's mistake and its request line says enough; a 5xx is ours: keep the stack.
    if (reply.statusCode >= 500) request.log.error({ err: error }, error.message);
  }
}
