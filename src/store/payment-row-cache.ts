import type { Payment } from '../domain/payment';

/**
 * Payments read whole, kept by id and `row_version` (issue 10): a list page reads its payments'
 * versions — one small query by primary key — and reads whole only the rows whose version it has
 * not seen. Reading 20 rows of 67 columns was most of a list call's time (0.74 ms of SQLite's
 * 0.87 ms a page, under load). The database grows the version with every committed change to the
 * payment (migration 0017's triggers), so a kept payment is the committed row at that version.
 *
 * Only reads outside transactions use it: a transaction's own (uncommitted) version may be rolled
 * back and the same number later committed for another state. Kept payments are frozen, since
 * every reader shares them. Bounded: least recently used go first.
 */
export class PaymentRowCache {
  private readonly entries = new Map<number, { version: number; payment: Payment }>();

  constructor(private readonly size: number) {}

  get(id: number, version: number): Payment | null {
    const entry = this.entries.get(id);
    if (!entry || entry.version !== version) return null;
    // Map keeps insertion order: re-inserting marks it most recently used.
    this.entries.delete(id);
    this.entries.set(id, entry);
    return entry.payment;
  }

  set(id: number, version: number, payment: Payment): Payment {
    const frozen = deepFreeze(payment);
    this.entries.delete(id);
    this.entries.set(id, { version, payment: frozen });
    if (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value as number);
    return frozen;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
