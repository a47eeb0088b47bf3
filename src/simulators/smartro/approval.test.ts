// The connector against the simulator over real HTTP on ephemeral ports: the same wire the
// gateway uses in production, with the simulator standing in for Smartro.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorFault, type ConnectorContext } from '../../connectors/contract';
import { SmartroConnector } from '../../connectors/smartro/client';
import { credentials, paymentRequest, TEST_MERCHANT_KEY, TEST_MID, windowInput } from '../../connectors/smartro/test-fixtures';
import { systemClock } from '../../domain/clock';
import { buildSmartroSimulator, type SmartroSimulator } from './server';
import { authenticate } from './test-helpers';

const connector = new SmartroConnector();
/** How long the late-approval and never-answered cards hold a request in this file. */
const HANG_MS = 1500;
let sim: SmartroSimulator;
let simUrl: string;
let htmlServer: Server;
let htmlUrl: string;

const ctx = (timeoutMs = 5000): ConnectorContext => ({ fetch: globalThis.fetch, clock: systemClock, timeoutMs });

beforeAll(async () => {
  sim = buildSmartroSimulator({
    merchants: new Map([[TEST_MID, { merchantKey: TEST_MERCHANT_KEY }]]),
    assetDir: mkdtempSync(path.join(tmpdir(), 'gyeol-sim-')),
    hangMs: HANG_MS,
  });
  await sim.listen({ port: 0, host: '127.0.0.1' });
  simUrl = `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}`;

  // A host that answers like a misconfigured proxy: 200 with an HTML page.
  htmlServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><html><body>점검 중입니다</body></html>');
  });
  await new Promise<void>((resolve) => htmlServer.listen(0, '127.0.0.1', resolve));
  htmlUrl = `http://127.0.0.1:${(htmlServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await sim?.close();
  await new Promise((resolve) => htmlServer?.close(resolve));
});

/** Opens a window for `amount` (signed by the connector) and pays with `card` as a buyer would. */
async function pay(card: string, amount = 1004, merchantUid = `order${Date.now()}${Math.floor(Math.random() * 1000)}`) {
  const creds = credentials({ jsBaseUrl: simUrl, apiBaseUrl: simUrl });
  const launch = connector.buildPaymentWindow(creds, windowInput({ request: paymentRequest({ amount, merchantUid }) }), new Date());
  const { Tid, TrAuthKey } = await authenticate(simUrl, launch.fields, { number: card, quota: amount >= 50_000 ? '03' : '00', company: '04' });
  const back = connector.parseWindowReturn({ Tid, TrAuthKey });
  if (back.kind !== 'authenticated') throw new Error('not authenticated');
  return { creds, input: { pgTid: back.pgTid, authToken: back.authToken, expected: { merchantUid, amount } } };
}

async function fault(promise: Promise<unknown>): Promise<ConnectorFault> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectorFault);
  return err as ConnectorFault;
}

describe('connector ↔ simulator', () => {
  it('approves 4242 4242 4242 4242 with the card fields', async () => {
    const { creds, input } = await pay('4242 4242 4242 4242', 55_000);
    const result = await connector.approvePayment(ctx(), creds, input);
    expect(result).toMatchObject({
      outcome: 'approved',
      pgTid: input.pgTid,
      code: '3001',
      message: '카드 결제 성공',
      receiptUrl: null,
      card: {
        cardCode: '365',
        cardName: '삼성',
        cardIssuerCode: '365',
        cardPublisherCode: '365',
        cardNumber: '42424242****424*',
        cardQuota: 3,
        cardType: 0,
      },
    });
    if (result.outcome !== 'approved') throw new Error('unreachable');
    expect(result.card.applyNum).toMatch(/^\d{8}$/);
    expect(Math.abs(result.approvedAt.getTime() - Date.now())).toBeLessThan(5000);
  });

  it('approves any other valid card', async () => {
    const { creds, input } = await pay('5555 5555 5555 4444');
    expect((await connector.approvePayment(ctx(), creds, input)).outcome).toBe('approved');
  });

  it.each([
    ['4000 0000 0000 0002', '3051', '카드사 승인 거절'],
    ['4000 0000 0000 9995', '3052', '잔액부족 (한도초과)'],
    ['4000 0000 0000 9987', '3053', '분실/도난 신고된 카드입니다'],
  ])('declines %s with %s', async (card, code, message) => {
    const { creds, input } = await pay(card);
    expect(await connector.approvePayment(ctx(), creds, input)).toEqual({ outcome: 'declined', pgTid: input.pgTid, code, message });
  });

  it('refuses a second approval of the same Tid', async () => {
    const { creds, input } = await pay('4242424242424242');
    expect((await connector.approvePayment(ctx(), creds, input)).outcome).toBe('approved');
    const second = await connector.approvePayment(ctx(), creds, input);
    expect(second).toMatchObject({ outcome: 'declined', code: 'R004' });
    // …and the inquiry still tells the truth.
    expect((await connector.inquireApproval(ctx(), creds, input)).outcome).toBe('approved');
  });

  it('faults on the signature when the connector holds another merchant key', async () => {
    const { creds, input } = await pay('4242424242424242');
    const f = await fault(connector.approvePayment(ctx(), { ...creds, merchantKey: 'Z'.repeat(64) }, input));
    expect(f.kind).toBe('signature');
  });

  it('faults as mismatch when the approved amount is not what gyeol expected', async () => {
    const { creds, input } = await pay('4242424242424242', 2000);
    const f = await fault(connector.approvePayment(ctx(), creds, { ...input, expected: { ...input.expected, amount: 1000 } }));
    expect(f.kind).toBe('mismatch');
  });

  it('faults as malformed when the approval host answers HTML', async () => {
    const { creds, input } = await pay('4242424242424242');
    const f = await fault(connector.approvePayment(ctx(), { ...creds, apiBaseUrl: htmlUrl }, input));
    expect(f.kind).toBe('malformed');
  });

  it('system error card: the unsigned 9999 body is no trustworthy answer; the inquiry says not approved', async () => {
    const { creds, input } = await pay('4000 0000 0000 0119');
    await fault(connector.approvePayment(ctx(), creds, input));
    expect(await connector.inquireApproval(ctx(), creds, input)).toEqual({
      outcome: 'declined',
      pgTid: input.pgTid,
      code: 'R006',
      message: '승인되지 않은 거래입니다',
    });
  });

  it('late-approval card: the connector times out, yet the inquiry already reports the approval', async () => {
    const { creds, input } = await pay('4000 0000 0000 0101', 55_000);
    const started = Date.now();
    const f = await fault(connector.approvePayment(ctx(300), creds, input));
    expect(f.kind).toBe('timeout');
    expect(f.outcomeUnknown).toBe(true);
    expect(Date.now() - started).toBeLessThan(HANG_MS);
    const inquiry = await connector.inquireApproval(ctx(), creds, input);
    expect(inquiry).toMatchObject({ outcome: 'approved', pgTid: input.pgTid, code: '3001', card: { cardNumber: '40000000****010*' } });
  });

  it('late-approval card: a caller that waits gets the signed approval after hangMs', async () => {
    const { creds, input } = await pay('4000 0000 0000 0101');
    const started = Date.now();
    const result = await connector.approvePayment(ctx(HANG_MS + 3000), creds, input);
    expect(Date.now() - started).toBeGreaterThanOrEqual(HANG_MS - 50);
    expect(result).toMatchObject({ outcome: 'approved', code: '3001' });
  });

  it('never-answered card: no answer, the connection is dropped; the inquiry says not approved', async () => {
    const { creds, input } = await pay('4000 0000 0000 0200');
    const started = Date.now();
    const f = await fault(connector.approvePayment(ctx(HANG_MS + 3000), creds, input));
    // The request was sent and nothing came back: the outcome is unknown to the caller.
    expect(f.outcomeUnknown).toBe(true);
    expect(f.kind).not.toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(HANG_MS - 50);
    expect(await connector.inquireApproval(ctx(), creds, input)).toMatchObject({ outcome: 'declined', code: 'R006' });
    // Asking again does not approve it either.
    expect(await connector.approvePayment(ctx(), creds, input)).toMatchObject({ outcome: 'declined', code: 'R004' });
    expect(await connector.inquireApproval(ctx(), creds, input)).toMatchObject({ outcome: 'declined', code: 'R006' });
  });

  it('closing the simulator releases held requests at once instead of waiting hangMs', async () => {
    const other = buildSmartroSimulator({
      merchants: new Map([[TEST_MID, { merchantKey: TEST_MERCHANT_KEY }]]),
      assetDir: mkdtempSync(path.join(tmpdir(), 'gyeol-sim-')),
      hangMs: 60_000,
    });
    await other.listen({ port: 0, host: '127.0.0.1' });
    const otherUrl = `http://127.0.0.1:${(other.server.address() as AddressInfo).port}`;
    const creds = credentials({ apiBaseUrl: otherUrl });
    const held = async (card: string) => {
      const launch = connector.buildPaymentWindow(creds, windowInput(), new Date());
      const { Tid, TrAuthKey } = await authenticate(otherUrl, launch.fields, { number: card });
      const input = { pgTid: Tid, authToken: TrAuthKey, expected: { merchantUid: 'order20260115001', amount: 1004 } };
      return connector.approvePayment(ctx(60_000), creds, input).then(
        (result): { result?: unknown; error?: unknown } => ({ result }),
        (error: unknown) => ({ error }),
      );
    };
    const late = held('4000 0000 0000 0101');
    const never = held('4000 0000 0000 0200');
    // Both requests are in the simulator's hands once their transactions are settled.
    await expect
      .poll(async () => {
        const res = await fetch(`${otherUrl}/sim/transactions?mid=${TEST_MID}`);
        return ((await res.json()) as { transactions: { approval: string }[] }).transactions.map((t) => t.approval).sort();
      })
      .toEqual(['approved', 'not-approved']);
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await late).toMatchObject({ result: { outcome: 'approved' } });
    expect((await never).error).toBeInstanceOf(ConnectorFault);
  });

  it('faults as network (never sent) when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { creds, input } = await pay('4242424242424242');
    const f = await fault(connector.approvePayment(ctx(), { ...creds, apiBaseUrl: `http://127.0.0.1:${port}` }, input));
    expect(f.kind).toBe('network');
    expect(f.outcomeUnknown).toBe(false);
  });

  it('refuses a tampered EncryptData at /payment/auth', async () => {
    const creds = credentials({ jsBaseUrl: simUrl, apiBaseUrl: simUrl });
    const { fields } = connector.buildPaymentWindow(creds, windowInput(), new Date());
    const res = await fetch(`${simUrl}/payment/auth`, { method: 'POST', body: new URLSearchParams({ ...fields, Amt: '10', SimChannel: 'mobile' }) });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('위변조 검증(EncryptData)에 실패했습니다');
  });
});
