// Regenerates the README's key table from the console's keymap (run after `npm run build`).
import { readFileSync, writeFileSync } from 'node:fs';
import { keymapMarkdown } from '../dist/src/console/keymap.js';

const file = new URL('../README.md', import.meta.url);
const text = readFileSync(file, 'utf8');
const start = '<!-- keys:start -->\n';
const end = '<!-- keys:end -->';
const a = text.indexOf(start);
const b = text.indexOf(end);
if (a < 0 || b < a) throw new Error('README.md has no keys:start / keys:end markers');
writeFileSync(file, text.slice(0, a + start.length) + keymapMarkdown().trimEnd() + '\n' + text.slice(b));
console.log('README.md keys table updated');
