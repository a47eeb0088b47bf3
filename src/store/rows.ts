/** Small row ↔ domain conversions shared by the repositories. */

/** Integer UNIX milliseconds → Date. */
export function toDate(ms: number): Date {
  return new Date(Number(ms));
}

/** Nullable integer UNIX milliseconds → Date | null. */
export function toDateOrNull(ms: number | null): Date | null {
  return ms === null || ms === undefined ? null : new Date(Number(ms));
}

/** Date → integer UNIX milliseconds. */
export function toMs(date: Date): number {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new TypeError('Invalid Date cannot be stored');
  return ms;
}

export function toMsOrNull(date: Date | null | undefined): number | null {
  return date === null || date === undefined ? null : toMs(date);
}

/** 0/1 column → boolean. */
export function toBool(value: number): boolean {
  return Number(value) !== 0;
}

/** boolean → 0/1 column. */
export function fromBool(value: boolean): number {
  return value ? 1 : 0;
}

/** JSON text column → object (`{}` for an empty/invalid value is NOT silently accepted: it throws). */
export function parseJsonObject(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('Stored JSON is not an object');
  }
  return value as Record<string, unknown>;
}
