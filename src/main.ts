import pino from 'pino';
import { loadConfig, type Config } from './config';
import { startSystem, type RunningSystem } from './system';

/**
 * `npm start` (`node dist/main.js`): gateway, Smartro simulator and demo shop in one process.
 *
 * Made to run under a supervisor (systemd, Docker, Kubernetes): a start that cannot work ends
 * with exit code 1 and one line saying what to change; SIGTERM or SIGINT close the servers (in-flight
 * requests get up to 3 s to finish) and the database, then exit 0; a shutdown stuck past {@link SHUTDOWN_DEADLINE_MS}
 * exits 1 so the supervisor is not left waiting.
 */

/** Long enough for in-flight requests to finish; shorter than systemd's default 90 s stop timeout. */
const SHUTDOWN_DEADLINE_MS = 10_000;

/** Which environment variable sets the port that `listen` was refused. */
function portVariables(config: Config, port: number): string[] {
  const ports: Array<[string, number]> = [
    ['GYEOL_PORT', config.gatewayPort],
    ['GYEOL_SIM_PORT', config.simulatorPort],
    ['GYEOL_SHOP_PORT', config.shopPort],
  ];
  return ports.filter(([, value]) => value === port).map(([name]) => name);
}

/**
 * One line for a start failure the operator can fix by changing the environment; `null` for
 * anything else (a bug: the stack trace is worth more than a summary).
 */
function startFailureLine(config: Config, err: unknown): string | null {
  const e = err as NodeJS.ErrnoException & { port?: number; address?: string };
  if (e?.syscall !== 'listen') return null;
  const names = typeof e.port === 'number' ? portVariables(config, e.port) : [];
  const variable = names.length > 0 ? names.join(' 또는 ') : 'GYEOL_PORT, GYEOL_SIM_PORT, GYEOL_SHOP_PORT';
  switch (e.code) {
    case 'EADDRINUSE':
      return `gyeol: 포트 ${e.port}은(는) 이미 사용 중입니다. ${variable}에 다른 포트를 지정하세요 (port ${e.port} is already in use: set ${names[0] ?? 'GYEOL_PORT'}=<free port>, or 0 for any).`;
    case 'EACCES':
      return `gyeol: 포트 ${e.port}을(를) 열 권한이 없습니다. ${variable}에 1024 이상의 포트를 지정하세요 (no permission to listen on port ${e.port}: set ${names[0] ?? 'GYEOL_PORT'} to a port above 1023).`;
    case 'EADDRNOTAVAIL':
      return `gyeol: 이 컴퓨터에 없는 주소 ${e.address}입니다. GYEOL_HOST를 확인하세요 (address ${e.address} is not on this machine: check GYEOL_HOST).`;
    default:
      return null;
  }
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    // loadConfig's messages name the variable and the rule.
    process.stderr.write(`gyeol: 설정 오류 (configuration error): ${(err as Error).message}\n`);
    process.exit(1);
  }
  const logger = pino({
    level: config.logLevel,
    // Secrets never reach the log, even by accident in a header or body.
    redact: ['req.headers.authorization', 'req.headers["x-imptokenheader"]', '*.imp_secret', '*.apiSecret', '*.merchantKey'],
  });

  // Signals are handled from the first moment: a stop requested while starting waits for the
  // start to finish (or fail) and then closes what was opened.
  let system: RunningSystem | null = null;
  let stopSignal: NodeJS.Signals | null = null;
  const stop = (signal: NodeJS.Signals) => {
    if (stopSignal) {
      // A second Ctrl-C: the operator does not want to wait.
      logger.warn({ signal }, 'second signal while shutting down: exiting now');
      process.exit(1);
    }
    stopSignal = signal;
    if (system) void shutdown(system, signal);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const shutdown = async (running: RunningSystem, signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, 'shutdown did not finish in time: exiting anyway');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    try {
      await running.close();
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    }
    logger.info('stopped');
    process.exit(0);
  };

  try {
    system = await startSystem({ config, logger });
  } catch (err) {
    const line = startFailureLine(config, err);
    if (line === null) throw err;
    process.stderr.write(`${line}\n`);
    process.exit(1);
  }
  if (stopSignal) return shutdown(system, stopSignal);

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
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
