import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../domain/clock';
import { ConnectorFault, type ApprovalResult, type ConnectorContext } from '../contract';
import { executeFlow } from '../executor';
import { signValue } from './crypto';
import { approveFlow, inquireFlow } from './flows';
import { credentials, TEST_MERCHANT_KEY, TEST_MID } from './test-fixtures';

/**
 * The approval flows against a real HTTP server on 127.0.0.1 that answers as the test says: real
 * sockets, the global fetch, the shared executor's deadline.
 */

const NOW = new Date('2026-01-15T12:00:05Z');
const TID = `${TEST_MID}01012601152100001234`;
const RECEIPT_BASE = 'https://receipt.example';

interface SeenRequest {
  method: string;
  url: string;
  contentType: string | undefined;
  body: string;
}

type Answer = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let baseUrl: string;
let answer: Answer;
let seen: SeenRequest[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') });
      answer(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  // Idle keep-alive sockets stay open between tests: closing them here would make fetch send the
  // next request on a socket it still believes in, and fail it as a network fault.
  seen = [];
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
});

function answerWith(status: number, body: string, contentType = 'application/json;charset=UTF-8'): void {
  answer = (_req, res) => {
    res.writeHead(status, { 'content-type': contentType });
    res.end(body);
  };
}

function context(timeoutMs = 2_000): ConnectorContext {
  return { fetch: globalThis.fetch, clock: new ManualClock(NOW), timeoutMs };
}

function channel() {
  return credentials({ apiBaseUrl: baseUrl, receiptBaseUrl: RECEIPT_BASE });
}

/** A body as Smartro signs it: SignValue over Tid and ResultCode with the merchant key. */
function signed(body: Record<string, string>, key = TEST_MERCHANT_KEY): string {
  return JSON.stringify({ ...body, SignValue: signValue(body.Tid, body.ResultCode, key) });
}

const approvedBody = {
  Tid: TID,
  ResultCode: '3001',
  ResultMsg: '카드 결제 성공',
  Mid: TEST_MID,
  Moid: 'order1',
  Amt: '1004',
  AppCardCode: '04',
  AppCardName: '삼성',
  AcquCardCode: '01',
  AcquCardName: 'BC',
  CardNum: '53210000****123*',
  CardQuota: '00',
  CardType: '1',
  AuthCode: '87654321',
  AuthDate: '260115210001',
};

const approvedResult: ApprovalResult = {
  outcome: 'approved',
  pgTid: TID,
  approvedAt: new Date('2026-01-15T12:00:01Z'),
  code: '3001',
  message: '카드 결제 성공',
  order: { merchantUid: 'order1', amount: 1004, pgId: TEST_MID },
  details: {
    method: 'card',
    card: {
      cardCode: '365',
      cardName: '삼성',
      cardIssuerCode: '365',
      cardIssuerName: '삼성',
      cardPublisherCode: '361',
      cardPublisherName: 'BC',
      cardNumber: '53210000****123*',
      cardQuota: 0,
      cardType: 1,
      applyNum: '87654321',
    },
  },
  receiptUrl: `${RECEIPT_BASE}/issue/IssueLoader.jsp?TID=${TID}&type=0`,
  // The canned answer has no EscrowCd.
  escrow: null,
};

const approve = (ctx = context()) => executeFlow(ctx, approveFlow, channel(), { pgTid: TID, auth: { trAuthKey: 'auth-key-1' }, payMethod: 'card' });

async function faultOf(promise: Promise<unknown>): Promise<ConnectorFault> {
  const err = await promise.then(
    () => new Error('expected a ConnectorFault, got a result'),
    (e: unknown) => e,
  );
  if (!(err instanceof ConnectorFault)) throw err;
  return err;
}

describe('approveFlow over HTTP', () => {
  it('POSTs JSON {Tid, TrAuthKey} to urlCallApproval.do and returns the approval with its order and card', async () => {
    answerWith(200, signed(approvedBody));
    expect(await approve()).toEqual(approvedResult);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/payment/approval/urlCallApproval.do', contentType: 'application/json' });
    expect(JSON.parse(seen[0].body)).toEqual({ Tid: TID, TrAuthKey: 'auth-key-1' });
  });

  it('keeps a path prefix of the channel’s API host', async () => {
    answerWith(200, signed(approvedBody));
    await executeFlow(context(), approveFlow, credentials({ apiBaseUrl: `${baseUrl}/smartro`, receiptBaseUrl: RECEIPT_BASE }), { pgTid: TID, auth: { trAuthKey: 'k' }, payMethod: 'card' });
    expect(seen.map((r) => r.url)).toEqual(['/smartro/payment/approval/urlCallApproval.do']);
  });

  it('returns the order the PG approved as it is, for the services to compare', async () => {
    answerWith(200, signed({ ...approvedBody, Moid: 'order2', Amt: '000000001005', Mid: 'othermid01' }));
    expect(await approve()).toEqual({ ...approvedResult, order: { merchantUid: 'order2', amount: 1005, pgId: 'othermid01' } });
  });

  it('reads a signed decline as a verified decline', async () => {
    answerWith(200, signed({ Tid: TID, ResultCode: '3051', ResultMsg: '한도초과' }));
    expect(await approve()).toEqual({ outcome: 'declined', pgTid: TID, code: '3051', message: '한도초과', verified: true });
  });

  it('reads Smartro’s bare error body as an unverified decline without a Tid', async () => {
    answerWith(200, '{"ResultCode":"9999","ResultMsg":"시스템에러 잠시후 재 거래"}');
    expect(await approve()).toEqual({ outcome: 'declined', pgTid: null, code: '9999', message: '시스템에러 잠시후 재 거래', verified: false });
  });

  it('never trusts an unsigned approval', async () => {
    answerWith(200, JSON.stringify(approvedBody));
    expect(await faultOf(approve())).toMatchObject({ kind: 'malformed', outcomeUnknown: true });
  });

  it('faults when SignValue was made with another key or for another result code', async () => {
    answerWith(200, signed(approvedBody, 'X'.repeat(64)));
    expect(await faultOf(approve())).toMatchObject({ kind: 'signature', outcomeUnknown: true });
    // A decline's signature pasted onto an approval.
    answerWith(200, JSON.stringify({ ...approvedBody, SignValue: signValue(TID, '3051', TEST_MERCHANT_KEY) }));
    expect(await faultOf(approve())).toMatchObject({ kind: 'signature', outcomeUnknown: true });
  });

  it('faults on a verified answer about another Tid', async () => {
    answerWith(200, signed({ ...approvedBody, Tid: `${TID.slice(0, -1)}0` }));
    expect(await faultOf(approve())).toMatchObject({ kind: 'mismatch', outcomeUnknown: true });
  });

  it('faults on a 200 answer that is not JSON', async () => {
    answerWith(200, '<html><body>점검중</body></html>', 'text/html');
    expect(await faultOf(approve())).toMatchObject({ kind: 'malformed', outcomeUnknown: true });
  });

  it('faults on an HTTP error status without a JSON body', async () => {
    answerWith(500, '<html>Internal Server Error</html>', 'text/html');
    expect(await faultOf(approve())).toMatchObject({ kind: 'http', outcomeUnknown: true });
  });

  it('times out a PG that never answers, leaving the outcome unknown', async () => {
    answer = () => {
      // Never answers; the client's abort closes the socket.
    };
    const started = Date.now();
    const fault = await faultOf(approve(context(200)));
    expect(fault).toMatchObject({ kind: 'timeout', outcomeUnknown: true });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(seen).toHaveLength(1);
  });

  it('knows a refused connection never reached the PG', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const fault = await faultOf(
      executeFlow(context(), approveFlow, credentials({ apiBaseUrl: `http://127.0.0.1:${port}` }), { pgTid: TID, auth: { trAuthKey: 'k' }, payMethod: 'card' }),
    );
    expect(fault).toMatchObject({ kind: 'network', outcomeUnknown: false });
  });
});

describe('inquireFlow over HTTP', () => {
  it('POSTs the same JSON body to approvalInquiry.do and reads the answer with the same checks', async () => {
    answerWith(200, signed(approvedBody));
    expect(await executeFlow(context(), inquireFlow, channel(), { pgTid: TID, auth: { trAuthKey: 'auth-key-1' }, payMethod: 'card' })).toEqual(approvedResult);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/payment/approval/approvalInquiry.do', contentType: 'application/json' });
    expect(JSON.parse(seen[0].body)).toEqual({ Tid: TID, TrAuthKey: 'auth-key-1' });

    answerWith(200, signed({ ...approvedBody, Tid: `${TID.slice(0, -1)}0` }));
    expect(await faultOf(executeFlow(context(), inquireFlow, channel(), { pgTid: TID, auth: null, payMethod: 'card' }))).toMatchObject({ kind: 'mismatch' });
  });

  it('sends an empty TrAuthKey when the auth is no longer known', async () => {
    answerWith(200, signed({ Tid: TID, ResultCode: '3051', ResultMsg: '거래없음' }));
    expect(await executeFlow(context(), inquireFlow, channel(), { pgTid: TID, auth: null, payMethod: 'card' })).toEqual({
      outcome: 'declined',
      pgTid: TID,
      code: '3051',
      message: '거래없음',
      verified: true,
    });
    expect(JSON.parse(seen[0].body)).toEqual({ Tid: TID, TrAuthKey: '' });
  });
});
