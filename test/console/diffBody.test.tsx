/**
 * The diff view draws its visible rows as one text node when every row is exactly the
 * pane's width (fitsWidth): the frame must be what one node per row gave, so no row may be
 * wider or narrower than the pane there — whatever the text holds (wide characters, tabs,
 * lines cut at the edge, a view scrolled sideways), in both layouts, colored or not.
 */
import { render } from 'ink-testing-library';
import stringWidth from 'string-width';
import stripAnsi from 'strip-ansi';
import { beforeAll, describe, expect, it } from 'vitest';
import { bodyText, DiffView, fitsWidth } from '../../src/console/components/DiffView.js';
import { fileDoc, loadDiffEngine } from '../../src/console/diffRows.js';
import { ThemeContext } from '../../src/console/theme.js';
import type { FileChange } from '../../src/core/diff/types.js';

const lines = [' plain context line', '-old 日本語 value\twith tab', '+new 日本語 value\twith tab and more', ' ' + 'long '.repeat(40), '-x', '+🚀 rocket y', '+only added'];
const change: FileChange = {
  path: '/etc/app.conf',
  kind: 'modified',
  meta: [],
  unified: ['--- a/etc/app.conf', '+++ b/etc/app.conf', '@@ -1,4 +1,5 @@', ...lines, ''].join('\n'),
  added: 3,
  removed: 2,
};

beforeAll(() => loadDiffEngine());

function bodyLines(layout: 'unified' | 'side-by-side', width: number, left: number, color: boolean): string[] {
  const doc = fileDoc(change, layout);
  return bodyText(doc.rows, doc.numberWidth, width, left, color).split('\n');
}

/** The diff view's frame (ink-testing-library), from the body's first row on. */
function frameBody(width: number): string[] {
  const c = render(
    <ThemeContext.Provider value={{ color: false }}>
      <DiffView
        entries={[{ host: 'web1', change }]}
        heading="web1"
        sides={{ left: 'live', right: 'repo' }}
        cursor={{ file: 0, top: 0, left: 0 }}
        layout="side-by-side"
        width={width}
        fileRows={1}
        bodyRows={20}
        focused
        empty="no changes"
      />
    </ThemeContext.Provider>,
  );
  const frame = (c.lastFrame() ?? '').split('\n');
  c.unmount();
  return frame.slice(4);
}

describe('diff body as one text node', () => {
  for (const layout of ['unified', 'side-by-side'] as const) {
    it(`${layout}: every row is exactly the pane's width wherever fitsWidth holds`, () => {
      const numberWidth = fileDoc(change, layout).numberWidth;
      const narrowest = [...Array(40).keys()].map((w) => w + 1).find((w) => fitsWidth(w, numberWidth))!;
      for (const width of [narrowest, narrowest + 1, narrowest + 2, 31, 60, 119]) {
        for (const left of [0, 3, 7]) {
          for (const color of [false, true]) {
            const body = bodyLines(layout, width, left, color);
            expect(body.length).toBe(fileDoc(change, layout).rows.length);
            for (const line of body) expect(stringWidth(stripAnsi(line)), `width ${width}, left ${left}: ${JSON.stringify(line)}`).toBe(width);
          }
        }
      }
    });
  }

  it('draws the rows in the frame: one line each, text, cut mark and line numbers', () => {
    const body = frameBody(60);
    expect(body).toEqual(bodyLines('side-by-side', 60, 0, false).map((l) => l.trimEnd()));
    expect(body[0]).toContain('@@ -1,4 +1,5 @@');
    expect(body.some((l) => l.includes('old 日本語') && l.includes('new 日本語'))).toBe(true);
    expect(body.some((l) => l.includes('\u203a'))).toBe(true);
  });
});
