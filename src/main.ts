import pino from 'pino';
import { loadConfig } from './config';
import { startSystem } from './system';

/** `npm start`: gateway, Smartro simulator and demo shop in one process. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({
    level: config.logLevel,
    // Secrets never reach the log, even by accident in a header or body.
    redact: ['req.headers.authorization', 'req.headers["x-imptokenheader"]', '*.imp_secret', '*.apiSecret', '*.merchantKey'],
  });
  const system = await startSystem({ config, logger });
  const { demo } = system;
  const lines = [
    '',
    '  결 gyeol — PortOne V1 compatible payment gateway',
    '',
    `  gateway            ${system.gatewayUrl}   (SDK: ${system.gatewayUrl}/v1/iamport.js, REST: ${system.gatewayUrl})`,
    `  smartro simulator  ${system.simulatorUrl}`,
    `  demo shop          ${system.shopUrl}`,
    '',
    `  demo store ${demo.created ? '(created now)' : '(existing)'}`,
    `    가맹점 식별코드 (IMP.init)   ${demo.impCode}`,
    `    REST API key                 ${demo.apiKey}`,
    `    REST API secret              ${demo.apiSecret}`,
    `    channelKey (smartro_v2)      ${demo.channelKey}`,
    `    Smartro MID (test)           ${demo.mid}`,
    '',
    `  data: ${config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `${config.dataDir}/gyeol.sqlite`}`,
    '  test cards: 4242 4242 4242 4242 approves, 4000 0000 0000 0002 is declined (README lists more)',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    await system.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
