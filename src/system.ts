import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Config } from './config';
import type { PgConnector } from './connectors/contract';
import { SmartroConnector } from './connectors/smartro';
import { systemClock, type Clock } from './domain/clock';
import { buildDemoShop, type DemoShopCredentials } from './demo-shop/server';
import { buildGateway } from './gateway';
import { createServices, type ServiceDeps, type Services } from './services';
import { channelCredentials } from './services/channels';
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
  /** How long the simulator holds the timeout test card's approval. */
  simulatorHangMs?: number;
  /** PostgreSQL schema (tests isolate themselves with one). */
  pgSchema?: string;
}

export interface RunningSystem {
  gatewayUrl: string;
  simulatorUrl: string;
  shopUrl: string;
  demo: DemoShopCredentials & { mid: string; created: boolean };
  store: Store;
  services: Services;
  close(): Promise<void>;
}

/** The built-in demo channel's Smartro MID (10 characters, as Smartro's are). */
export const DEMO_MID = 'gyeolsim01';

/**
 * The composition root: config → store → connectors → services → the three servers
 * (gateway, Smartro simulator, demo shop). `npm start` and the integration tests both start
 * gyeol through here, so what is tested is what runs.
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
  try {
    await store.migrate();
    const logger = serviceLogger(options.logger);
    const connectors = new Map<string, PgConnector>([['smartro_v2', new SmartroConnector()]]);
    // Public URLs are known only after listening (ports may be 0 in tests); they are filled in below
    // before any request can arrive.
    const deps: ServiceDeps = {
      store,
      clock,
      secretBox: new SecretBox(instanceSecret),
      connectors,
      connectorContext: { fetch: globalThis.fetch, clock, timeoutMs: config.pgTimeoutMs },
      logger,
      publicUrl: '',
      simulatorUrl: '',
    };
    const services = createServices(deps);
    const demo = await ensureDemo(config, services, store);

    const simulatorMerchants = new Map<string, { merchantKey: string }>();
    const simulator = buildSmartroSimulator({
      merchants: simulatorMerchants,
      assetDir,
      clock,
      hangMs: options.simulatorHangMs,
      logger: options.logger,
    });
    apps.push(simulator);
    const simulatorUrl = await listen(simulator, config.host, config.simulatorPort, config.simulatorPublicUrl);
    deps.simulatorUrl = simulatorUrl;

    const checkoutUrls = { publicUrl: '' };
    const gateway = await buildGateway({
      services,
      assetDir,
      hideSandboxByDefault: config.hideSandboxByDefault,
      logger: options.logger,
      urls: checkoutUrls,
    });
    apps.push(gateway);
    const gatewayUrl = await listen(gateway, config.host, config.gatewayPort, config.gatewayPublicUrl);
    deps.publicUrl = gatewayUrl;
    checkoutUrls.publicUrl = gatewayUrl;

    // Every channel of the demo store that uses the built-in simulator is known to it.
    for (const channel of await store.channels.findByPg(demo.storeId, 'smartro_v2')) {
      if ((channel.settings as { useBuiltinSimulator?: boolean }).useBuiltinSimulator) {
        simulatorMerchants.set(channel.pgId, { merchantKey: channelCredentials(deps, channel).merchantKey });
      }
    }

    const shop = await buildDemoShop({ gatewayUrl, credentials: demo.shop, logger: options.logger });
    apps.push(shop);
    const shopUrl = await listen(shop, config.host, config.shopPort, config.shopPublicUrl);

    return {
      gatewayUrl,
      simulatorUrl,
      shopUrl,
      demo: { ...demo.shop, mid: demo.mid, created: demo.created },
      store,
      services,
      async close() {
        await Promise.allSettled(apps.map((app) => app.close()));
        await store.close();
      },
    };
  } catch (err) {
    await Promise.allSettled(apps.map((app) => app.close()));
    await store.close();
    throw err;
  }
}

async function listen(app: FastifyInstance, host: string, port: number, publicUrl: string | null): Promise<string> {
  await app.listen({ host, port });
  const address = app.server.address() as AddressInfo;
  return publicUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
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
  created: boolean;
  shop: DemoShopCredentials;
}

/**
 * On first start with an empty database: a demo store with a test Smartro channel on the
 * built-in simulator. The demo shop is a merchant like any other, so its credentials (including
 * the API secret, which gyeol itself keeps only hashed) live in its own file,
 * `<dataDir>/demo-shop.json`. Environment variables pin every value for scripts and tests.
 */
async function ensureDemo(config: Config, services: Services, store: Store): Promise<DemoSetup> {
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
    const channel = await store.channels.findByChannelKey(existing.id, pinned.channelKey);
    return {
      storeId: existing.id,
      mid: channel?.pgId ?? DEMO_MID,
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
  const channel = await services.provisioning.createSmartroChannel({
    storeId: demoStore.id,
    name: '스마트로 테스트 채널 (내장 시뮬레이터)',
    channelKey: pinned.channelKey,
    mid: DEMO_MID,
    merchantKey: randomBytes(48).toString('base64'),
    cancelPassword: randomBytes(3).toString('hex'),
    testMode: true,
    isDefault: true,
    settings: { useBuiltinSimulator: true },
  });
  const shop: DemoShopCredentials = {
    impCode: demoStore.impCode,
    apiKey: demoStore.apiKey,
    apiSecret,
    channelKey: channel.channelKey,
  };
  await writeFile(file, `${JSON.stringify(shop, null, 2)}\n`, { mode: 0o600 });
  return { storeId: demoStore.id, mid: channel.pgId, created: true, shop };
}

function serviceLogger(logger: FastifyBaseLogger | undefined): Logger {
  if (logger) return logger;
  const noop = () => undefined;
  return { info: noop, warn: noop, error: noop };
}
