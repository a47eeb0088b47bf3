import type { ConnectorContext, PgConnector } from '../connectors/contract';
import type { Clock } from '../domain/clock';
import type { RetryTiming } from '../domain/webhooks';
import type { Store } from '../store/types';
import type { SecretBox } from './secrets';

/** Minimal structured logger (pino satisfies it). */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Settings of the approval pipeline. */
export interface ApprovalSettings {
  /**
   * How long the checkout's return endpoint waits for an approval before answering 결제 확인 중
   * (the approval goes on; the window polls). Bounded so no request hangs for a whole PG timeout.
   */
  returnWaitMs: number;
  /**
   * The whole budget of the merchant's confirm step (connect + answer), V1's 10 s when absent
   * (reference §4.3); tests shorten it.
   */
  confirmTimeoutMs?: number;
}

/** Everything the use cases need, built once by the composition root. */
export interface ServiceDeps {
  store: Store;
  clock: Clock;
  secretBox: SecretBox;
  /** Connectors by V1 pg_provider. */
  connectors: ReadonlyMap<string, PgConnector<any>>;
  /** Shared by every connector call (fetch, clock, PG timeout). */
  connectorContext: ConnectorContext;
  logger: Logger;
  /** The gateway's public base URL (no trailing slash): window and return URLs are built on it. */
  publicUrl: string;
  approvals: ApprovalSettings;
  webhooks: WebhookDeliverySettings;
  /** The one client for calls to merchant servers (webhooks, confirm). */
  outbound: OutboundHttp;
  /** The scheduler's lease and recheck times; derived from the PG timeout when absent. */
  schedules?: { leaseMs: number; openRecheckMs: number };
}

/** How webhooks are sent (the retry schedule's timing lives in domain/webhooks.ts). */
export interface WebhookDeliverySettings {
  timing: RetryTiming;
  /** V1: connect 10 s, read 30 s. */
  connectTimeoutMs: number;
  readTimeoutMs: number;
}

/** One outbound POST to a merchant's server (webhooks, the confirm step). */
export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Time to establish the connection (DNS + TCP + TLS). */
  connectTimeoutMs: number;
  /** Time from the request being sent to the whole answer being read. */
  readTimeoutMs: number;
  /** The answer body is read up to this many bytes; the rest is dropped (the status still counts). */
  maxResponseBytes: number;
  /**
   * Reuse an idle connection to the same origin (and keep this one for later). Only for calls
   * that may reach the receiver twice: a reused connection the server had closed meanwhile is
   * retried once on a new one. Default: a connection of its own, closed after the answer.
   */
  keepAlive?: boolean;
}

export type OutboundResult =
  | {
      ok: true;
      status: number;
      /** The answer body as text, at most maxResponseBytes. */
      body: string;
      latencyMs: number;
    }
  | {
      ok: false;
      /**
       * `refused`: not sent at all (not http/https, or the URL points at the gateway itself);
       * `connect-timeout`, `read-timeout`, `network`: sent or tried, no usable answer.
       */
      error: 'refused' | 'connect-timeout' | 'read-timeout' | 'network';
      message: string;
      latencyMs: number;
    };

/**
 * gyeol's one outbound HTTP client to merchant servers: http/https only, never to the gateway
 * itself, no redirects followed, answers read with a size cap, connect and read timeouts.
 */
export interface OutboundHttp {
  post(request: OutboundRequest): Promise<OutboundResult>;
}
