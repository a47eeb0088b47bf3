import fp from 'fastify-plugin';
import { AppError } from '../domain/errors';
import { codePointName, controlCharacterIn, displayKey, MAX_NESTING_DEPTH, nestingTooDeep } from './limits';

/**
 * Input hardening for every route of the instance it is registered on (it is not encapsulated):
 *
 * - JSON bodies are scanned for nesting depth before `JSON.parse` sees them, so a body thousands
 *   of levels deep is refused with a 400 instead of reaching recursive code (the parser, schema
 *   validation, `JSON.stringify`). The parse itself is Fastify's own (prototype poisoning refused).
 * - A control character (C0 except tab, LF and CR, and DEL) in any string or key of the path
 *   params, the query string or the body is refused with a 400 naming the field, before schema
 *   validation, the handler or the database see it: PostgreSQL cannot store NUL in text and
 *   answers with an error, and no V1 field has a use for the others.
 *
 * Errors are thrown as AppError('INVALID_PARAMETER', {message, field}) from the parser or a
 * `preValidation` hook, so each encapsulated context's own error handler formats them (the V1
 * envelope for REST, the SDK failure envelope for `/checkout/sessions`).
 */
export const inputHardening = fp(
  async (app) => {
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      const text = body as string;
      if (jsonNestingDeeperThan(text, MAX_NESTING_DEPTH)) {
        done(nestingTooDeep('body'), undefined);
        return;
      }
      parseJson(request, text, done);
    });

    app.addHook('preValidation', async (request) => {
      const problem =
        problemIn(request.params, 'params') ?? problemIn(request.query, 'query') ?? problemIn(request.body, 'body');
      if (problem) throw problem;
    });
  },
  { name: 'gyeol-input-hardening', fastify: '5.x' },
);

/**
 * Whether `text`, read as JSON, opens more than `max` nested objects/arrays at some point. One
 * pass over the characters, skipping strings; malformed JSON is left for the parser to refuse.
 */
export function jsonNestingDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return false;
}

function controlCharacterError(field: string, character: string): AppError {
  return new AppError('INVALID_PARAMETER', {
    message: `${field}: 제어 문자(${codePointName(character)})를 포함할 수 없습니다`,
    field,
  });
}

/**
 * The first control character or over-deep nesting in a parsed request part, walked without
 * recursion (a form body may nest as deep as its keys say). Fields are named by their path inside
 * the part: dots between object keys, `[i]` for array items (`params.buyer_addr` in the checkout
 * body, `imp_uid` for a path param, `imp_uid[1]` for `?imp_uid[]=…&imp_uid[]=…`); `label` names
 * the part itself when it is a bare string.
 */
export function problemIn(value: unknown, label: string): AppError | null {
  const stack: { value: unknown; field: string; depth: number }[] = [{ value, field: '', depth: 1 }];
  while (stack.length > 0) {
    const { value: current, field, depth } = stack.pop()!;
    if (typeof current === 'string') {
      const character = controlCharacterIn(current);
      if (character) return controlCharacterError(field || label, character);
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (depth > MAX_NESTING_DEPTH) return nestingTooDeep(field || label);
    const children: { value: unknown; field: string }[] = [];
    if (Array.isArray(current)) {
      current.forEach((item, index) => children.push({ value: item, field: `${field || label}[${index}]` }));
    } else {
      for (const [key, item] of Object.entries(current)) {
        const name = displayKey(Array.isArray(item) && key.endsWith('[]') ? key.slice(0, -2) : key);
        const childField = field ? `${field}.${name}` : name;
        const character = controlCharacterIn(key);
        if (character) return controlCharacterError(childField, character);
        children.push({ value: item, field: childField });
      }
    }
    // Pushed last-first so fields are reported in the order they were sent.
    for (let i = children.length - 1; i >= 0; i--) stack.push({ ...children[i], depth: depth + 1 });
  }
  return null;
}
