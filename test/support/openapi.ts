import Ajv, { type ValidateFunction } from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Validates V1 REST responses against PortOne's official Swagger 2.0 schema
 * (../shared/reference/portone-v1.openapi.json), adjusted as the reference README says:
 * optional properties may be null (V1 sends null for fields that do not apply), numeric
 * strings in maxLength & co. become numbers. Required properties stay strict.
 */

const SCHEMA_CANDIDATES = [
  process.env.GYEOL_V1_OPENAPI,
  path.resolve('../shared/reference/portone-v1.openapi.json'),
  path.resolve('../../shared/reference/portone-v1.openapi.json'),
].filter((p): p is string => Boolean(p));

export const OPENAPI_PATH = SCHEMA_CANDIDATES.find((p) => existsSync(p));

type Json = Record<string, any>;

const NUMERIC_KEYWORDS = ['maxLength', 'minLength', 'maximum', 'minimum', 'maxItems', 'minItems'];

function adjust(node: any): any {
  if (Array.isArray(node)) return node.map(adjust);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-')) continue;
    if (NUMERIC_KEYWORDS.includes(key) && typeof value === 'string' && /^\d+$/.test(value)) out[key] = Number(value);
    else out[key] = adjust(value);
  }
  if (out.properties && typeof out.properties === 'object') {
    const required = new Set<string>(Array.isArray(out.required) ? out.required : []);
    for (const [name, prop] of Object.entries(out.properties as Json)) {
      if (!required.has(name)) out.properties[name] = { anyOf: [prop, { type: 'null' }] };
    }
  }
  return out;
}

/**
 * Plain errors of the official schema, corrected here (and only here), each with its reason:
 * - PaymentPrepareAnnotation requires `total`, `previous` and `next`, copied from
 *   PagedPaymentAnnotation; its own properties are `merchant_uid`, `amount` and `currency`, and
 *   no client reads a total from a prepare answer. The requirement is dropped.
 */
function withErrata(definitions: Json): Json {
  const copy = structuredClone(definitions);
  delete copy.PaymentPrepareAnnotation.required;
  return copy;
}

let cached: { ajv: Ajv; doc: Json } | null = null;

function load(): { ajv: Ajv; doc: Json } {
  if (cached) return cached;
  if (!OPENAPI_PATH) throw new Error('portone-v1.openapi.json not found: expected ../shared/reference beside the repo (or set GYEOL_V1_OPENAPI)');
  const raw = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')) as Json;
  const definitions = adjust(withErrata(raw.definitions)) as Json;
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addSchema({ $id: 'v1', definitions }, 'v1');
  cached = { ajv, doc: raw };
  return cached;
}

const validators = new Map<string, ValidateFunction>();

/**
 * Returns the validation errors of `body` against the schema the spec gives for
 * `method path` answering `status` ([] when valid). Statuses without a schema in the spec
 * (401, 404, …) are checked against the bare envelope (ResponseAnnotation).
 */
export function v1SchemaErrors(method: string, specPath: string, status: number, body: unknown): string[] {
  const { ajv, doc } = load();
  const operation = doc.paths?.[specPath]?.[method.toLowerCase()];
  if (!operation) throw new Error(`no operation ${method} ${specPath} in the V1 schema`);
  const response = operation.responses?.[String(status)];
  if (!response) throw new Error(`the V1 schema has no ${status} answer for ${method} ${specPath}`);
  const ref: string = response.schema?.$ref ?? '#/definitions/ResponseAnnotation';
  const key = `v1${ref}`;
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile({ $ref: key });
    validators.set(key, validate);
  }
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message} ${JSON.stringify(e.params)}`);
}

/**
 * Errors of `body` against the bare V1 envelope (ResponseAnnotation), for answers the schema
 * lists no status for (a 400 of `/payments/prepare`, a 405, a 501 of an API gyeol does not serve).
 */
export function v1EnvelopeErrors(body: unknown): string[] {
  const { ajv } = load();
  const key = 'v1#/definitions/ResponseAnnotation';
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile({ $ref: key });
    validators.set(key, validate);
  }
  const errors = validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message} ${JSON.stringify(e.params)}`);
  // The envelope's three members are always there, whatever the schema leaves optional.
  const object = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  for (const member of ['code', 'message', 'response']) if (!(member in object)) errors.push(`(root) must have ${member}`);
  return errors;
}

/**
 * Errors of a `GET /vbanks/holder` answer against `VbankHolderResponse` of
 * portone-v1-vbanks-holder.fragment.json (the path PortOne removed from its schema in 2025-10),
 * over the official schema's ResponseAnnotation.
 */
export function vbankHolderSchemaErrors(body: unknown): string[] {
  const { ajv } = load();
  const key = 'v1-holder';
  let validate = validators.get(key);
  if (!validate) {
    const fragment = JSON.parse(readFileSync(path.join(path.dirname(OPENAPI_PATH as string), 'portone-v1-vbanks-holder.fragment.json'), 'utf8')) as Json;
    const annotation = adjust(fragment.definitions.VbankHolderAnnotation) as Json;
    validate = ajv.compile({ allOf: [{ $ref: 'v1#/definitions/ResponseAnnotation' }, { properties: { response: annotation } }] });
    validators.set(key, validate);
  }
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message} ${JSON.stringify(e.params)}`);
}

/**
 * Errors of a paged schedule list (`GET /subscribe/payments/schedule`, and both customer variants)
 * against the official schema as the reference reads it: the schema answers a bare array
 * (ScheduleResponse), while the operations' descriptions ("페이징된 목록") and the V1 clients (NODE's
 * `collection`) read a page `{total, previous, next, list}` (portone-v1-spec.md §3.2 [INF]). The
 * page is checked as PagedPaymentAnnotation's frame (total, previous and next required) with
 * ScheduleResultAnnotation items, over ResponseAnnotation.
 */
export function v1PagedScheduleErrors(body: unknown): string[] {
  const { ajv } = load();
  const key = 'v1-paged-schedules';
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile({
      allOf: [
        { $ref: 'v1#/definitions/ResponseAnnotation' },
        {
          properties: {
            response: {
              type: 'object',
              required: ['total', 'previous', 'next', 'list'],
              properties: {
                total: { type: 'integer' },
                previous: { type: 'integer' },
                next: { type: 'integer' },
                list: { type: 'array', items: { $ref: 'v1#/definitions/ScheduleResultAnnotation' } },
              },
            },
          },
        },
      ],
    });
    validators.set(key, validate);
  }
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message} ${JSON.stringify(e.params)}`);
}
