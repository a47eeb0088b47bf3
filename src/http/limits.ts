import { AppError } from '../domain/errors';

/**
 * How deeply a request body may nest objects and arrays (the top-level body counts as 1). V1
 * bodies nest two or three levels (`params.card.direct`, `extra.requester`); 32 leaves room for
 * merchants' own `custom_data` while keeping recursive code (validation, JSON.stringify, the
 * presenters) far from the stack limit.
 */
export const MAX_NESTING_DEPTH = 32;

/** The 400 for a body nested deeper than MAX_NESTING_DEPTH. */
export function nestingTooDeep(field: string): AppError {
  return new AppError('INVALID_PARAMETER', {
    message: `${field}: 객체·배열은 최대 ${MAX_NESTING_DEPTH}단계까지만 중첩할 수 있습니다`,
    field,
  });
}

/** C0 controls except tab, line feed and carriage return, plus DEL. */
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

/** The first forbidden control character in `text`, or null. */
export function controlCharacterIn(text: string): string | null {
  const match = CONTROL_CHARACTER.exec(text);
  return match ? match[0] : null;
}

/** `U+0000` for a character, as messages name it. */
export function codePointName(character: string): string {
  return `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * A request key made safe to put in a message: control characters written as `\u0000` (never
 * echoed raw into JSON, HTML or logs) and anything past 64 characters cut off.
 */
export function displayKey(key: string): string {
  const safe = key.replace(CONTROL_CHARACTERS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return safe.length > 64 ? `${safe.slice(0, 64)}…` : safe;
}
