/**
 * Cutting a file's bytes, as they arrive in chunks, into blocks of whole lines, so that a reader
 * holds no line longer than its limit: such a line is measured and skipped as it streams by (its
 * first bytes kept for the report), never held whole. Lines end at '\n', '\r\n' or a lone '\r'
 * (Hadoop's `LineReader`, as the JSON-lines parser splits them); these bytes never occur inside
 * a multi-byte UTF-8 sequence, so bytes can be cut before they are decoded.
 *
 * Hadoop's `LineRecordReader` skips a line longer than `mapreduce.input.linerecordreader.line.maxlength`
 * (bytes) the same way, with only a log line; here each one is reported (decision 0018).
 */

const LF = 0x0a;
const CR = 0x0d;

/** Whole lines of a file: the last may lack its terminator only at the end of the file. */
export interface LineBlock {
  readonly bytes: Uint8Array;
  /** 1-based number, in the file, of the block's first line. */
  readonly firstLine: number;
  /** Where in the file (its decompressed bytes) the block starts. */
  readonly byteOffset: number;
}

/** A line longer than the limit: skipped, with its first bytes. */
export interface LongLine {
  readonly line: number;
  readonly byteOffset: number;
  /** Its length in bytes, without the terminator. */
  readonly length: number;
  readonly head: Uint8Array;
}

/** A copy of `bytes[start, end)` that does not keep `bytes` alive. */
function copyOf(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(bytes.subarray(start, end));
}

/** The position of the next '\n' or '\r' at or after `from` in `bytes[..end)`, or -1. */
function nextTerminator(bytes: Uint8Array, from: number, end: number): number {
  const lf = bytes.indexOf(LF, from);
  const cr = bytes.indexOf(CR, from);
  const t = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
  return t >= 0 && t < end ? t : -1;
}

/** Lines ended in `bytes[0, end)` (a '\r\n' is one end). */
export function countLineEnds(bytes: Uint8Array, end: number): number {
  let n = 0;
  if (bytes.indexOf(CR) < 0 || bytes.indexOf(CR) >= end) {
    for (let i = bytes.indexOf(LF); i >= 0 && i < end; i = bytes.indexOf(LF, i + 1)) n++;
    return n;
  }
  for (let i = 0; i < end; i++) {
    const b = bytes[i];
    if (b === LF) n++;
    else if (b === CR) {
      n++;
      if (bytes[i + 1] === LF && i + 1 < end) i++;
    }
  }
  return n;
}

/**
 * Where the last line known to be complete in `bytes` ends (after its terminator), or 0. A '\r'
 * as the very last byte is not known to end a line yet: a '\n' may follow in the next chunk.
 */
function lastCut(bytes: Uint8Array): number {
  const n = bytes.length;
  const lf = bytes.lastIndexOf(LF);
  const cr = n >= 2 ? bytes.lastIndexOf(CR, n - 2) : -1;
  return Math.max(lf, cr) + 1;
}

/**
 * Takes a file's bytes chunk by chunk (`push`, then `end`) and gives its lines in blocks
 * (`blocks`) and its lines longer than `maxLineBytes` (`longLines`), each exactly once. Holds at
 * most one block's bytes besides what it gave.
 */
export class LineBlockSplitter {
  readonly blocks: LineBlock[] = [];
  readonly longLines: LongLine[] = [];
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** Line number and file offset of the first pending byte. */
  private nextLine = 1;
  private offset = 0;
  /** A long line being skipped. */
  private skipping: { line: number; byteOffset: number; length: number; head: Uint8Array } | undefined;
  /** The long line ended at a '\r' that was the last byte of a chunk: a '\n' starting the next one is part of its end. */
  private swallowLf = false;
  /** Bytes taken so far. */
  bytesIn = 0;

  /** The number of the next line to begin (after the lines given and the one pending). */
  get nextLineNumber(): number {
    return this.skipping === undefined ? this.nextLine : this.skipping.line;
  }

  constructor(
    private readonly maxLineBytes: number,
    private readonly headBytes: number,
    /** How much is gathered before a block is cut (a smaller file is one block). */
    private readonly blockBytes = 8 * 1024 * 1024,
  ) {}

  push(chunk: Uint8Array): void {
    this.bytesIn += chunk.length;
    if (this.swallowLf) {
      this.swallowLf = false;
      if (chunk[0] === LF) {
        chunk = chunk.subarray(1);
        this.offset++;
      }
    }
    if (this.skipping !== undefined) {
      const t = nextTerminator(chunk, 0, chunk.length);
      const skipped = t < 0 ? chunk.length : t;
      const head = this.skipping.head;
      if (head.length < this.headBytes) this.skipping.head = Buffer.concat([head, chunk.subarray(0, Math.min(skipped, this.headBytes - head.length))]);
      this.skipping.length += skipped;
      if (t < 0) return;
      let after = t + 1;
      if (chunk[t] === CR) {
        if (t + 1 === chunk.length) this.swallowLf = true;
        else if (chunk[t + 1] === LF) after++;
      }
      this.longLines.push(this.skipping);
      this.nextLine = this.skipping.line + 1;
      this.offset = this.skipping.byteOffset + this.skipping.length + after - t;
      this.skipping = undefined;
      chunk = chunk.subarray(after);
      if (chunk.length === 0) return;
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= this.blockBytes || this.pendingBytes > this.maxLineBytes) this.cut(false);
  }

  /** The end of the file: everything pending becomes blocks and long lines. */
  end(): void {
    if (this.skipping !== undefined) {
      this.longLines.push(this.skipping);
      this.skipping = undefined;
      return;
    }
    if (this.pendingBytes > 0) this.cut(true);
  }

  /** What was taken but is not in a block: the unfinished line where the bytes stopped (a file that could not be read to its end). */
  unfinished(): { readonly line: number; readonly byteOffset: number; readonly length: number; readonly head: Uint8Array } | undefined {
    // The whole lines taken become blocks first; what is left is the line the bytes stopped in.
    if (this.skipping === undefined && this.pendingBytes > 0) this.cut(false);
    if (this.skipping !== undefined) return this.skipping;
    if (this.pendingBytes === 0) return undefined;
    const bytes = this.takePending();
    this.pending = [bytes];
    return { line: this.nextLine, byteOffset: this.offset, length: bytes.length, head: copyOf(bytes, 0, Math.min(bytes.length, this.headBytes)) };
  }

  private takePending(): Uint8Array {
    const bytes = this.pending.length === 1 ? (this.pending[0] as Uint8Array) : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    return bytes;
  }

  private cut(final: boolean): void {
    const buf = this.takePending();
    const n = buf.length;
    if (n <= this.maxLineBytes) {
      // No line here can be too long: one block, up to the last complete line.
      const cut = final ? n : lastCut(buf);
      if (cut > 0) {
        this.blocks.push({ bytes: cut === n ? buf : buf.subarray(0, cut), firstLine: this.nextLine, byteOffset: this.offset });
        if (!final) this.nextLine += countLineEnds(buf, cut);
        this.offset += cut;
      }
      if (cut < n) this.keep(copyOf(buf, cut, n));
      return;
    }
    // Line by line: lines longer than the limit are cut out of the blocks (which are then copies,
    // so the long line's bytes are not kept alive by them).
    let line = this.nextLine;
    let lineStart = 0;
    let blockStart = 0;
    let blockLine = line;
    let excised = false;
    const emit = (end: number): void => {
      if (end > blockStart) this.blocks.push({ bytes: copyOf(buf, blockStart, end), firstLine: blockLine, byteOffset: this.offset + blockStart });
    };
    for (;;) {
      const t = nextTerminator(buf, lineStart, n);
      if (t < 0 || (t === n - 1 && buf[t] === CR && !final)) break;
      const after = buf[t] === CR && buf[t + 1] === LF ? t + 2 : t + 1;
      if (t - lineStart > this.maxLineBytes) {
        emit(lineStart);
        this.longLines.push({ line, byteOffset: this.offset + lineStart, length: t - lineStart, head: copyOf(buf, lineStart, Math.min(t, lineStart + this.headBytes)) });
        blockStart = after;
        blockLine = line + 1;
        excised = true;
      }
      line++;
      lineStart = after;
    }
    const restLength = n - lineStart;
    // A '\r' as the last byte (not final) ends the rest's line, unless a '\n' follows: either way the line is what precedes it.
    const endsInCr = !final && restLength > 0 && buf[n - 1] === CR;
    const restLine = endsInCr ? restLength - 1 : restLength;
    if (restLine > this.maxLineBytes) {
      emit(lineStart);
      const long = { line, byteOffset: this.offset + lineStart, length: restLine, head: copyOf(buf, lineStart, Math.min(lineStart + restLine, lineStart + this.headBytes)) };
      if (final || endsInCr) {
        this.longLines.push(long);
        this.swallowLf = endsInCr;
      } else {
        this.skipping = long;
      }
      this.nextLine = line + 1;
      this.offset += n;
      return;
    }
    if (final) {
      emit(n);
      return;
    }
    if (!excised && blockStart === 0 && lineStart > 0) this.blocks.push({ bytes: buf.subarray(0, lineStart), firstLine: blockLine, byteOffset: this.offset });
    else emit(lineStart);
    this.nextLine = line;
    this.offset += lineStart;
    if (restLength > 0) this.keep(copyOf(buf, lineStart, n));
  }

  private keep(rest: Uint8Array): void {
    this.pending = [rest];
    this.pendingBytes = rest.length;
  }
}

/**
 * Finds where lines start in a block, for the few lines that need it (bad ones): one forward
 * pass over the bytes however many are asked, in increasing order.
 */
export class LineStarts {
  private line = 1;
  private pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  /** The offset in the block where its `line`-th line (1-based) starts; lines must be asked in increasing order. */
  of(line: number): number {
    const b = this.bytes;
    while (this.line < line) {
      const t = nextTerminator(b, this.pos, b.length);
      if (t < 0) return b.length;
      this.pos = b[t] === CR && b[t + 1] === LF ? t + 2 : t + 1;
      this.line++;
    }
    return this.pos;
  }
}
