/**
 * The demo shop's REST client for the gateway's V1 API, as a merchant server uses PortOne's:
 * `POST /users/getToken` with imp_key/imp_secret, then `Authorization: Bearer <token>`.
 * Only what the shop needs: reading one payment.
 */

/** The V1 payment fields the shop looks at (GET /payments/{imp_uid} → response). */
export interface V1Payment {
  imp_uid: string;
  merchant_uid: string;
  status: 'ready' | 'paid' | 'cancelled' | 'failed' | string;
  amount: number;
  currency: string;
  name?: string | null;
  pay_method?: string | null;
  bank_name?: string | null;
  vbank_name?: string | null;
  vbank_num?: string | null;
  vbank_holder?: string | null;
  /** The account's deadline, UNIX seconds (0 when none). */
  vbank_date?: number;
  card_name?: string | null;
  card_number?: string | null;
  apply_num?: string | null;
  paid_at?: number;
  fail_reason?: string | null;
  cancel_reason?: string | null;
}

export class GatewayApiError extends Error {
  constructor(
    message: string,
    readonly httpStatus: number | null = null,
    readonly code: number | null = null,
  ) {
    super(message);
    this.name = 'GatewayApiError';
  }
}

export interface GatewayClientOptions {
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
  fetch?: typeof globalThis.fetch;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  timeoutMs?: number;
}

/** Renew the token this long before it expires (V1's node client keeps 30 s). */
const EXPIRY_BUFFER_MS = 30_000;

interface Envelope<T> {
  code: number;
  message: string | null;
  response: T | null;
}

export class GatewayClient {
  private token: { value: string; renewAt: number } | null = null;
  private pendingToken: Promise<string> | null = null;
  private readonly fetch: typeof globalThis.fetch;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly baseUrl: string;
  /** How many times a token was fetched (for tests and diagnostics). */
  tokenRequests = 0;

  constructor(private readonly options: GatewayClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** GET /payments/{imp_uid}; `null` when the gateway does not know it (404). */
  async getPayment(impUid: string): Promise<V1Payment | null> {
    // The demo channel is a test (sandbox) channel: since 2026-01-26 V1 hides sandbox payments
    // unless asked, so a merchant on a test channel must ask.
    const path = `/payments/${encodeURIComponent(impUid)}?include_sandbox=true`;
    for (let attempt = 0; ; attempt++) {
      const token = await this.accessToken();
      const res = await this.request(path, { headers: { Authorization: `Bearer ${token}` } });
      if (res.status === 401 && attempt === 0) {
        // Expired or revoked earlier than we thought: forget it and try once with a new one.
        this.token = null;
        continue;
      }
      if (res.status === 404) return null;
      const body = await this.envelope<V1Payment>(res, 'GET /payments/{imp_uid}');
      return body.response as V1Payment;
    }
  }

  /** The cached access token, renewed shortly before `expired_at`. Concurrent callers share one request. */
  async accessToken(): Promise<string> {
    if (this.token && this.now() < this.token.renewAt) return this.token.value;
    if (!this.pendingToken) {
      this.pendingToken = this.fetchToken().finally(() => {
        this.pendingToken = null;
      });
    }
    return this.pendingToken;
  }

  private async fetchToken(): Promise<string> {
    this.tokenRequests++;
    const res = await this.request('/users/getToken', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ imp_key: this.options.apiKey, imp_secret: this.options.apiSecret }),
    });
    const body = await this.envelope<{ access_token: string; now: number; expired_at: number }>(res, 'POST /users/getToken');
    const { access_token, now, expired_at } = body.response!;
    if (typeof access_token !== 'string' || typeof expired_at !== 'number' || typeof now !== 'number') {
      throw new GatewayApiError('getToken: unexpected response shape', res.status, body.code);
    }
    // Lifetime by the gateway's clock (expired_at - now), applied to ours: clocks may differ.
    const lifetimeMs = (expired_at - now) * 1000;
    this.token = { value: access_token, renewAt: this.now() + lifetimeMs - EXPIRY_BUFFER_MS };
    return access_token;
  }

  private async request(path: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetch(`${this.baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new GatewayApiError(`${init.method ?? 'GET'} ${path.split('?')[0]}: ${(err as Error).message}`);
    }
  }

  private async envelope<T>(res: Response, what: string): Promise<Envelope<T>> {
    let body: Envelope<T>;
    try {
      body = (await res.json()) as Envelope<T>;
    } catch {
      throw new GatewayApiError(`${what}: HTTP ${res.status}, not JSON`, res.status);
    }
    if (res.status !== 200 || body.code !== 0 || body.response == null) {
      throw new GatewayApiError(`${what}: HTTP ${res.status}, code ${body.code}, ${body.message ?? ''}`.trim(), res.status, body.code);
    }
    return body;
  }
}
