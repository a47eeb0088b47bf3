import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERRORS, type ErrorCode } from '../domain/errors';

/**
 * Every V1 REST answer: `{code, message, response}`; `code: 0` and `message: null` on success, or
 * a message when a success is not final yet (a virtual-account refund waiting for the PG).
 */
export interface V1Envelope<T> {
  code: number;
  message: string | null;
  response: T | null;
}

export function ok<T>(response: T, message: string | null = null): V1Envelope<T> {
  return { code: 0, message, response };
}

export function sendError(reply: FastifyReply, error: AppError): FastifyReply {
  const body: V1Envelope<null> = { code: error.v1Code, message: error.message, response: null };
  return reply.status(error.status).send(body);
}

type AjvIssue = { instancePath?: string; keyword?: string; params?: Record<string, unknown>; message?: string };

/** Turns a schema validation failure into a Korean message naming the field and the rule. */
export function describeValidation(issues: AjvIssue[], context: string | undefined): string {
  const seen = new Set<string>();
  return issues
    .map((issue) => {
      const base = (issue.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
      const missing = issue.params?.missingProperty;
      const field = typeof missing === 'string' ? (base ? `${base}.${missing}` : missing) : base || context || 'body';
      // One message per field: the first rule it breaks.
      if (seen.has(field)) return null;
      seen.add(field);
      switch (issue.keyword) {
        case 'required':
          return `${field}: 필수 입력값입니다`;
        case 'type':
          return `${field}: ${String(issue.params?.type)} 타입이어야 합니다`;
        case 'enum':
          return `${field}: 허용된 값(${(issue.params?.allowedValues as unknown[] | undefined)?.join(', ')}) 중 하나여야 합니다`;
        case 'minLength':
          return `${field}: 최소 ${String(issue.params?.limit)}자 이상이어야 합니다`;
        case 'maxLength':
          return `${field}: 최대 ${String(issue.params?.limit)}자까지 입력할 수 있습니다`;
        case 'pattern':
          return `${field}: 형식이 올바르지 않습니다`;
        case 'minimum':
          return `${field}: ${String(issue.params?.limit)} 이상이어야 합니다`;
        case 'maximum':
          return `${field}: ${String(issue.params?.limit)} 이하여야 합니다`;
        case 'maxItems':
          return `${field}: 최대 ${String(issue.params?.limit)}개까지 입력할 수 있습니다`;
        default:
          return `${field}: ${issue.message ?? '올바르지 않은 값입니다'}`;
      }
    })
    .filter((line): line is string => line !== null)
    .join(' / ');
}

/** Maps whatever a handler or Fastify itself threw to an AppError. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const fe = err as FastifyError & { validation?: AjvIssue[]; validationContext?: string };
  if (fe && Array.isArray(fe.validation)) {
    return new AppError('INVALID_PARAMETER', { message: describeValidation(fe.validation, fe.validationContext) });
  }
  const byFastifyCode: Record<string, ErrorCode> = {
    FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_PARAMETER',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_PARAMETER',
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
    FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_PARAMETER',
  };
  // The router's own refusals (frameworkErrors): a path segment past maxParamLength, a bad %-escape.
  if (fe?.code === 'FST_ERR_MAX_PARAM_LENGTH') return new AppError('URI_TOO_LONG');
  if (fe?.code === 'FST_ERR_BAD_URL') {
    return new AppError('INVALID_PARAMETER', { message: '요청 URL을 해석할 수 없습니다 (퍼센트 인코딩(%XX)이 올바르지 않습니다)' });
  }
  const mapped = fe?.code ? byFastifyCode[fe.code] : undefined;
  if (mapped === 'INVALID_PARAMETER') return new AppError(mapped, { message: '요청 본문을 해석할 수 없습니다 (올바른 JSON 또는 form 형식이어야 합니다)' });
  if (mapped) return new AppError(mapped);
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new AppError('INVALID_PARAMETER', { message: ERRORS.INVALID_PARAMETER.message });
  }
  return new AppError('INTERNAL', { cause: err });
}

/** The V1 error handler: whatever was thrown answers in the envelope; unexpected errors are logged. */
export function v1ErrorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const error = toAppError(err);
  if (error.code === 'INTERNAL') request.log.error({ err }, 'unhandled error');
  return sendError(reply, error);
}

/**
 * One error handler and one not-found handler for the V1 API: always the envelope. `notFound`
 * may name a better answer than 404 for a request no route matched (405, 501), or null for the 404.
 */
export function installV1ErrorHandling(app: FastifyInstance, notFound: (request: FastifyRequest, reply: FastifyReply) => AppError | null = () => null): void {
  app.setErrorHandler(v1ErrorHandler);
  app.setNotFoundHandler((request, reply) => sendError(reply, notFound(request, reply) ?? new AppError('ROUTE_NOT_FOUND')));
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 431: 'Request Header Fields Too Large' };

/**
 * What Node's HTTP parser refuses before Fastify sees a request (headers over its limit, a
 * malformed request line) answers in the V1 envelope too, then the connection closes: Fastify's
 * `clientErrorHandler`.
 */
export function v1ClientErrorHandler(error: Error & { code?: string }, socket: import('node:net').Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const appError = new AppError(error.code === 'HPE_HEADER_OVERFLOW' ? 'HEADERS_TOO_LARGE' : 'BAD_REQUEST');
  const body = JSON.stringify({ code: appError.v1Code, message: appError.message, response: null } satisfies V1Envelope<null>);
  socket.end(
    `HTTP/1.1 ${appError.status} ${STATUS_TEXT[appError.status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
