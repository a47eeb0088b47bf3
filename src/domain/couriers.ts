/**
 * PortOne V1's courier codes (택배사 코드) for escrow deliveries, the same for every PG. Source:
 * `iamport/iamport-manual` RESTAPI/logis.md (linked from the official schema's escrow operations);
 * LOGEN and KOREX are struck out there as merged into KGB and CJGLS. "위 코드표에 해당되지 않는 값이
 * 전달되면 ETC로 자동 처리됩니다": an unknown code is recorded as `ETC`.
 */
export interface Courier {
  code: string;
  name: string;
}

export const COURIERS: readonly Courier[] = [
  { code: 'HYUNDAI', name: '롯데택배' },
  { code: 'HANARO', name: '하나로택배' },
  { code: 'SAGAWA', name: 'SC로지스' },
  { code: 'KGB', name: '로젠택배' },
  { code: 'YELLOWCAP', name: '옐로우캡' },
  { code: 'DONGBU', name: '동부택배' },
  { code: 'EPOST', name: '우체국택배' },
  { code: 'CJGLS', name: 'CJ대한통운' },
  { code: 'HANJIN', name: '한진택배' },
  { code: 'DAESIN', name: '대신택배' },
  { code: 'REGISTPOST', name: '우편등기' },
  { code: 'CHUNIL', name: '천일택배' },
  { code: 'ILYANG', name: '일양로지스' },
  { code: 'CVSNET', name: '편의점택배' },
  { code: 'KDEXP', name: '경동택배' },
  { code: 'HONAM', name: '우리택배(구 호남택배)' },
  { code: 'HDEXP', name: '합동택배' },
  { code: 'ETC', name: '기타' },
];

/** Merged codes V1 still documents (struck out): they name today's company. */
const MERGED: Readonly<Record<string, string>> = { LOGEN: 'KGB', KOREX: 'CJGLS' };

/**
 * The V1 courier code gyeol records for what the merchant sent: a known code as is (letters
 * compared without case), a merged one as its successor, anything else `ETC`, as V1 does.
 * @example courierCode('cjgls') // 'CJGLS'
 * @example courierCode('LOGEN') // 'KGB'
 * @example courierCode('ACME') // 'ETC'
 */
export function courierCode(sent: string): string {
  const upper = sent.trim().toUpperCase();
  if (MERGED[upper]) return MERGED[upper];
  return COURIERS.some((c) => c.code === upper) ? upper : 'ETC';
}
