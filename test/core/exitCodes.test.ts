import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { EXIT_CODE_DOCS, EXIT_CODES, SIGNAL_EXIT_CODES, exitCodesMarkdown } from '../../src/core/exitCodes.js';
import { EXIT_CODES as CLI_EXIT_CODES } from '../../src/cli/exitCodes.js';
import { EXIT } from '../../src/cli/commands/opsCommon.js';
import { CLOSED_OUTPUT_CODE } from '../../src/cli/interrupts.js';

describe('the one exit-code table', () => {
  it("the README's exit-code table is EXIT_CODE_DOCS", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = readme.split('<!-- exit-codes:start -->\n')[1]?.split('<!-- exit-codes:end -->')[0];
    expect(block, 'README.md needs <!-- exit-codes:start --> … <!-- exit-codes:end --> around the table').toBeDefined();
    expect(block).toBe(exitCodesMarkdown());
  });

  it('documents every code exactly once', () => {
    const documented = EXIT_CODE_DOCS.flatMap((d) => d.codes).sort((a, b) => a - b);
    expect(documented).toEqual([...new Set(Object.values(EXIT_CODES))].sort((a, b) => a - b));
  });

  it('the CLI and the writing commands use the same table, not a copy', () => {
    expect(CLI_EXIT_CODES).toBe(EXIT_CODES);
    expect(EXIT).toBe(EXIT_CODES);
    expect(CLOSED_OUTPUT_CODE).toBe(128 + constants.signals.SIGPIPE);
  });

  it('a signal exits 128 + its number, as a shell reports it', () => {
    for (const [name, code] of Object.entries(SIGNAL_EXIT_CODES)) expect(code, name).toBe(128 + constants.signals[name as keyof typeof constants.signals]);
  });
});
