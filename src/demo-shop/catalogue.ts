/**
 * The demo shop's fixed catalogue. Prices are KRW (0 decimals) and live only here: the
 * browser sends a product id, never an amount, so a buyer cannot choose what to pay.
 */
export interface Product {
  id: string;
  name: string;
  description: string;
  /** KRW, integer. */
  price: number;
}

export const CATALOGUE: readonly Product[] = [
  { id: 'mug', name: '결 머그컵', description: '매일 쓰는 도자기 머그컵 (350ml)', price: 1004 },
  { id: 'ecobag', name: '결 에코백', description: '두꺼운 캔버스 천으로 만든 가방', price: 15000 },
  { id: 'tray', name: '결 원목 트레이', description: '호두나무 원목 트레이 (할부 가능)', price: 52000 },
];

export function findProduct(id: unknown): Product | undefined {
  return typeof id === 'string' ? CATALOGUE.find((product) => product.id === id) : undefined;
}

/** `1004` → `1,004원`. */
export function formatWon(amount: number): string {
  return `${new Intl.NumberFormat('ko-KR').format(amount)}원`;
}
