/**
 * The standard codes V1 answers at `GET /banks` and `GET /cards` (금융결제원 표준코드), as data.
 *
 * Copied from gyeol's reference tables (../shared/reference/codes/):
 * - banks: pg_bank_codes_portone_doc.csv — PortOne's bank code page,
 *   portone-io/developers.portone.io src/routes/(root)/opi/ko/support/code-info/pg-1.mdx @ af926bd2cdd7
 * - cards: portone_v1_card_codes.csv — PortOne's V1 card code page,
 *   portone-io/developers.portone.io src/routes/(root)/opi/ko/support/code-info/card-code.mdx @ af926bd2cdd7
 *   (the domestic card companies and PortOne's own overseas codes; the three-letter overseas
 *   constants of the old `iamport` client are not V1 server codes and are left out).
 * Names are PortOne's, as those pages write them (but 10004: the page's typo 해외마스터카스 is
 * written 해외마스터카드).
 */
export interface StandardCode {
  code: string;
  name: string;
}

export const BANK_CODES: readonly StandardCode[] = [
  { code: '002', name: '산업은행' },
  { code: '003', name: '기업은행' },
  { code: '004', name: 'KB국민은행' },
  { code: '007', name: '수협' },
  { code: '011', name: '농협' },
  { code: '012', name: '축협' },
  { code: '020', name: '우리은행' },
  { code: '023', name: 'SC제일은행' },
  { code: '027', name: '한국씨티은행' },
  { code: '031', name: '대구은행' },
  { code: '032', name: '부산은행' },
  { code: '034', name: '광주은행' },
  { code: '037', name: '전북은행' },
  { code: '039', name: '경남은행' },
  { code: '045', name: '새마을금고' },
  { code: '048', name: '신협' },
  { code: '071', name: '우체국' },
  { code: '081', name: '하나(외환)은행' },
  { code: '088', name: '신한은행' },
  { code: '089', name: '케이뱅크' },
  { code: '090', name: '카카오뱅크' },
  { code: '092', name: '토스뱅크' },
];

export const CARD_CODES: readonly StandardCode[] = [
  { code: '361', name: 'BC' },
  { code: '381', name: 'KB' },
  { code: '367', name: '현대' },
  { code: '365', name: '삼성' },
  { code: '368', name: '롯데' },
  { code: '371', name: 'NH' },
  { code: '041', name: '우리' },
  { code: '374', name: '하나SK' },
  { code: '045', name: '새마을' },
  { code: '373', name: '제주' },
  { code: '364', name: '광주' },
  { code: '366', name: '신한' },
  { code: '002', name: 'KDB' },
  { code: '369', name: '수협' },
  { code: '048', name: '신협' },
  { code: '370', name: '씨티' },
  { code: '071', name: '우체국' },
  { code: '089', name: 'K뱅크' },
  { code: '372', name: '전북' },
  { code: '090', name: '카카오뱅크' },
  { code: '10001', name: '해외은련카드' },
  { code: '10002', name: '해외다이너스카드' },
  { code: '10003', name: '해외아멕스카드' },
  { code: '10004', name: '해외마스터카드' },
  { code: '10005', name: '해외비자카드' },
  { code: '10006', name: '해외JCB카드' },
];

/** The entry of a code, or null. */
export function findStandardCode(table: readonly StandardCode[], code: string): StandardCode | null {
  return table.find((entry) => entry.code === code) ?? null;
}
