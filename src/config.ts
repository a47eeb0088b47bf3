import path from 'node:path';

/** Everything gyeol reads from the environment, read once in main. Nothing else reads env. */
export interface Config {
  host: string;
  gatewayPort: number;
  simulatorPort: number;
  shopPort: number;
  /** Public base URLs; default to http://127.0.0.1:<port> (ports resolved after listen when 0). */
  gatewayPublicUrl: string | null;
  simulatorPublicUrl: string | null;
  shopPublicUrl: string | null;
  dataDir: string;
  databaseUrl: string | null;
  /** Encrypts PG keys and tokens at rest; generated into dataDir on first start when unset. */
  instanceSecret: string | null;
  pgTimeoutMs: number;
  /** How long the checkout return waits for an approval before answering 결제 확인 중. */
  returnWaitMs: number;
  /** How often the reconciler looks for payments whose PG outcome is open. */
  reconcileIntervalMs: number;
  /** How often the expiry job looks for issued virtual accounts past their deadline. */
  vbankExpiryIntervalMs: number;
  /** The confirm step's budget for the merchant's answer (V1: 10 s). */
  confirmTimeoutMs: number;
  scheduler: {
    /** How often the scheduler looks for due scheduled payments: a schedule runs within about this of its time. */
    intervalMs: number;
    /** How long a run is held before another instance may take it over (longer than a charge can take). */
    leaseMs: number;
  };
  /**
   * `builtin`: start the Smartro simulator in this process; `external`: use the one at
   * simulatorPublicUrl (started with `npm run simulator`), so the gateway can die while the PG lives on.
   */
  simulator: 'builtin' | 'external';
  hideSandboxByDefault: boolean;
  webhooks: {
    /** How often the worker looks for due deliveries and events anyway (it is woken at once by this process's commits). */
    intervalMs: number;
    /** Webhook requests in flight at most (all receivers together). */
    concurrency: number;
    connectTimeoutMs: number;
    readTimeoutMs: number;
    /** The `gyeol` schedule's first retry delay (then ×4, capped at 4 h, for up to 24 h). */
    retryBaseMs: number;
    /** The `v1-retry` schedule's interval. */
    v1RetryMs: number;
  };
  logLevel: string;
  demo: {
    impCode: string | null;
    apiKey: string | null;
    apiSecret: string | null;
    channelKey: string | null;
  };
}

function port(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number (0-65535), got "${value}"`);
  return n;
}

function positiveInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${value}"`);
  return n;
}

const stripSlash = (url: string | undefined): string | null => (url ? url.replace(/\/+$/, '') : null);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const simulator = env.GYEOL_SIMULATOR || 'builtin';
  if (simulator !== 'builtin' && simulator !== 'external') throw new Error(`GYEOL_SIMULATOR must be builtin or external, got "${simulator}"`);
  if (simulator === 'external' && !env.GYEOL_SIM_PUBLIC_URL) {
    throw new Error('GYEOL_SIMULATOR=external needs GYEOL_SIM_PUBLIC_URL (the URL of the simulator started with npm run simulator)');
  }
  const pgTimeoutMs = positiveInt(env.GYEOL_PG_TIMEOUT_MS, 30_000, 'GYEOL_PG_TIMEOUT_MS');
  return {
    host: env.GYEOL_HOST ?? '127.0.0.1',
    gatewayPort: port(env.GYEOL_PORT, 4000, 'GYEOL_PORT'),
    simulatorPort: port(env.GYEOL_SIM_PORT, 4001, 'GYEOL_SIM_PORT'),
    shopPort: port(env.GYEOL_SHOP_PORT, 4002, 'GYEOL_SHOP_PORT'),
    gatewayPublicUrl: stripSlash(env.GYEOL_PUBLIC_URL),
    simulatorPublicUrl: stripSlash(env.GYEOL_SIM_PUBLIC_URL),
    shopPublicUrl: stripSlash(env.GYEOL_SHOP_PUBLIC_URL),
    dataDir: path.resolve(env.GYEOL_DATA_DIR ?? 'data'),
    databaseUrl: env.DATABASE_URL || null,
    instanceSecret: env.GYEOL_SECRET || null,
    pgTimeoutMs,
    returnWaitMs: positiveInt(env.GYEOL_RETURN_WAIT_MS, Math.min(pgTimeoutMs + 1_000, 15_000), 'GYEOL_RETURN_WAIT_MS'),
    reconcileIntervalMs: positiveInt(env.GYEOL_RECONCILE_INTERVAL_MS, 15_000, 'GYEOL_RECONCILE_INTERVAL_MS'),
    vbankExpiryIntervalMs: positiveInt(env.GYEOL_VBANK_EXPIRY_INTERVAL_MS, 60_000, 'GYEOL_VBANK_EXPIRY_INTERVAL_MS'),
    confirmTimeoutMs: positiveInt(env.GYEOL_CONFIRM_TIMEOUT_MS, 10_000, 'GYEOL_CONFIRM_TIMEOUT_MS'),
    scheduler: {
      intervalMs: positiveInt(env.GYEOL_SCHEDULER_INTERVAL_MS, 1_000, 'GYEOL_SCHEDULER_INTERVAL_MS'),
      leaseMs: positiveInt(env.GYEOL_SCHEDULER_LEASE_MS, pgTimeoutMs * 2 + 30_000, 'GYEOL_SCHEDULER_LEASE_MS'),
    },
    simulator,
    hideSandboxByDefault: env.GYEOL_HIDE_SANDBOX_BY_DEFAULT === 'true',
    webhooks: {
      intervalMs: positiveInt(env.GYEOL_WEBHOOK_INTERVAL_MS, 1_000, 'GYEOL_WEBHOOK_INTERVAL_MS'),
      concurrency: positiveInt(env.GYEOL_WEBHOOK_CONCURRENCY, 64, 'GYEOL_WEBHOOK_CONCURRENCY'),
      connectTimeoutMs: positiveInt(env.GYEOL_WEBHOOK_CONNECT_TIMEOUT_MS, 10_000, 'GYEOL_WEBHOOK_CONNECT_TIMEOUT_MS'),
      readTimeoutMs: positiveInt(env.GYEOL_WEBHOOK_READ_TIMEOUT_MS, 30_000, 'GYEOL_WEBHOOK_READ_TIMEOUT_MS'),
      retryBaseMs: positiveInt(env.GYEOL_WEBHOOK_RETRY_BASE_MS, 30_000, 'GYEOL_WEBHOOK_RETRY_BASE_MS'),
      v1RetryMs: positiveInt(env.GYEOL_WEBHOOK_V1_RETRY_MS, 60_000, 'GYEOL_WEBHOOK_V1_RETRY_MS'),
    },
    logLevel: env.GYEOL_LOG_LEVEL ?? 'info',
    demo: {
      impCode: env.GYEOL_DEMO_IMP_CODE || null,
      apiKey: env.GYEOL_DEMO_API_KEY || null,
      apiSecret: env.GYEOL_DEMO_API_SECRET || null,
      channelKey: env.GYEOL_DEMO_CHANNEL_KEY || null,
    },
  };
}
