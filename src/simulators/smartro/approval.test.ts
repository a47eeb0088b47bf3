// The connector against the simulator over real HTTP on ephemeral ports: the same wire the
// gateway uses in production, with the simulator standing in for Smartro.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorFault, type ApprovalInput, type ConnectorContext } from '../../connectors/contract';
import { executeFlow } from '../../connectors/executor';
import type { SmartroCredentials } from '../../connectors/smartro/credentials';
import { approveFlow, inquireFlow } from '../../connectors/smartro/flows';
import { credentials, paymentRequest, TEST_MERCHANT_KEY, TEST_MID, windowInput } from '../../connectors/smartro/test-fixtures';
import { openSmartroWindow, readSmartroWindowReturn, type SmartroLaunchData } from '../../connectors/smartro/window';
import { systemClock } from '../../domain/clock';
import { buildSmartroSimulator, type SmartroSimulator } from './server';
import { authenticate } from './test-helpers';

/** How long the late-approval and never-answered cards hold a request in this file. */
const HANG_MS = 1500;
let sim: SmartroSimulator;
let simUrl: string;
let htmlServer: Server;
let htmlUrl: string;

const ctx = (timeoutMs = 5000): ConnectorContext => ({ fetch: globalThis.fetch, clock: systemClock, timeoutMs });
const approve = (creds: SmartroCredentials, input: ApprovalInput, timeoutMs?: number) => executeFlow(ctx(timeoutMs), approveFlow, creds, input);
const inquire = (creds: SmartroCredentials, input: ApprovalInput, timeoutMs?: number) => executeFlow(ctx(timeoutMs), inquireFlow, creds, input);

/** Credentials of a channel whose every Smartro host is the simulator. */
const simCredentials = (url: string) => credentials({ jsBaseUrl: url, mobileJsBaseUrl: url, apiBaseUrl: url, receiptBaseUrl: url });

/** The signed tranMgr form fields the checkout window hands to SmartroPAY. */
function windowFields(creds: SmartroCredentials, amount = 1004, merchantUid = 'order20260115001'): Record<string, string> {
  const launch = openSmartroWindow(creds, windowInput({ payment: paymentRequest({ amount, merchantUid }) }), new Date());
  return (launch.data as SmartroLaunchData).fields;
}

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
  const creds = simCredentials(simUrl);
  const fields = windowFields(creds, amount, merchantUid);
  const { Tid, TrAuthKey } = await authenticate(simUrl, fields, { number: card, quota: amount >= 50_000 ? '03' : '00', company: '04' });
  // What the window hands back is read by the connector, which keeps the TrAuthKey for the approval.
  expect(readSmartroWindowReturn(creds, { Tid, TrAuthKey })).toEqual({ kind: 'authenticated', pgTid: Tid, auth: { trAuthKey: TrAuthKey } });
  const input: ApprovalInput = { pgTid: Tid, auth: { trAuthKey: TrAuthKey }, payMethod: 'card' };
  return { creds, fields, merchantUid, input };
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
  it('approves 4242 4242 4242 4242 with the card fields, the order and a receipt the simulator serves', async () => {
    const { creds, merchantUid, input } = await pay('4242 4242 4242 4242', 55_000);
    const result = await approve(creds, input);
    expect(result).toEqual({
      outcome: 'approved',
      pgTid: input.pgTid,
      approvedAt: expect.any(Date),
      code: '3001',
      message: '카드 결제 성공',
      order: { merchantUid, amount: 55_000, pgId: TEST_MID },
      details: {
        method: 'card',
        card: {
          cardCode: '365',
          cardName: '삼성',
          cardIssuerCode: '365',
          cardIssuerName: '삼성',
          cardPublisherCode: '365',
          cardPublisherName: '삼성',
          cardNumber: '42424242****424*',
          cardQuota: 3,
          cardType: 0,
          applyNum: expect.stringMatching(/^\d{8}$/),
        },
      },
      receiptUrl: `${simUrl}/issue/IssueLoader.jsp?TID=${input.pgTid}&type=0`,
      // The window asked for no escrow, and the simulator says it processed none.
      escrow: false,
    });
    const { approvedAt, receiptUrl } = result as { approvedAt: Date; receiptUrl: string };
    expect(Math.abs(approvedAt.getTime() - Date.now())).toBeLessThan(5000);
    const receipt = await fetch(receiptUrl);
    expect(receipt.status).toBe(200);
    expect(await receipt.text()).toContain('신용카드 매출전표');
  });

  it('approves any other valid card', async () => {
    const { creds, input } = await pay('5555 5555 5555 4444');
    expect((await approve(creds, input)).outcome).toBe('approved');
  });

  it.each([
    ['4000 0000 0000 0002', '3051', '카드사 승인 거절'],
    ['4000 0000 0000 9995', '3052', '잔액부족 (한도초과)'],
    ['4000 0000 0000 9987', '3053', '분실/도난 신고된 카드입니다'],
  ])('declines %s with %s, signed', async (card, code, message) => {
    const { creds, input } = await pay(card);
    expect(await approve(creds, input)).toEqual({ outcome: 'declined', pgTid: input.pgTid, code, message, verified: true });
  });

  it('refuses a second approval of the same Tid', async () => {
    const { creds, input } = await pay('4242424242424242');
    expect((await approve(creds, input)).outcome).toBe('approved');
    expect(await approve(creds, input)).toEqual({
      outcome: 'declined',
      pgTid: input.pgTid,
      code: 'R004',
      message: '이미 승인 요청된 거래입니다',
      verified: true,
    });
    // …and the inquiry still tells the truth.
    expect((await inquire(creds, input)).outcome).toBe('approved');
  });

  it('a wrong TrAuthKey gets the unsigned 9999 body: an unverified decline naming no transaction', async () => {
    const { creds, input } = await pay('4242424242424242');
    expect(await approve(creds, { ...input, auth: { trAuthKey: 'not-the-key' } })).toEqual({
      outcome: 'declined',
      pgTid: null,
      code: '9999',
      message: '인증키(TrAuthKey)가 일치하지 않습니다',
      verified: false,
    });
    // The transaction was not touched: the right key still gets it approved.
    expect((await approve(creds, input)).outcome).toBe('approved');
  });

  it('faults on the signature when the connector holds another merchant key', async () => {
    const { creds, input } = await pay('4242424242424242');
    const f = await fault(approve({ ...creds, merchantKey: 'Z'.repeat(64) }, input));
    expect(f.kind).toBe('signature');
  });

  it('the approval and the inquiry report the order they are about: the window’s Moid, Amt and Mid', async () => {
    const { creds, fields, input } = await pay('4242424242424242', 2000);
    const order = { merchantUid: fields.Moid, amount: Number(fields.Amt), pgId: fields.Mid };
    expect(order).toEqual({ merchantUid: expect.stringMatching(/^order\d+$/), amount: 2000, pgId: TEST_MID });
    expect(await approve(creds, input)).toEqual(expect.objectContaining({ outcome: 'approved', order }));
    expect(await inquire(creds, input)).toEqual(expect.objectContaining({ outcome: 'approved', order }));
  });

  it('faults as malformed when the approval host answers HTML', async () => {
    const { creds, input } = await pay('4242424242424242');
    const f = await fault(approve({ ...creds, apiBaseUrl: htmlUrl }, input));
    expect(f.kind).toBe('malformed');
  });

  it('system error card: the unsigned 9999 body is an unverified decline; the inquiry says not approved', async () => {
    const { creds, input } = await pay('4000 0000 0000 0119');
    expect(await approve(creds, input)).toEqual({ outcome: 'declined', pgTid: null, code: '9999', message: '시스템에러 잠시후 재 거래', verified: false });
    expect(await inquire(creds, input)).toEqual({
      outcome: 'declined',
      pgTid: input.pgTid,
      code: 'R006',
      message: '승인되지 않은 거래입니다',
      verified: true,
    });
  });

  it('late-approval card: the connector times out, yet the inquiry already reports the approval', async () => {
    const { creds, input } = await pay('4000 0000 0000 0101', 55_000);
    const started = Date.now();
    const f = await fault(approve(creds, input, 300));
    expect(f.kind).toBe('timeout');
    expect(f.outcomeUnknown).toBe(true);
    expect(Date.now() - started).toBeLessThan(HANG_MS);
    const inquiry = await inquire(creds, input);
    expect(inquiry).toMatchObject({ outcome: 'approved', pgTid: input.pgTid, code: '3001', details: { card: { cardNumber: '40000000****010*' } } });
  });

  it('late-approval card: a caller that waits gets the signed approval after hangMs', async () => {
    const { creds, input } = await pay('4000 0000 0000 0101');
    const started = Date.now();
    const result = await approve(creds, input, HANG_MS + 3000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(HANG_MS - 50);
    expect(result).toMatchObject({ outcome: 'approved', code: '3001' });
  });

  it('never-answered card: no answer, the connection is dropped; the inquiry says not approved', async () => {
    const { creds, input } = await pay('4000 0000 0000 0200');
    const started = Date.now();
    const f = await fault(approve(creds, input, HANG_MS + 3000));
    // The request was sent and nothing came back: the outcome is unknown to the caller.
    expect(f.outcomeUnknown).toBe(true);
    expect(f.kind).not.toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(HANG_MS - 50);
    const notApproved = { outcome: 'declined', pgTid: input.pgTid, code: 'R006', message: '승인되지 않은 거래입니다', verified: true };
    expect(await inquire(creds, input)).toEqual(notApproved);
    // Asking again does not approve it either.
    expect(await approve(creds, input)).toMatchObject({ outcome: 'declined', code: 'R004' });
    expect(await inquire(creds, input)).toEqual(notApproved);
  });

  it('closing the simulator releases held requests at once instead of waiting hangMs', async () => {
    const other = buildSmartroSimulator({
      merchants: new Map([[TEST_MID, { merchantKey: TEST_MERCHANT_KEY }]]),
      assetDir: mkdtempSync(path.join(tmpdir(), 'gyeol-sim-')),
      hangMs: 60_000,
    });
    await other.listen({ port: 0, host: '127.0.0.1' });
    const otherUrl = `http://127.0.0.1:${(other.server.address() as AddressInfo).port}`;
    const creds = simCredentials(otherUrl);
    const held = async (card: string) => {
      const { Tid, TrAuthKey } = await authenticate(otherUrl, windowFields(creds), { number: card });
      return approve(creds, { pgTid: Tid, auth: { trAuthKey: TrAuthKey }, payMethod: 'card' }, 60_000).then(
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
    const f = await fault(approve({ ...creds, apiBaseUrl: `http://127.0.0.1:${port}` }, input));
    expect(f.kind).toBe('network');
    expect(f.outcomeUnknown).toBe(false);
  });

  it('refuses a tampered EncryptData at /payment/auth', async () => {
    const fields = windowFields(simCredentials(simUrl));
    const res = await fetch(`${simUrl}/payment/auth`, { method: 'POST', body: new URLSearchParams({ ...fields, Amt: '10', SimChannel: 'mobile' }) });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('위변조 검증(EncryptData)에 실패했습니다');
  });
});
