import type { ConnectorContext, PgConnector } from '../connectors/contract';
import type { Clock } from '../domain/clock';
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
}
