/**
 * Cutting a file's bytes into blocks of whole lines as they arrive in chunks: every line lands in
 * exactly one block (or is reported as too long), with the right line numbers and byte offsets,
 * however the bytes are chunked. Checked against a plain split of the whole file.
 */
import fc from 'fast-check';
import { LineBlockSplitter, LineStarts, countLineEnds } from '../../src/fs/line-blocks.js';

/** The lines of `bytes` as the parsers split them ('\n', '\r\n', lone '\r'): text, start offset and number. */
function referenceLines(bytes: Uint8Array): { text: string; offset: number; number: number }[] {
  const out: { text: string; offset: number; number: number }[] = [];
  let start = 0;
  let number = 1;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a || bytes[i] === 0x0d) {
      if (i === bytes.length && start === bytes.length) break; // nothing after the last terminator
      out.push({ text: Buffer.from(bytes.subarray(start, i)).toString('latin1'), offset: start, number });
      number++;
      if (bytes[i] === 0x0d && bytes[i + 1] === 0x0a) i++;
      start = i + 1;
    }
  }
  return out;
}

/** The lines of the splitter's blocks, with their numbers and offsets from the block's own. */
function blockLines(blocks: readonly { bytes: Uint8Array; firstLine: number; byteOffset: number }[]): { text: string; offset: number; number: number }[] {
  return blocks.flatMap((b) => referenceLines(b.bytes).map((l) => ({ text: l.text, offset: b.byteOffset + l.offset, number: b.firstLine + l.number - 1 })));
}

const line = fc.stringMatching(/^[a-z{}":,]{0,40}$/);
const eol = fc.constantFrom('\n', '\r\n', '\r');
const file = fc.tuple(fc.array(fc.tuple(line, eol), { maxLength: 30 }), fc.boolean()).map(([lines, lastEnds]) => {
  const text = lines.map(([l, e], i) => (i === lines.length - 1 && !lastEnds ? l : l + e)).join('');
  return Buffer.from(text, 'latin1');
});

/** `bytes` cut at the given positions. */
function chunked(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

describe('LineBlockSplitter', () => {
  it('gives every line once, in blocks or as too long, with its number and offset, however the bytes are chunked (property)', () => {
    fc.assert(
      fc.property(file, fc.array(fc.nat(), { maxLength: 8 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 64 }), (bytes, cuts, maxLine, blockBytes) => {
        const s = new LineBlockSplitter(maxLine, 8, blockBytes);
        for (const c of chunked(bytes, cuts)) s.push(c);
        s.end();
        const expected = referenceLines(bytes);
        const inBlocks = blockLines(s.blocks);
        const long = s.longLines.map((l) => ({ number: l.line, offset: l.byteOffset, length: l.length, head: Buffer.from(l.head).toString('latin1') }));
        expect(inBlocks).toEqual(expected.filter((l) => l.text.length <= maxLine));
        expect(long).toEqual(expected.filter((l) => l.text.length > maxLine).map((l) => ({ number: l.number, offset: l.offset, length: l.text.length, head: l.text.slice(0, 8) })));
        expect(s.bytesIn).toBe(bytes.length);
      }),
      { numRuns: 400 },
    );
  });

  it('holds no long line: a 1 MiB line streamed in small chunks leaves only its first bytes', () => {
    const s = new LineBlockSplitter(100, 16, 64);
    const big = Buffer.alloc(1024 * 1024, 0x61);
    s.push(Buffer.from('{"a":1}\n'));
    for (let i = 0; i < big.length; i += 1000) s.push(big.subarray(i, i + 1000));
    s.push(Buffer.from('\r\n{"a":2}'));
    s.end();
    expect(blockLines(s.blocks).map((l) => l.text)).toEqual(['{"a":1}', '{"a":2}']);
    expect(s.longLines).toEqual([{ line: 2, byteOffset: 8, length: big.length, head: new Uint8Array(big.subarray(0, 16)) }]);
    expect(s.blocks.reduce((n, b) => n + b.bytes.length, 0)).toBeLessThan(64);
  });

  it('says where an unfinished read stopped: the unfinished line, its number and offset', () => {
    const s = new LineBlockSplitter(1000, 4, 1 << 20);
    s.push(Buffer.from('a\nb\r\ncde'));
    expect(s.unfinished()).toEqual({ line: 3, byteOffset: 5, length: 3, head: new Uint8Array(Buffer.from('cde')) });
    expect(s.nextLineNumber).toBe(3);
    // The whole lines before it are blocks.
    expect(blockLines(s.blocks).map((l) => [l.text, l.number, l.offset])).toEqual([['a', 1, 0], ['b', 2, 2]]);
  });
});

describe('LineStarts and countLineEnds', () => {
  it('find where each line starts and how many lines end, with any terminators (property)', () => {
    fc.assert(
      fc.property(file, (bytes) => {
        const lines = referenceLines(bytes);
        const starts = new LineStarts(bytes);
        for (const l of lines) expect(starts.of(l.number)).toBe(l.offset);
        const ended = lines.length - (bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a && bytes[bytes.length - 1] !== 0x0d ? 1 : 0);
        expect(countLineEnds(bytes, bytes.length)).toBe(ended);
      }),
      { numRuns: 300 },
    );
  });
});
