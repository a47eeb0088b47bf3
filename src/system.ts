import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Config } from './config';
import type { PgConnector, PgFetch } from './connectors/contract';
import { smartroConnector, type SmartroCredentials } from './connectors/smartro';
import { systemClock, type Clock } from './domain/clock';
import { buildDemoShop, type DemoShopCredentials } from './demo-shop/server';
import { buildGateway } from './gateway';
import { startReconciler, type Reconciler } from './jobs/reconciler';
import { startScheduler, type Scheduler } from './jobs/scheduler';
import { startTimeCounts, type TimeCountsJob } from './jobs/time-counts';
import { startVbankExpiry, type VbankExpiryJob } from './jobs/vbank-expiry';
import { startWebhookWorker, type WebhookWorker } from './jobs/webhooks';
import { createOutboundHttp } from './http/outbound';
import { createPgHttpClient } from './http/pg-client';
import { createServices, type ServiceDeps, type Services } from './services';
import type { Logger } from './services/deps';
import { SecretBox } from './services/secrets';
import { buildSmartroSimulator } from './simulators/smartro/server';
import { createStore } from './store/db';
import type { Store } from './store/types';

export interface SystemOptions {
  config: Config;
  clock?: Clock;
  /** A pino logger for the three servers and the services; silent when absent (tests). */
  logger?: FastifyBaseLogger;
  /** Folder with the built browser scripts; default dist/public under the working directory. */
  assetDir?: string;
  /** How long the simulator holds the answers of its slow test cards. */
  simulatorHangMs?: number;
  /** Delay between the built-in simulator's notification attempts (tests; default Smartro's 1 minute). */
  simulatorNotifyRetryMs?: number;
  /** When the built-in simulator completes (and notifies, `2211`) a paid virtual account's refund (tests; default 5 s). */
  simulatorRefundDelayMs?: number;
  /** PostgreSQL schema (tests isolate themselves with one). */
  pgSchema?: string;
  /** The HTTP client PG calls go through (tests wrap fetch to lose an answer); gyeol's keep-alive client (http/pg-client.ts) by default. */
  pgFetch?: PgFetch;
}

export interface RunningSystem {
  gatewayUrl: string;
  simulatorUrl: string;
  shopUrl: string;
  demo: DemoShopCredentials & { mid: string; created: boolean };
  store: Store;
  services: Services;
  reconciler: Reconciler;
  webhookWorker: WebhookWorker;
  vbankExpiry: VbankExpiryJob;
  scheduler: Scheduler;
  close(): Promise<void>;
}

/** The built-in demo channel's Smartro MID (10 characters, as Smartro's are). */
export const DEMO_MID = 'gyeolsim01';
/** The demo channel's ssp Mall ID for billing keys (the simulator knows the same one). */
export const DEMO_SSP_MALL_ID = 'GYEOLSIM0p';

/**
 * The composition root: config → store → connectors → services → the three servers
 * (gateway, Smartro simulator, demo shop), the reconciler, the webhook worker and the
 * virtual-account expiry job and the scheduler of scheduled payments. `npm start` and the integration
 * tests both start gyeol through here, so what is tested is what runs.
 *
 * Public URLs are settled before services are built: the gateway's port is bound first.
 */
export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const assetDir = options.assetDir ?? path.resolve('dist/public');
  await mkdir(config.dataDir, { recursive: true });

  const instanceSecret = config.instanceSecret ?? (await instanceSecretFile(config.dataDir));
  const store = await createStore({
    databaseUrl: config.databaseUrl ?? undefined,
    sqlitePath: path.join(config.dataDir, 'gyeol.sqlite'),
    pgSchema: options.pgSchema,
  });
  const apps: FastifyInstance[] = [];
  const servers: Server[] = [];
  let reconciler: Reconciler | null = null;
  let webhookWorker: WebhookWorker | null = null;
  let vbankExpiry: VbankExpiryJob | null = null;
  let scheduler: Scheduler | null = null;
  let timeCounts: TimeCountsJob | null = null;
  const pgClient = createPgHttpClient();
  const closeAll = async () => {
    await Promise.all([reconciler?.stop(), webhookWorker?.stop(), vbankExpiry?.stop(), scheduler?.stop(), timeCounts?.stop()]);
    // The gateway stops accepting first and lets requests in flight finish (bounded), while its
    // app can still answer them; then the apps close.
    await Promise.allSettled(servers.map(closeServer));
    await Promise.allSettled(apps.map((app) => app.close()));
    pgClient.closeIdle();
    await store.close();
  };
  try {
    await store.migrate();
    const logger = serviceLogger(options.logger);

    // The PG first: the demo channel is saved with its concrete base URLs.
    let simulatorUrl: string;
    // The demo channel's deposit notifications (신통보) go to the gateway, as PortOne has merchants set it up.
    let registerDemoMerchant: (mid: string, merchantKey: string, cancelPassword: string, notifyUrl: string) => Promise<void>;
    // The demo channel bills with the simulator's ssp Mall ID (Smartro issues one per billing merchant).
    const sspMallId = DEMO_SSP_MALL_ID;
    if (config.simulator === 'external') {
      simulatorUrl = config.simulatorPublicUrl as string;
      registerDemoMerchant = (mid, merchantKey, cancelPassword, notifyUrl) => registerWithExternalSimulator(simulatorUrl, mid, merchantKey, cancelPassword, notifyUrl, sspMallId);
    } else {
      const simulator = buildSmartroSimulator({
        // A PG keeps its transactions: a restart of gyeol (and of the simulator) forgets nothing.
        dataFile: path.join(config.dataDir, 'smartro-sim.sqlite'),
        assetDir,
        clock,
        hangMs: options.simulatorHangMs,
        notifyRetryMs: options.simulatorNotifyRetryMs,
        refundDelayMs: options.simulatorRefundDelayMs,
        logger: options.logger,
      });
      apps.push(simulator);
      simulatorUrl = await listen(simulator, config.host, config.simulatorPort, config.simulatorPublicUrl);
      registerDemoMerchant = async (mid, merchantKey, cancelPassword, notifyUrl) => simulator.registerMerchant(mid, { merchantKey, cancelPassword, notifyUrl, sspMallId });
    }

    const gatewayServer = await bind(config.host, config.gatewayPort);
    servers.push(gatewayServer);
    const gatewayUrl = config.gatewayPublicUrl ?? localUrl(config.host, gatewayServer);

    const connectors = new Map<string, PgConnector<any>>([[smartroConnector.id, smartroConnector]]);
    const deps: ServiceDeps = {
      store,
      clock,
      secretBox: new SecretBox(instanceSecret),
      connectors,
      connectorContext: { fetch: options.pgFetch ?? pgClient.fetch, clock, timeoutMs: config.pgTimeoutMs },
      logger,
      publicUrl: gatewayUrl,
      approvals: { returnWaitMs: config.returnWaitMs, confirmTimeoutMs: config.confirmTimeoutMs },
      webhooks: webhookSettingsOf(config),
      outbound: createOutboundHttp({ selfAddresses: () => [boundAddress(gatewayServer)] }),
      schedules: { leaseMs: config.scheduler.leaseMs, openRecheckMs: 5_000 },
    };
    const services = createServices(deps);
    const demo = await ensureDemo(config, services, store, simulatorUrl);
    await registerDemoMerchant(demo.mid, demo.merchantKey, demo.cancelPassword, `${gatewayUrl}/pg/smartro/notify`);

    const gateway = await buildGateway({
      services,
      assetDir,
      hideSandboxByDefault: config.hideSandboxByDefault,
      logger: options.logger,
      publicUrl: gatewayUrl,
      server: gatewayServer,
    });
    apps.push(gateway);
    await gateway.ready();

    const shop = await buildDemoShop({
      gatewayUrl,
      credentials: demo.shop,
      logger: options.logger,
      // The shop is a merchant with its own storage: its orders survive a restart.
      ordersFile: path.join(config.dataDir, 'demo-shop-orders.sqlite'),
    });
    apps.push(shop);
    const shopUrl = await listen(shop, config.host, config.shopPort, config.shopPublicUrl);

    reconciler = startReconciler({ approvals: services.approvals, cancels: services.cancels, logger, intervalMs: config.reconcileIntervalMs });
    webhookWorker = startWebhookWorker({
      webhooks: services.webhooks,
      logger,
      intervalMs: config.webhooks.intervalMs,
      concurrency: config.webhooks.concurrency,
      // Woken right after each commit that wrote payment events, not at its next interval.
      onEventsCommitted: (listener) => store.onEventsCommitted(listener),
    });
    vbankExpiry = startVbankExpiry({ approvals: services.approvals, logger, intervalMs: config.vbankExpiryIntervalMs });
    scheduler = startScheduler({ schedules: services.schedules, logger, intervalMs: config.scheduler.intervalMs });
    timeCounts = startTimeCounts({ payments: services.payments, logger });

    return {
      gatewayUrl,
      simulatorUrl,
      shopUrl,
      demo: { ...demo.shop, mid: demo.mid, created: demo.created },
      store,
      services,
      reconciler,
      webhookWorker: webhookWorker as WebhookWorker,
      vbankExpiry,
      scheduler,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

async function listen(app: FastifyInstance, host: string, port: number, publicUrl: string | null): Promise<string> {
  await app.listen({ host, port });
  return publicUrl ?? localUrl(host, app.server);
}

/** Binds a port before anything is built on it; errors (EADDRINUSE) carry the port. */
function bind(host: string, port: number): Promise<Server> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** Where a server listens, as the outbound client compares it with a target. */
function boundAddress(server: Server): { host: string; port: number } {
  const address = server.address() as AddressInfo;
  return { host: address.address, port: address.port };
}

/** The webhook worker's settings from the configuration. */
export function webhookSettingsOf(config: Config): ServiceDeps['webhooks'] {
  return {
    connectTimeoutMs: config.webhooks.connectTimeoutMs,
    readTimeoutMs: config.webhooks.readTimeoutMs,
    timing: { gyeolBaseMs: config.webhooks.retryBaseMs, gyeolWindowMs: 24 * 60 * 60 * 1000, v1RetryMs: config.webhooks.v1RetryMs },
  };
}

function localUrl(host: string, server: Server): string {
  const address = server.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

/** How long requests in flight may take to finish when the gateway stops. */
const CLOSE_GRACE_MS = 3_000;

/** Stops accepting, lets requests in flight finish for up to CLOSE_GRACE_MS, then drops what is left. */
function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** Tells a simulator in another process the demo channel's MID, key and cancel password (its test-only control API). */
async function registerWithExternalSimulator(simulatorUrl: string, mid: string, merchantKey: string, cancelPassword: string, notifyUrl: string, sspMallId: string): Promise<void> {
  const res = await fetch(`${simulatorUrl}/sim/merchants/${encodeURIComponent(mid)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ merchantKey, cancelPassword, notifyUrl, sspMallId }),
  });
  if (!res.ok) throw new Error(`the Smartro simulator at ${simulatorUrl} refused the demo merchant: HTTP ${res.status}`);
}

/** The instance secret kept beside the SQLite file when GYEOL_SECRET is not set. */
async function instanceSecretFile(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'instance-secret');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const secret = randomBytes(32).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return secret;
}

interface DemoSetup {
  storeId: number;
  mid: string;
  merchantKey: string;
  /** The channel's cancel password: the simulator must know the same one (`cancel.do` checks it). */
  cancelPassword: string;
  created: boolean;
  shop: DemoShopCredentials;
}

/** The demo channel's Smartro hosts (all three on the simulator) and its billing ssp Mall ID. */
function simulatorSettings(simulatorUrl: string): Record<string, unknown> {
  return { jsBaseUrl: simulatorUrl, apiBaseUrl: simulatorUrl, receiptBaseUrl: simulatorUrl, sspMallId: DEMO_SSP_MALL_ID };
}

/**
 * On first start with an empty database: a demo store with a test Smartro channel on the
 * simulator. The demo shop is a merchant like any other, so its credentials (including the API
 * secret, which gyeol itself keeps only hashed) live in its own file, `<dataDir>/demo-shop.json`.
 * Environment variables pin every value for scripts and tests. On later starts the demo channel
 * follows the simulator's current URL (its port may have changed).
 */
async function ensureDemo(config: Config, services: Services, store: Store, simulatorUrl: string): Promise<DemoSetup> {
  const file = path.join(config.dataDir, 'demo-shop.json');
  const saved: Partial<DemoShopCredentials> = existsSync(file) ? JSON.parse(await readFile(file, 'utf8')) : {};
  const pinned = {
    impCode: config.demo.impCode ?? saved.impCode,
    apiKey: config.demo.apiKey ?? saved.apiKey,
    apiSecret: config.demo.apiSecret ?? saved.apiSecret,
    channelKey: config.demo.channelKey ?? saved.channelKey,
  };

  const existing = pinned.impCode ? await store.stores.findByImpCode(pinned.impCode) : null;
  if (existing) {
    if (!pinned.apiKey || !pinned.apiSecret || !pinned.channelKey) {
      throw new Error(`demo store ${existing.impCode} exists but its API key/secret/channel key are unknown: set GYEOL_DEMO_* or restore ${file}`);
    }
    const found = await store.channels.findByChannelKey(existing.id, pinned.channelKey);
    if (!found) throw new Error(`the demo channel ${pinned.channelKey} is missing from store ${existing.impCode}`);
    const channel = (await store.channels.updateSettings(existing.id, found.id, simulatorSettings(simulatorUrl))) ?? found;
    const { credentials } = services.channels.open(channel);
    return {
      storeId: existing.id,
      mid: channel.pgId,
      merchantKey: (credentials as SmartroCredentials).merchantKey,
      cancelPassword: (credentials as SmartroCredentials).cancelPassword,
      created: false,
      shop: { impCode: existing.impCode, apiKey: pinned.apiKey, apiSecret: pinned.apiSecret, channelKey: pinned.channelKey },
    };
  }
  if ((await store.stores.count()) > 0 && !pinned.impCode) {
    throw new Error(`the database already has stores but no demo store is known: set GYEOL_DEMO_IMP_CODE (and the other GYEOL_DEMO_* values) or restore ${file}`);
  }

  const { store: demoStore, apiSecret } = await services.provisioning.createStore({
    name: '결 데모 상점',
    impCode: pinned.impCode,
    apiKey: pinned.apiKey,
    apiSecret: pinned.apiSecret,
  });
  const merchantKey = randomBytes(48).toString('base64');
  const cancelPassword = randomBytes(3).toString('hex');
  const channel = await services.provisioning.createChannel({
    storeId: demoStore.id,
    name: '스마트로 테스트 채널 (시뮬레이터)',
    pgProvider: smartroConnector.id,
    pgId: DEMO_MID,
    channelKey: pinned.channelKey,
    testMode: true,
    isDefault: true,
    settings: simulatorSettings(simulatorUrl),
    secrets: { merchantKey, cancelPassword },
  });
  const shop: DemoShopCredentials = {
    impCode: demoStore.impCode,
    apiKey: demoStore.apiKey,
    apiSecret,
    channelKey: channel.channelKey,
  };
  await writeFile(file, `${JSON.stringify(shop, null, 2)}\n`, { mode: 0o600 });
  return { storeId: demoStore.id, mid: channel.pgId, merchantKey, cancelPassword, created: true, shop };
}

function serviceLogger(logger: FastifyBaseLogger | undefined): Logger {
  if (logger) return logger;
  const noop = () => undefined;
  return { info: noop, warn: noop, error: noop };
}
