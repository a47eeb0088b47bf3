/**
 * `npm run simulator`: the Smartro simulator alone, as a PG in its own process. It reads its
 * own environment (it shares no configuration code with gyeol, as a real PG would not):
 *
 *   GYEOL_HOST           listen address (default 127.0.0.1)
 *   GYEOL_SIM_PORT       port (default 4001)
 *   GYEOL_SIM_DATA_DIR   directory of smartro-sim.sqlite (default GYEOL_DATA_DIR, else ./data)
 *   GYEOL_SIM_HANG_MS    how long the late/never test cards hold a request (default 60000)
 *   GYEOL_SIM_REFUND_DELAY_MS  when a paid virtual account's refund is done and notified (default 5000)
 *   GYEOL_LOG_LEVEL      pino level (default info)
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { simulatorEnv } from './env';
import { buildSmartroSimulator } from './server';

async function main(): Promise<void> {
  const settings = simulatorEnv(process.env);
  mkdirSync(path.dirname(settings.dataFile), { recursive: true });
  const logger = pino({ level: settings.logLevel, redact: ['*.merchantKey'] });
  // The bundle is dist/simulator.js; the browser library sits beside it in dist/public.
  const assetDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'public');
  const app = buildSmartroSimulator({ assetDir, dataFile: settings.dataFile, hangMs: settings.hangMs, refundDelayMs: settings.refundDelayMs, logger });
  await app.listen({ host: settings.host, port: settings.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  process.stdout.write(`smartro simulator http://${host}:${port}  (data: ${settings.dataFile})\n`);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
