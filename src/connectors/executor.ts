/**
 * The one place a PG is called: sends what a flow's `buildRequest` describes, with one deadline for
 * connecting, sending and reading the whole answer, classifies transport failures as
 * {@link ConnectorFault}s, and hands the answer to the flow's `readAnswer`.
 */
import { ConnectorFault, type ConnectorContext, type PgAnswer, type PgFlow } from './contract';

// Errors that prove the request never reached the PG, so nothing can have been approved.
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

function errorCodes(err: unknown, depth = 0): string[] {
  if (typeof err !== 'object' || err === null || depth > 4) return [];
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  const own = typeof e.code === 'string' ? [e.code] : [];
  const nested = Array.isArray(e.errors) ? e.errors.flatMap((x) => errorCodes(x, depth + 1)) : [];
  return [...own, ...nested, ...errorCodes(e.cause, depth + 1)];
}

function isTimeout(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** A transport error → the fault it is: a timeout, or a network error that may or may not have reached the PG. */
export function faultFromTransportError(err: unknown, url: string, timeoutMs: number): ConnectorFault {
  if (isTimeout(err)) {
    return new ConnectorFault('timeout', `PG did not answer ${url} within ${timeoutMs} ms`, { cause: err, outcomeUnknown: true });
  }
  const codes = errorCodes(err);
  const neverSent = codes.length > 0 && codes.every((c) => NOT_SENT_CODES.has(c));
  return new ConnectorFault('network', `Could not reach the PG at ${url} (${codes.join(', ') || 'network error'})`, {
    cause: err,
    outcomeUnknown: !neverSent,
  });
}

/**
 * Runs one flow against the PG.
 * @returns the flow's result (a decline is a result)
 * @throws ConnectorFault timeout | network, or whatever the flow's `readAnswer` throws
 */
export async function executeFlow<C, I, R>(ctx: ConnectorContext, flow: PgFlow<C, I, R>, credentials: C, input: I): Promise<R> {
  const request = flow.buildRequest(credentials, input, ctx.clock.now());
  const signal = AbortSignal.timeout(ctx.timeoutMs);
  let answer: PgAnswer;
  try {
    const response = await ctx.fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body ?? undefined,
      signal,
    });
    answer = { status: response.status, body: await response.text(), url: request.url };
  } catch (err) {
    throw faultFromTransportError(err, request.url, ctx.timeoutMs);
  }
  return flow.readAnswer(credentials, input, answer, ctx.clock.now());
}

/**
 * The answer's body as JSON, for flows whose PG answers JSON.
 * @throws ConnectorFault('http') for a non-2xx status without a JSON body, ('malformed') for a 2xx that is not JSON
 */
export function jsonAnswer(answer: PgAnswer): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch (err) {
    if (answer.status < 200 || answer.status > 299) throw new ConnectorFault('http', `PG answered HTTP ${answer.status} at ${answer.url}`);
    throw new ConnectorFault('malformed', `PG answer at ${answer.url} is not JSON`, { cause: err });
  }
  return parsed;
}
