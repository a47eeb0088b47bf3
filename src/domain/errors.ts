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
  HEADERS_TOO_LARGE: { status: 431, v1Code: -1, message: '요청 헤더가 너무 큽니다.' },
  BAD_REQUEST: { status: 400, v1Code: -1, message: '요청을 해석할 수 없습니다.' },
  CHECKOUT_SESSION_NOT_FOUND: { status: 404, v1Code: -1, message: '결제창 세션을 찾을 수 없습니다.' },
  CHECKOUT_SESSION_EXPIRED: { status: 410, v1Code: 1, message: '결제창 세션이 만료되었습니다. 다시 결제를 시도해 주세요.' },
  CHECKOUT_SESSION_CLOSED: { status: 409, v1Code: 1, message: '이미 처리가 끝난 결제창입니다.' },
  PG_FAULT: { status: 502, v1Code: -1, message: 'PG사 응답을 확인할 수 없어 결제를 완료하지 못했습니다.' },
  PG_TIMEOUT: { status: 504, v1Code: -1, message: 'PG사 응답이 지연되고 있습니다. 결제 결과를 확인 중입니다.' },
  PG_APPROVAL_MISMATCH: { status: 400, v1Code: 1, message: '결제창에 이 주문이 아닌 다른 거래의 승인 정보가 전달되어 결제를 진행하지 않았습니다.' },
  BILLING_NOT_SUPPORTED: { status: 400, v1Code: 1, message: 'customer_uid: 이 채널의 PG사는 결제창 빌링키 발급을 지원하지 않습니다. customer_uid 없이 일반 결제로 요청해 주세요.' },
  BILLING_CHANNEL_NOT_READY: { status: 400, v1Code: 1, message: '이 채널은 빌링키 발급에 필요한 설정이 없습니다.' },
  WEBHOOK_NOT_FOUND: { status: 404, v1Code: -1, message: '존재하지 않는 웹훅 전송입니다.' },
  WEBHOOK_IN_FLIGHT: { status: 409, v1Code: 1, message: '지금 전송 중인 웹훅입니다. 잠시 후 다시 시도해 주세요.' },
  CONFIRM_REFUSED: { status: 400, v1Code: 1, message: '고객사 요청에 의해 결제를 중단합니다. (상세사유: 알 수 없음)' },
  USER_CANCELLED: { status: 400, v1Code: 1, message: '[결제포기] 사용자가 결제를 취소하셨습니다' },
  // Cancels: V1 answers business refusals of POST /payments/cancel with HTTP 200 and code 1.
  CANCEL_PAYMENT_NOT_FOUND: { status: 200, v1Code: 1, message: '취소할 결제건이 존재하지 않습니다.' },
  CANCEL_ALREADY_CANCELLED: { status: 200, v1Code: 1, message: '이미 전액취소된 주문입니다.' },
  CANCEL_NOT_PAID: { status: 200, v1Code: 1, message: '결제완료 상태가 아닌 결제건은 취소할 수 없습니다.' },
  CANCEL_CHECKSUM_MISMATCH: { status: 200, v1Code: 1, message: 'checksum: 취소 가능 잔액이 일치하지 않습니다.' },
  CANCEL_AMOUNT_EXCEEDED: { status: 200, v1Code: 1, message: 'amount: 취소 가능 잔액보다 큰 금액은 취소할 수 없습니다.' },
  CANCEL_NOT_SUPPORTED: { status: 200, v1Code: 1, message: '이 결제의 PG사는 API 취소를 지원하지 않습니다.' },
  CANCEL_REFUSED: { status: 200, v1Code: 1, message: 'PG사에서 취소를 거절했습니다.' },
  CANCEL_OUTCOME_UNKNOWN: { status: 200, v1Code: 1, message: 'PG사의 취소 결과를 아직 확인하지 못했습니다. 결과를 확인하는 대로 반영하니 잠시 후 결제정보를 다시 조회해 주세요.' },
  VBANK_NOT_ISSUED: { status: 400, v1Code: 1, message: '입금 대기 중인 가상계좌 결제건이 아닙니다.' },
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
  CUSTOMER_NOT_FOUND: { status: 404, v1Code: -1, message: '등록된 고객정보가 없습니다.' },
  // POST /subscribe/payments/again with an unknown customer_uid: V1 answers code -1 with HTTP 200
  // (the Python client's test against the live API expects a code, not an HTTP error).
  CHARGE_CUSTOMER_NOT_FOUND: { status: 200, v1Code: -1, message: '등록된 고객정보가 없습니다.' },
  INTERNAL: { status: 500, v1Code: -1, message: '일시적인 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.' },
  // ---- scheduled payments (/subscribe/payments/schedule...) ----
  // V1 answers these business refusals with HTTP 200 and code 1 (PY tests of schedule/unschedule).
  SCHEDULE_CUSTOMER_NOT_FOUND: { status: 200, v1Code: 1, message: '등록된 고객정보가 없습니다.' },
  SCHEDULE_ALREADY_EXISTS: { status: 200, v1Code: 1, message: '이미 결제예약에 사용된 주문번호(merchant_uid)입니다.' },
  UNSCHEDULE_NOT_FOUND: { status: 200, v1Code: 1, message: '취소할 예약결제 기록이 존재하지 않습니다.' },
  SCHEDULE_NOT_FOUND: { status: 404, v1Code: -1, message: '존재하지 않는 결제예약입니다.' },
  SCHEDULE_NOT_MODIFIABLE: { status: 400, v1Code: 1, message: '예약시각을 변경할 수 없는 결제예약입니다.' },
  SCHEDULE_NOT_RERUNNABLE: { status: 400, v1Code: 1, message: '결제에 실패했거나 취소된 결제예약만 다시 예약하거나 재시도할 수 있습니다.' },
  SCHEDULE_CARD_CHECK_DECLINED: { status: 200, v1Code: 1, message: 'checking_amount: 유효카드 체크 승인이 거절되어 결제예약을 저장하지 않았습니다.' },
  // ---- cash receipts (/receipts/...) ----
  RECEIPT_NOT_FOUND: { status: 404, v1Code: -1, message: '현금영수증 발급 내역이 존재하지 않습니다.' },
  RECEIPT_PAYMENT_NOT_PAID: { status: 400, v1Code: 1, message: 'imp_uid: 결제완료(paid) 상태인 결제건에만 현금영수증을 발급할 수 있습니다.' },
  RECEIPT_PAY_METHOD: { status: 400, v1Code: 1, message: 'imp_uid: 현금영수증은 현금성 결제(계좌이체·가상계좌)에만 발급할 수 있습니다.' },
  RECEIPT_ALREADY_ISSUED: { status: 400, v1Code: 1, message: '이미 현금영수증이 발급된 거래입니다. 다시 발급하려면 먼저 DELETE로 발급을 취소해 주세요.' },
  RECEIPT_ALREADY_CANCELLED: { status: 400, v1Code: 1, message: '이미 발급 취소된 현금영수증입니다.' },
  RECEIPT_DECLINED: { status: 400, v1Code: 1, message: '현금영수증 발급에 실패했습니다.' },
  RECEIPT_CANCEL_REFUSED: { status: 400, v1Code: 1, message: '현금영수증 발급 취소에 실패했습니다.' },
  RECEIPT_NOT_SUPPORTED: { status: 501, v1Code: 1, message: '이 PG사는 현금영수증 API 발급을 지원하지 않습니다.' },
  RECEIPT_OUTCOME_UNKNOWN: {
    status: 504,
    v1Code: -1,
    message: 'PG사 응답을 받지 못해 현금영수증 처리 결과를 확인하지 못했습니다. 같은 요청을 다시 보내면 PG사에 결과를 다시 확인합니다.',
  },
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
