/**
 * gyeol's operator command line (`npm run cli -- …`, or `node dist/cli.js …`). It opens the same
 * database as the server (same environment variables) and uses the same services.
 *
 *   payments in-approval --store <imp code>        payments whose PG outcome is open
 *   payments inquire <imp_uid> --store <imp code>  ask the PG now and record its answer
 *   reconcile                                      one reconciler pass over every store
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { loadConfig } from './config';
import type { PgConnector } from './connectors/contract';
import { smartroConnector } from './connectors/smartro';
import { systemClock, unixSeconds } from './domain/clock';
import type { Payment } from './domain/payment';
import { createServices } from './services';
import { SecretBox } from './services/secrets';
import { createStore } from './store/db';
import { createOutboundHttp } from './http/outbound';
import { webhookSettingsOf } from './system';

const USAGE = `사용법 / usage:
  gyeol payments in-approval --store <가맹점 식별코드>
  gyeol payments inquire <imp_uid> --store <가맹점 식별코드>
  gyeol reconcile`;

function option(args: string[], name: string): string | null {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : null;
}

function line(p: Payment): string {
  const at = (d: Date | null) => (d ? new Date(unixSeconds(d) * 1000).toISOString() : '-');
  return [p.impUid, p.merchantUid, p.status, p.approvalState + (p.approvalUnverified ? ' (unverified)' : ''), p.pgTid ?? '-', `requested ${at(p.approvalRequestedAt)}`, `next ${at(p.reconcileAfter)}`, `tries ${p.reconcileAttempts}`].join('  ');
}

export async function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; out?: (text: string) => void } = {},
): Promise<number> {
  const out = options.out ?? ((text: string) => process.stdout.write(`${text}\n`));
  const config = loadConfig(options.env ?? process.env);
  const secretFile = path.join(config.dataDir, 'instance-secret');
  const instanceSecret = config.instanceSecret ?? (existsSync(secretFile) ? (await readFile(secretFile, 'utf8')).trim() : null);
  if (!instanceSecret) {
    out(`인스턴스 비밀값이 없습니다: GYEOL_SECRET을 설정하거나 ${secretFile}을 두세요`);
    return 2;
  }
  const store = await createStore({ databaseUrl: config.databaseUrl ?? undefined, sqlitePath: path.join(config.dataDir, 'gyeol.sqlite') });
  try {
    await store.migrate();
    const noop = () => undefined;
    const services = createServices({
      store,
      clock: systemClock,
      secretBox: new SecretBox(instanceSecret),
      connectors: new Map<string, PgConnector<any>>([[smartroConnector.id, smartroConnector]]),
      connectorContext: { fetch: globalThis.fetch, clock: systemClock, timeoutMs: config.pgTimeoutMs },
      logger: { info: noop, warn: noop, error: noop },
      publicUrl: config.gatewayPublicUrl ?? `http://${config.host}:${config.gatewayPort}`,
      approvals: { returnWaitMs: config.returnWaitMs, confirmTimeoutMs: config.confirmTimeoutMs },
      webhooks: webhookSettingsOf(config),
      // The CLI listens on nothing: only the gateway's configured port is "itself".
      outbound: createOutboundHttp({ selfAddresses: () => [{ host: config.host, port: config.gatewayPort }] }),
    });
    const [group, command, ...rest] = args;
    if (group === 'reconcile') {
      const result = await services.approvals.reconcileDue(500);
      out(`조회 ${result.checked}건, 확정 ${result.settled}건`);
      return 0;
    }
    if (group === 'payments' && (command === 'in-approval' || command === 'inquire')) {
      const code = option(rest, '--store');
      const merchant = code ? await store.stores.findByImpCode(code) : null;
      if (!merchant) {
        out(`--store: 가맹점 식별코드에 해당하는 가맹점이 없습니다 (${code ?? '없음'})\n${USAGE}`);
        return 2;
      }
      if (command === 'in-approval') {
        const payments = await services.approvals.listInApproval(merchant.id);
        out(payments.length === 0 ? '승인 확인 중인 결제가 없습니다' : payments.map(line).join('\n'));
        return 0;
      }
      const impUid = rest.find((arg, i) => !arg.startsWith('--') && rest[i - 1] !== '--store');
      if (!impUid) {
        out(`imp_uid가 필요합니다\n${USAGE}`);
        return 2;
      }
      out(line(await services.approvals.inquireNow(merchant.id, impUid)));
      return 0;
    }
    out(USAGE);
    return 2;
  } finally {
    await store.close();
  }
}

if (process.argv[1] && /cli\.(js|ts)$/.test(process.argv[1])) {
  runCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
