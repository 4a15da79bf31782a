// The final tables as text: columns aligned by the width a terminal gives each character, and a
// long table cut to its first and last rows.
import stringWidth from 'string-width';
import { fitReport, renderReport, reportLineCount, type Report } from '../../src/cli/report.js';

function report(rows: readonly (readonly string[])[]): Report {
  return { title: 'Timeline', headers: ['group', 'count'], rows, rightAligned: [1] };
}

/** The display column where each line's second cell ends (right-aligned numbers end together). */
function endColumns(text: string): number[] {
  return text
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((l) => stringWidth(l));
}

describe('renderReport', () => {
  it('aligns columns by display width: CJK and emoji take two columns', () => {
    const text = renderReport(report([['東京', '12'], ['😀', '7'], ['abc', '1234'], ['é', '5']]));
    const ends = endColumns(text);
    expect(new Set(ends).size).toBe(1);
    const lines = text.split('\n');
    expect(lines[2]).toBe('-----  -----');
    expect(lines[3]).toBe('東京      12');
    expect(lines[4]).toBe('😀         7');
  });

  it('left-aligns text after a wide value', () => {
    const text = renderReport({ title: 't', headers: ['名前', 'x'], rows: [['日本語', 'a'], ['b', 'bb']], rightAligned: [] });
    expect(text.split('\n').slice(1, 5)).toEqual(['名前    x', '------  --', '日本語  a', 'b       bb']);
  });
});

describe('fitReport', () => {
  const rows = [...Array(40).keys()].map((i) => [`g${i}`, String(i)]);

  /** A row as the report prints it: the group padded to the header's 5 columns, the count right-aligned in 5. */
  const line = (i: number): string => `g${i}`.padEnd(5) + '  ' + String(i).padStart(5);

  it('keeps the first and last rows and says how many are left out, within the lines given', () => {
    const fitted = fitReport(report(rows), 15);
    expect(reportLineCount(fitted)).toBe(15);
    const lines = renderReport(fitted).trimEnd().split('\n');
    expect(lines).toHaveLength(15);
    expect(lines.slice(3, 9)).toEqual([0, 1, 2, 3, 4, 5].map(line));
    expect(lines[9]).toBe('… 29 more rows (--all-rows prints every row) …');
    expect(lines.slice(10)).toEqual([35, 36, 37, 38, 39].map(line));
  });

  it('leaves a table that fits as it is', () => {
    const small = report(rows.slice(0, 5));
    expect(fitReport(small, 8)).toBe(small);
  });

  it('shows at least two first and two last rows on a tiny screen', () => {
    const lines = renderReport(fitReport(report(rows), 3)).trimEnd().split('\n');
    expect(lines.slice(3)).toEqual([line(0), line(1), '… 36 more rows (--all-rows prints every row) …', line(38), line(39)]);
  });

  it('never puts the marker in place of a single row', () => {
    const five = report(rows.slice(0, 5));
    expect(reportLineCount(five)).toBe(8);
    expect(fitReport(five, 7)).toBe(five);
    expect(renderReport(fitReport(report(rows.slice(0, 6)), 7))).toContain('… 2 more rows (--all-rows prints every row) …');
  });
});
