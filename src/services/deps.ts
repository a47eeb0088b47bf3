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

/** Everything the use cases need, built once by the composition root. */
export interface ServiceDeps {
  store: Store;
  clock: Clock;
  secretBox: SecretBox;
  /** Connectors by V1 pg_provider. */
  connectors: ReadonlyMap<string, PgConnector>;
  /** Shared by every connector call (fetch, clock, PG timeout). */
  connectorContext: ConnectorContext;
  logger: Logger;
  /** The gateway's public base URL (no trailing slash): window and return URLs are built on it. */
  publicUrl: string;
  /** Base URL of the built-in Smartro simulator, for channels that use it. */
  simulatorUrl: string;
}
