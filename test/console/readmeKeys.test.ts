import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { keymapMarkdown } from '../../src/console/keymap.js';

describe('README key table', () => {
  it('is the keymap table (regenerate with npm run readme:keys)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = readme.split('<!-- keys:start -->\n')[1]?.split('<!-- keys:end -->')[0];
    expect(block?.trimEnd()).toBe(keymapMarkdown().trimEnd());
  });
});
