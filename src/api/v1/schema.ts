import { Type, type TUnsafe } from '@sinclair/typebox';

/** A string limited to given values, validated as one JSON Schema `enum` (one clear error, not one per value). */
export function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string } = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** V1's `sorting` of payment lookups and lists. */
export const PaymentSortingSchema = StringEnum(['-started', 'started', '-paid', 'paid', '-updated', 'updated'] as const);
