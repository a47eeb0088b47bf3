import { displayKey, MAX_NESTING_DEPTH, nestingTooDeep } from './limits';

/** Keys that would reach Object.prototype. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Parses `application/x-www-form-urlencoded` bodies the way V1 clients send them: repeated
 * `a[]=x&a[]=y` keys become arrays under `a`, `a[b]=x` becomes `{a: {b: x}}`; plain keys stay strings.
 * A key nesting deeper than MAX_NESTING_DEPTH (`a[b][c]…`, the body itself counting as one level)
 * throws the 400 INVALID_PARAMETER AppError, as a too-deep JSON body does.
 */
export function parseFormBody(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    if (FORBIDDEN_KEYS.has(rawKey)) continue;
    const path = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(rawKey);
    if (!path || !path[2]) {
      out[rawKey] = value;
      continue;
    }
    const keys = [path[1], ...Array.from(path[2].matchAll(/\[([^[\]]*)\]/g), (m) => m[1])];
    if (keys.some((key) => FORBIDDEN_KEYS.has(key))) continue;
    // `a[b][c]=x` is {a: {b: {c: x}}}: with the body itself, one container per segment but the
    // last, so the depth is the segment count (`a[]=x` likewise: body and one array).
    if (keys.length > MAX_NESTING_DEPTH) throw nestingTooDeep(displayKey(path[1]));
    let node: Record<string, unknown> = out;
    for (let i = 0; i < keys.length - 1; i++) {
      const key = keys[i];
      const isLastContainer = i === keys.length - 2;
      if (isLastContainer && keys[i + 1] === '') {
        const list = Array.isArray(node[key]) ? (node[key] as unknown[]) : [];
        list.push(value);
        node[key] = list;
        node = {};
        break;
      }
      if (typeof node[key] !== 'object' || node[key] === null || Array.isArray(node[key])) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    const last = keys[keys.length - 1];
    if (last !== '') node[last] = value;
  }
  return out;
}
