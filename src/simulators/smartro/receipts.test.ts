import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectorFault, type ConnectorContext, type ReceiptIssueInput } from '../../connectors/contract';
import { executeFlow } from '../../connectors/executor';
import { encryptEnvelope } from '../../connectors/smartro/crypto';
import { cancelReceiptFlow, issueReceiptFlow } from '../../connectors/smartro/receipts';
import { credentials, TEST_MERCHANT_KEY, TEST_MID } from '../../connectors/smartro/test-fixtures';
import { RECEIPT_ISSUE_PATH } from '../../connectors/smartro/wire';
import { ManualClock } from '../../domain/clock';
import { DECLINED_RECEIPT_IDENTITY, LATE_RECEIPT_IDENTITY, RECEIPT_ERRORS } from './receipts';
import { buildSmartroSimulator, type SmartroSimulator } from './server';

const NOW = new Date('2026-01-15T12:00:00Z');
const assetDir = mkdtempSync(path.join(tmpdir(), 'gyeol-sim-assets-'));
writeFileSync(path.join(assetDir, 'SmartroPAY-1.0.min.js'), '/* test bundle */');

let sim: SmartroSimulator;
let simUrl: string;
let ctx: ConnectorContext;

beforeEach(async () => {
  sim = buildSmartroSimulator({ merchants: new Map([[TEST_MID, { merchantKey: TEST_MERCHANT_KEY }]]), assetDir, clock: new ManualClock(NOW), hangMs: 1500 });
  simUrl = await sim.listen({ port: 0, host: '127.0.0.1' });
  ctx = { fetch: globalThis.fetch, clock: new ManualClock(NOW), timeoutMs: 3000 };
});
afterEach(async () => sim.close());

const creds = () => credentials({ apiBaseUrl: simUrl, receiptBaseUrl: simUrl });

function issueInput(overrides: Partial<ReceiptIssueInput> = {}): ReceiptIssueInput {
  return {
    orderId: 'rcpt20260115001',
    pgTid: null,
    payMethod: 'trans',
    goodsName: '결 머그컵',
    amount: 11000,
    vat: 1000,
    taxFree: 0,
    purpose: 'person',
    identifierType: 'phone',
    identifier: '01012345678',
    buyerName: '홍길동',
    buyerTel: '010-1234-5678',
    buyerEmail: null,
    ...overrides,
  };
}

describe('cash receipts on the simulator, through the Smartro connector flows', () => {
  it('issues a receipt (signed 7001), shows its page, and answers the same receipt to a re-send', async () => {
    const issued = await executeFlow(ctx, issueReceiptFlow, creds(), issueInput());
    expect(issued).toEqual({
      outcome: 'issued',
      receiptTid: expect.stringMatching(new RegExp(`^${TEST_MID}0701\\d{16}$`)),
      applyNum: expect.stringMatching(/^\d{9}$/),
      issuedAt: NOW,
      receiptUrl: expect.stringContaining(`${simUrl}/issue/IssueLoader.jsp?TID=`),
      code: '7001',
      message: '현금영수증 발급 성공',
    });
    if (issued.outcome !== 'issued') throw new Error('not issued');
    const again = await executeFlow(ctx, issueReceiptFlow, creds(), issueInput());
    expect(again).toEqual(issued);

    const page = await fetch(issued.receiptUrl as string);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('현금영수증');
    expect(html).toContain(issued.applyNum);
    expect(html).toContain('010******78');
    expect(html).not.toContain('01012345678');
  });

  it('refuses another receipt of the same order with other contents, until the first is cancelled', async () => {
    const first = await executeFlow(ctx, issueReceiptFlow, creds(), issueInput());
    if (first.outcome !== 'issued') throw new Error('not issued');
    const other = await executeFlow(ctx, issueReceiptFlow, creds(), issueInput({ identifier: '01087654321' }));
    expect(other).toEqual({ outcome: 'declined', code: RECEIPT_ERRORS.ALREADY_ISSUED.code, message: RECEIPT_ERRORS.ALREADY_ISSUED.message, verified: false });

    const cancel = { receiptTid: first.receiptTid, orderId: 'rcpt20260115001', amount: 11000, reason: '주문 취소' };
    const cancelled = await executeFlow(ctx, cancelReceiptFlow, creds(), cancel);
    expect(cancelled).toEqual({ outcome: 'cancelled', receiptTid: first.receiptTid, cancelledAt: NOW, code: '2001', message: '현금영수증 발급 취소 성공' });
    // A re-sent cancel ends the same way (2013: already cancelled).
    expect(await executeFlow(ctx, cancelReceiptFlow, creds(), cancel)).toEqual({ ...cancelled, code: '2013', message: '이미 취소된 현금영수증입니다' });
    const page = await (await fetch(first.receiptUrl as string)).text();
    expect(page).toContain('발급 취소된 현금영수증입니다');

    const second = await executeFlow(ctx, issueReceiptFlow, creds(), issueInput({ identifier: '01087654321' }));
    expect(second).toMatchObject({ outcome: 'issued', code: '7001' });
    expect(second.outcome === 'issued' && second.receiptTid).not.toBe(first.receiptTid);
  });

  it('refuses identifiers that break their rule, naming it', async () => {
    const cases: [Partial<ReceiptIssueInput>, string][] = [
      [{ identifierType: 'phone', identifier: '0101234' }, '휴대폰 번호는 01로 시작하는 10~11자리 숫자여야 합니다'],
      [{ identifierType: 'person', identifier: '900101123456' }, '주민등록번호는 13자리 숫자여야 합니다'],
      [{ identifierType: 'business', identifier: '12345678', purpose: 'company' }, '사업자등록번호는 10자리 숫자여야 합니다'],
      [{ identifierType: 'taxcard', identifier: '12345678901234567' }, '현금영수증 카드번호는 18자리 숫자여야 합니다'],
      [{ identifierType: 'business', identifier: '1234567890', purpose: 'person' }, '사업자등록번호로는 소득공제용(ReceiptType 1)을 발급할 수 없습니다'],
    ];
    for (const [overrides, rule] of cases) {
      expect(await executeFlow(ctx, issueReceiptFlow, creds(), issueInput(overrides))).toEqual({
        outcome: 'declined',
        code: RECEIPT_ERRORS.BAD_IDENTITY.code,
        message: `${RECEIPT_ERRORS.BAD_IDENTITY.message}: ${rule}`,
        verified: false,
      });
    }
    expect(await executeFlow(ctx, issueReceiptFlow, creds(), issueInput({ identifierType: 'business', identifier: '1234567890', purpose: 'company' }))).toMatchObject({ outcome: 'issued' });
  });

  it('declines the test identifier with a signed answer, and refuses amounts that do not add up', async () => {
    expect(await executeFlow(ctx, issueReceiptFlow, creds(), issueInput({ identifier: DECLINED_RECEIPT_IDENTITY }))).toEqual({
      outcome: 'declined',
      code: 'R710',
      message: RECEIPT_ERRORS.DECLINED.message,
      verified: true,
    });
    expect(await executeFlow(ctx, issueReceiptFlow, creds(), issueInput({ vat: 20000 }))).toMatchObject({ outcome: 'declined', verified: false });
  });

  it('refuses an envelope under another key, and the connector refuses an answer signed with another key', async () => {
    const res = await fetch(`${simUrl}${RECEIPT_ISSUE_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Mid: TEST_MID, EncData: encryptEnvelope({ Mid: TEST_MID }, 'x'.repeat(40)) }),
    });
    expect(await res.json()).toEqual({ ResultCode: '9999', ResultMsg: RECEIPT_ERRORS.BAD_ENVELOPE.message });

    const issued = await executeFlow(ctx, issueReceiptFlow, creds(), issueInput());
    if (issued.outcome !== 'issued') throw new Error('not issued');
    // The simulator signs with the merchant's key; a connector holding another key sees a forged answer.
    const answer = { status: 200, url: 'x', body: JSON.stringify({ ResultCode: '7001', Tid: issued.receiptTid, SignValue: 'bm90IGEgc2lnbmF0dXJl', Moid: 'rcpt20260115001', Amt: '11000', ReceiptAppNo: '1' }) };
    expect(() => issueReceiptFlow.readAnswer(creds(), issueInput(), answer, NOW)).toThrow(ConnectorFault);
    expect(() => issueReceiptFlow.readAnswer(creds(), issueInput(), answer, NOW)).toThrow(/SignValue/);
  });

  it('holds the answer for the late test identifier (a timeout), and a re-send gets the receipt it issued', async () => {
    const late = issueInput({ identifier: LATE_RECEIPT_IDENTITY });
    const fault = await executeFlow({ ...ctx, timeoutMs: 300 }, issueReceiptFlow, creds(), late).catch((e: unknown) => e);
    expect(fault).toBeInstanceOf(ConnectorFault);
    expect((fault as ConnectorFault).outcomeUnknown).toBe(true);
    const resent = await executeFlow(ctx, issueReceiptFlow, creds(), late);
    expect(resent).toMatchObject({ outcome: 'issued', code: '7001' });
  });
});
