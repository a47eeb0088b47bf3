/**
 * One error type with one table. Every code maps to an HTTP status, a V1 envelope `code`
 * and a Korean message; routes and the checkout API turn an AppError into the V1 envelope
 * (REST) or into `error_code`/`error_msg` (SDK callback) in one place each.
 */
export const ERRORS = {
  INVALID_PARAMETER: { status: 400, v1Code: -1, message: '요청 파라미터가 올바르지 않습니다.' },
  UNAUTHORIZED: { status: 401, v1Code: -1, message: 'Unauthorized' },
  TOKEN_EXPIRED: { status: 401, v1Code: -1, message: '만료된 access_token입니다.' },
  INVALID_API_CREDENTIALS: { status: 401, v1Code: -1, message: 'imp_key 또는 imp_secret이 올바르지 않습니다.' },
  PAYMENT_NOT_FOUND: { status: 404, v1Code: -1, message: '존재하지 않는 결제정보입니다.' },
  ROUTE_NOT_FOUND: { status: 404, v1Code: -1, message: '요청하신 API를 찾을 수 없습니다.' },
  METHOD_NOT_ALLOWED: { status: 405, v1Code: -1, message: '허용되지 않는 요청 메서드입니다.' },
  PAYLOAD_TOO_LARGE: { status: 413, v1Code: -1, message: '요청 본문이 너무 큽니다.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, v1Code: -1, message: '지원하지 않는 Content-Type입니다.' },
  STORE_NOT_FOUND: { status: 404, v1Code: -1, message: '가맹점 식별코드에 해당하는 가맹점이 없습니다.' },
  CHANNEL_NOT_FOUND: { status: 400, v1Code: 1, message: '요청한 채널을 찾을 수 없습니다.' },
  UNSUPPORTED_PG: { status: 400, v1Code: 1, message: '지원하지 않는 PG사입니다.' },
  MERCHANT_UID_ALREADY_PAID: { status: 409, v1Code: 1, message: '이미 결제가 완료된 주문번호(merchant_uid)입니다.' },
  PAYMENT_IN_PROGRESS: { status: 409, v1Code: 1, message: '같은 주문번호(merchant_uid)로 진행 중인 결제가 있습니다.' },
  PREPARED_AMOUNT_MISMATCH: { status: 400, v1Code: 1, message: '사전 등록된 결제금액과 요청 금액이 일치하지 않습니다.' },
  PREPARE_NOT_FOUND: { status: 404, v1Code: 1, message: '사전 등록된 결제정보가 없습니다.' },
  PREPARE_ALREADY_EXISTS: { status: 400, v1Code: 1, message: '이미 사전 등록된 merchant_uid입니다. 금액을 바꾸려면 PUT /payments/prepare를 사용해 주세요.' },
  BANK_NOT_FOUND: { status: 404, v1Code: -1, message: '코드에 해당되는 은행정보를 찾을 수 없습니다.' },
  CARD_NOT_FOUND: { status: 404, v1Code: -1, message: '코드에 해당되는 카드사정보를 찾을 수 없습니다.' },
  BALANCE_NOT_SUPPORTED: { status: 501, v1Code: 1, message: '결제 잔액 조회는 PAYCO 결제건만 지원합니다. 이 결제의 PG사는 잔액 조회를 지원하지 않습니다.' },
  API_NOT_SUPPORTED: { status: 501, v1Code: 1, message: '이 API는 gyeol에서 지원하지 않습니다.' },
  URI_TOO_LONG: { status: 414, v1Code: -1, message: '요청 URL이 너무 깁니다.' },
  CHECKOUT_SESSION_NOT_FOUND: { status: 404, v1Code: -1, message: '결제창 세션을 찾을 수 없습니다.' },
  CHECKOUT_SESSION_EXPIRED: { status: 410, v1Code: 1, message: '결제창 세션이 만료되었습니다. 다시 결제를 시도해 주세요.' },
  CHECKOUT_SESSION_CLOSED: { status: 409, v1Code: 1, message: '이미 처리가 끝난 결제창입니다.' },
  PG_FAULT: { status: 502, v1Code: -1, message: 'PG사 응답을 확인할 수 없어 결제를 완료하지 못했습니다.' },
  PG_TIMEOUT: { status: 504, v1Code: -1, message: 'PG사 응답이 지연되고 있습니다. 결제 결과를 확인 중입니다.' },
  PG_APPROVAL_MISMATCH: { status: 400, v1Code: 1, message: '결제창에 이 주문이 아닌 다른 거래의 승인 정보가 전달되어 결제를 진행하지 않았습니다.' },
  BILLING_NOT_SUPPORTED: { status: 400, v1Code: 1, message: 'customer_uid: 빌링키 결제(정기결제)는 아직 지원하지 않습니다. customer_uid 없이 일반 결제로 요청해 주세요.' },
  WEBHOOK_NOT_FOUND: { status: 404, v1Code: -1, message: '존재하지 않는 웹훅 전송입니다.' },
  WEBHOOK_IN_FLIGHT: { status: 409, v1Code: 1, message: '지금 전송 중인 웹훅입니다. 잠시 후 다시 시도해 주세요.' },
  CONFIRM_REFUSED: { status: 400, v1Code: 1, message: '고객사 요청에 의해 결제를 중단합니다. (상세사유: 알 수 없음)' },
  USER_CANCELLED: { status: 400, v1Code: 1, message: '[결제포기] 사용자가 결제를 취소하셨습니다' },
  PG_DECLINED: { status: 200, v1Code: -1, message: 'PG사가 요청을 거절했습니다.' },
  PG_FEATURE_NOT_SUPPORTED: { status: 501, v1Code: 1, message: '이 채널의 PG사는 요청한 기능을 지원하지 않습니다.' },
  NOT_VBANK: { status: 400, v1Code: 1, message: '가상계좌 결제건이 아닙니다.' },
  VBANK_NOT_READY: { status: 400, v1Code: 1, message: '입금대기(ready) 상태의 가상계좌가 아닙니다.' },
  VBANK_MODIFY_NOT_SUPPORTED: { status: 501, v1Code: 1, message: '이 PG사는 발급된 가상계좌의 정보 변경을 지원하지 않습니다.' },
  HOLDER_NOT_FOUND: { status: 404, v1Code: -1, message: '계좌정보 조회 실패: 예금주를 찾을 수 없습니다.' },
  ESCROW_NOT_ALLOWED: { status: 409, v1Code: 1, message: '배송정보를 등록할 수 없는 결제건입니다.' },
  ESCROW_ALREADY_REGISTERED: { status: 409, v1Code: 1, message: '이미 배송정보 등록이 완료된 결제건입니다. 수정은 PUT /escrows/logis/{imp_uid}로 요청해 주세요.' },
  ESCROW_NOT_REGISTERED: { status: 409, v1Code: 1, message: '등록된 배송정보가 존재하지 않습니다.' },
  ESCROW_REFUSED: { status: 400, v1Code: 1, message: 'PG사가 배송정보 등록을 거절했습니다.' },
  INTERNAL: { status: 500, v1Code: -1, message: '일시적인 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.' },
} as const satisfies Record<string, { status: number; v1Code: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly v1Code: number;
  /** The request field the error is about, when there is one. */
  readonly field?: string;

  constructor(code: ErrorCode, detail?: { message?: string; field?: string; cause?: unknown }) {
    super(detail?.message ?? ERRORS[code].message, { cause: detail?.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.v1Code = ERRORS[code].v1Code;
    this.field = detail?.field;
  }
}

/** A broken rule on one input field: which field, and what the rule says, in Korean. */
export interface FieldViolation {
  field: string;
  rule: string;
}

export function invalidParameter(violations: FieldViolation[]): AppError {
  const message = violations.map((v) => `${v.field}: ${v.rule}`).join(' / ');
  return new AppError('INVALID_PARAMETER', { message, field: violations[0]?.field });
}
