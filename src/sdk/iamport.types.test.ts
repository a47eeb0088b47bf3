import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Compiles merchant code against `iamport.d.ts` (what `<gateway>/v1/iamport.d.ts` serves) with the
 * TypeScript compiler, as a merchant's strict browser project would: DOM lib, no Node types.
 */
const DECLARATIONS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'iamport.d.ts');

const FIXTURES: Record<string, string> = {
  // PortOne's documented form, in a module (React, Vue, any bundler).
  'documented-module.ts': `
const IMP = window.IMP;
IMP.init('imp12345678');
IMP.request_pay(
  { channelKey: 'channel-key-x', pay_method: 'card', merchant_uid: 'order1', name: '결 머그컵', amount: 1004, m_redirect_url: 'https://shop.example/complete' },
  (rsp) => {
    if (rsp.success) console.log(rsp.imp_uid, rsp.paid_amount);
    else console.log(rsp.error_code, rsp.error_msg);
  },
);
export function pay(): Promise<string | null> {
  const { IMP: imp } = window;
  imp.agency('imp12345678', 'tier1');
  return imp.request_pay({ merchant_uid: 'order2', amount: 52000 }).then((rsp) => rsp.imp_uid);
}
`,
  // The bare global, in a plain script (no import/export).
  'bare-global-script.ts': `
IMP.init('imp12345678');
IMP.request_pay({ pg: 'smartro_v2', merchant_uid: 'order3', amount: 1004 }).then((rsp) => {
  const status: 'ready' | 'paid' | 'failed' | 'cancelled' | undefined = rsp.status;
  return status;
});
window.IMP.deinit();
`,
  'misuse-init-number.ts': `
IMP.init(123);
export {};
`,
  'misuse-amount-string.ts': `
window.IMP.request_pay({ merchant_uid: 'order4', amount: '1004' });
export {};
`,
  'misuse-unknown-method.ts': `
IMP.requestPay({ merchant_uid: 'order5', amount: 1004 });
export {};
`,
};

describe('iamport.d.ts: the global IMP typechecks for merchant code', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gyeol-sdk-types-'));
  const diagnostics = new Map<string, ts.Diagnostic[]>();

  beforeAll(() => {
    for (const [name, source] of Object.entries(FIXTURES)) writeFileSync(path.join(dir, name), source);
    const program = ts.createProgram({
      rootNames: [DECLARATIONS, ...Object.keys(FIXTURES).map((name) => path.join(dir, name))],
      options: {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2017,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        lib: ['lib.es2017.d.ts', 'lib.dom.d.ts'],
        types: [],
      },
    });
    for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
      const file = diagnostic.file ? path.basename(diagnostic.file.fileName) : '(global)';
      diagnostics.set(file, [...(diagnostics.get(file) ?? []), diagnostic]);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const messages = (file: string) =>
    (diagnostics.get(file) ?? []).map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);

  it('has no errors of its own', () => {
    expect(messages('iamport.d.ts')).toEqual([]);
    expect(messages('(global)')).toEqual([]);
  });

  it("PortOne's `const IMP = window.IMP; IMP.init(…)` and `const { IMP } = window` typecheck", () => {
    expect(messages('documented-module.ts')).toEqual([]);
  });

  it('a bare `IMP.init(…)` and `window.IMP` typecheck in a plain script', () => {
    expect(messages('bare-global-script.ts')).toEqual([]);
  });

  it('IMP.init(123) is an error: the store code is a string', () => {
    expect(messages('misuse-init-number.ts')).toEqual([
      "TS2345: Argument of type 'number' is not assignable to parameter of type 'string'.",
    ]);
  });

  it('an amount as a string is an error (V1 wants a number)', () => {
    const found = messages('misuse-amount-string.ts');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^TS2322: Type 'string' is not assignable to type 'number'/);
  });

  it('a method IMP does not have is an error', () => {
    const found = messages('misuse-unknown-method.ts');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^TS2551: Property 'requestPay' does not exist on type 'Iamport'\. Did you mean 'request_pay'\?/);
  });
});
