/**
 * The layer rules of eslint.config.js (ARCHITECTURE.md, "who may import whom"), run on
 * fixture sources with the project's real configuration: static imports and dynamic
 * `import()` alike.
 */
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT } from '../helpers/konfBin.js';

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: PROJECT, cache: false });
});

/** The messages of the layer rules for `code` as if it were the file `file`. */
async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${PROJECT}/${file}` });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

describe('React and Ink stay out of src/core', () => {
  it.each([
    ["import { render } from 'ink';\nexport const r = render;\n"],
    ["export async function f() {\n  return import('ink');\n}\n"],
    ["export async function f() {\n  return import('react');\n}\n"],
    ["export async function f() {\n  return import('react/jsx-runtime');\n}\n"],
    ["export async function f() {\n  return import('ink-select-input');\n}\n"],
    ["export async function f() {\n  return import('../../console/run.js');\n}\n"],
    ["export async function f(name: string) {\n  return import(name);\n}\n"],
  ])('refused in src/core/ops: %j', async (code) => {
    expect(await layerErrors('src/core/ops/fixture.ts', code)).toHaveLength(1);
  });

  it('the CLI may not load Ink either, even later; it may open the console', async () => {
    expect(await layerErrors('src/cli/fixture.ts', "export async function f() {\n  return import('ink');\n}\n")).toHaveLength(1);
    expect(await layerErrors('src/cli/fixture.ts', "export async function f() {\n  return import('../console/run.js');\n}\n")).toEqual([]);
  });

  it('core modules may load each other later', async () => {
    expect(await layerErrors('src/core/ops/fixture.ts', "export async function f() {\n  return import('../fleet/fleet.js');\n}\n")).toEqual([]);
  });
});

describe('inside the core, ops uses fleet, never the reverse', () => {
  it.each([
    ["import type { HostSummary } from '../ops/session.js';\nexport type S = HostSummary;\n"],
    ["export async function f() {\n  return import('../ops/session.js');\n}\n"],
  ])('refused in src/core/fleet: %j', async (code) => {
    expect(await layerErrors('src/core/fleet/fixture.ts', code)).toHaveLength(1);
  });

  it('the real sources keep to it (core/fleet/summary.ts included)', async () => {
    const results = await eslint.lintFiles(['src/core/fleet/summary.ts', 'src/core/ops/session.ts']);
    expect(results.flatMap((r) => r.messages.map((m) => `${r.filePath}: ${m.message}`))).toEqual([]);
  });
});
