import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildSmartroSimulator, type SmartroSimulator } from '../../src/simulators/smartro/server';
import type { ChannelRecord } from '../../src/store/types';
import type { GatewayHarness } from './gateway-harness';

export const RECEIPT_MID = 'gyeolrcpt1';
const RECEIPT_KEY = 'receiptTestMerchantKey0123456789abcdefghijklmn';

/**
 * A Smartro simulator on an ephemeral 127.0.0.1 port (sharing the harness's clock) and a channel
 * of the harness's merchant pointing at it, for the cash receipt route tests.
 */
export async function startReceiptSimulator(h: GatewayHarness, options: { hangMs?: number } = {}): Promise<{ sim: SmartroSimulator; simUrl: string; channel: ChannelRecord }> {
  const assetDir = mkdtempSync(path.join(tmpdir(), 'gyeol-rcpt-assets-'));
  writeFileSync(path.join(assetDir, 'SmartroPAY-1.0.min.js'), '/* test bundle */');
  const sim = buildSmartroSimulator({ merchants: new Map([[RECEIPT_MID, { merchantKey: RECEIPT_KEY, companyName: '결 영수증 상점' }]]), assetDir, clock: h.clock, hangMs: options.hangMs ?? 3000 });
  const simUrl = await sim.listen({ port: 0, host: '127.0.0.1' });
  const channel = await h.services.provisioning.createChannel({
    storeId: h.merchant.id,
    name: 'smartro receipts',
    pgProvider: 'smartro_v2',
    pgId: RECEIPT_MID,
    testMode: true,
    isDefault: false,
    settings: { jsBaseUrl: simUrl, apiBaseUrl: simUrl, receiptBaseUrl: simUrl },
    secrets: { merchantKey: RECEIPT_KEY, cancelPassword: '123456' },
  });
  return { sim, simUrl, channel };
}
