/**
 * Reading JSON lines straight from bytes into columns: the file source's hot path.
 *
 * `scanJsonLinesToColumns` walks a block of UTF-8 bytes line by line and, for a line in the
 * common compact shape (`{"key":value,...}`: no whitespace, ASCII only, no escape in a key or a
 * schema string), reads the schema's fields into typed-array columns with byte comparisons:
 * no string per line, no object per line, a string value looked up in the column's dictionary
 * by its bytes (a new string only for a value the chunk has not seen). Fields not in the schema
 * are skipped while their JSON syntax is checked (nesting up to 64 levels).
 *
 * Every other line (whitespace, escapes, non-ASCII bytes, a repeated schema key, a value of
 * another type, a number that is not a short integer in an integral column, invalid JSON, a
 * blank line) is decoded and given to `fallback`, which reads it exactly as the text path reads
 * it (`src/jsonl/columns.ts`: the text scanner, then the reference reader, then the parse
 * mode). So the fast path only ever accepts a line that the text path accepts with the same
 * values: `test/jsonl/fast-scan.test.ts` checks the columns against the text path's rows on
 * generated texts, and `test/jsonl/byte-scan.test.ts` the cases each fast path must get right.
 *
 * Two fast paths, tried in turn (decision 0025). A reader compiled per schema (`compiledDriver`:
 * one function per list of field kinds, key names and key order, cached) takes a line written
 * exactly as `{"k0":v0,"k1":v1,...}`, every field once with the keys of the block's first line
 * when it has that shape (maybe keys the schema does not read, whose values it skips), else the
 * schema's in its order: each key is compared at its known place (four bytes at a time), each
 * value read by its field's kind straight into its column, a string
 * first compared with the column's two last values and otherwise hashed while its end is found.
 * Any other line, or any value it does not take, goes from the line's start to the general path
 * (`BlockScan.general`: any key order, unknown keys skipped), and from there to the fallback. The
 * compiled reader takes only lines the general path takes, with the same values.
 *
 * Lines end at '\n', '\r\n' or a lone '\r', as in the text path; line numbers are 1-based within
 * the block. A byte order mark at the block's start goes to the fallback with its line (the
 * text path skips it there).
 */
import { decodeUtf8 } from '../fs/bytes.js';
import type { Column } from '../engine/columns.js';
import { parseIsoMillis, type JsonlField } from './fast-scan.js';

const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const SLASH = 47;
const D0 = 48;
const D9 = 57;
const COLON = 58;
const UPPER_E = 69;
const LBRACKET = 91;
const BACKSLASH = 92;
const RBRACKET = 93;
const LOWER_E = 101;
const LOWER_F = 102;
const LOWER_N = 110;
const LOWER_T = 116;
const LOWER_U = 117;
const LBRACE = 123;
const RBRACE = 125;

const MAX_DATE_MS = 8.64e15;
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
/** Nesting deeper than this in a skipped field goes to the fallback. */
const MAX_SKIP_DEPTH = 64;

/** How a field is stored and read by the fast path. */
const K_TIMESTAMP = 0;
const K_TIMESTAMP_SECONDS = 1;
const K_LONG = 2;
const K_INT = 3;
const K_DOUBLE = 4;
const K_STRING = 5;
const K_BOOLEAN = 6;

/** The scalar field types the columnar path reads; a schema with any other type is read by the row path. */
export function isColumnarField(field: JsonlField): boolean {
  return field.type === 'timestamp' || field.type === 'long' || field.type === 'int' || field.type === 'double' || field.type === 'string' || field.type === 'boolean';
}

/**
 * What the fallback gives for one line: the row's values in field order (and the extra column's
 * value, when there is one), or undefined for no row (a blank line, a malformed line dropped).
 */
export type FallbackRow = { readonly values: readonly unknown[]; readonly extra?: unknown } | undefined;

/** Reads a line the fast path does not take: its text (decoded as the text path decodes it), its 1-based line number in the block, whether it is the block's first line. */
export type Fallback = (text: string, line: number, firstLine: boolean) => FallbackRow;

export interface ColumnarScanOptions {
  /** Whether a timestamp column takes ISO-8601 strings in the fast path (false with a `timestampFormat` or `timeZone`). */
  readonly timestampStrings: boolean;
  /** The name of an extra `values` column filled by the fallback (the corrupt-record column): null on fast rows. */
  readonly extraColumn?: string;
}

export interface ColumnarScan {
  readonly length: number;
  readonly names: readonly string[];
  readonly columns: readonly Column[];
}

/** FNV-1a over a string's bytes: the dictionary's hash, computed while the string's end is found. */
const HASH_SEED = 0x811c9dc5 | 0;
const HASH_PRIME = 16777619;

/** The dictionary's hash of `bytes[start, end)` (exported for tests that craft collisions). */
export function dictionaryHash(bytes: Uint8Array, start: number, end: number): number {
  let h = HASH_SEED;
  for (let i = start; i < end; i++) h = Math.imul(h ^ (bytes[i] as number), HASH_PRIME);
  return h;
}

/** A string column's dictionary, looked up by bytes (fast path) or by string (fallback). */
class Dictionary {
  readonly strings: string[] = [];
  private readonly byString = new Map<string, number>();
  /** Open addressing, linear probing: entry + 1, 0 for empty. */
  private table = new Int32Array(64);
  private mask = 63;
  /** Each byte-looked-up entry's bytes in the block (start, length), its hash and its id. */
  private readonly starts: number[] = [];
  private readonly lengths: number[] = [];
  private readonly hashes: number[] = [];
  private readonly entryIds: number[] = [];

  constructor(
    private readonly bytes: Uint8Array,
    /** The same bytes, to make a string of an entry's (ASCII) bytes. */
    private readonly buffer: Buffer,
  ) {}

  idOf(s: string): number {
    let id = this.byString.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.byString.set(s, id);
    }
    return id;
  }

  /** The id of the ASCII string in `bytes[start, end)`. */
  idOfBytes(start: number, end: number): number {
    return this.idOfHashed(start, end, dictionaryHash(this.bytes, start, end));
  }

  /** The id of the ASCII string in `bytes[start, end)`, whose hash is `h` (`dictionaryHash`). */
  idOfHashed(start: number, end: number, h: number): number {
    const b = this.bytes;
    const len = end - start;
    const table = this.table;
    const mask = this.mask;
    let slot = h & mask;
    for (;;) {
      const e = table[slot] as number;
      if (e === 0) break;
      const entry = e - 1;
      if (this.hashes[entry] === h && this.lengths[entry] === len) {
        const s = this.starts[entry] as number;
        let k = 0;
        while (k < len && b[s + k] === b[start + k]) k++;
        if (k === len) return this.entryIds[entry] as number;
      }
      slot = (slot + 1) & mask;
    }
    const id = this.idOf(this.buffer.toString('latin1', start, end));
    const entry = this.starts.length;
    this.starts.push(start);
    this.lengths.push(len);
    this.hashes.push(h);
    this.entryIds.push(id);
    table[slot] = entry + 1;
    if ((entry + 1) * 2 > mask) this.grow();
    return id;
  }

  private grow(): void {
    const size = this.table.length * 2;
    const table = new Int32Array(size);
    const mask = size - 1;
    for (let entry = 0; entry < this.starts.length; entry++) {
      let slot = (this.hashes[entry] as number) & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = entry + 1;
    }
    this.table = table;
    this.mask = mask;
  }
}

/** The growing columns of one scan: per field a number, id or value array, and a validity bitmap once a null is seen. */
class Builders {
  capacity: number;
  readonly nums: (Float64Array | undefined)[] = [];
  readonly ids: (Int32Array | undefined)[] = [];
  readonly vals: (unknown[] | undefined)[] = [];
  readonly validity: (Uint8Array | undefined)[] = [];

  constructor(
    readonly kinds: Int32Array,
    readonly dicts: (Dictionary | undefined)[],
    capacity: number,
  ) {
    this.capacity = capacity;
    for (let f = 0; f < kinds.length; f++) {
      const k = kinds[f] as number;
      this.nums.push(k <= K_DOUBLE ? new Float64Array(capacity) : undefined);
      this.ids.push(k === K_STRING ? new Int32Array(capacity) : undefined);
      this.vals.push(k === K_BOOLEAN ? [] : undefined);
      this.validity.push(undefined);
    }
  }

  ensure(row: number): void {
    if (row < this.capacity) return;
    const capacity = this.capacity * 2;
    for (let f = 0; f < this.kinds.length; f++) {
      const n = this.nums[f];
      if (n !== undefined) {
        const next = new Float64Array(capacity);
        next.set(n);
        this.nums[f] = next;
      }
      const i = this.ids[f];
      if (i !== undefined) {
        const next = new Int32Array(capacity);
        next.set(i);
        this.ids[f] = next;
      }
      const v = this.validity[f];
      if (v !== undefined) {
        const next = new Uint8Array((capacity + 7) >> 3).fill(0xff);
        next.set(v);
        this.validity[f] = next;
      }
    }
    this.capacity = capacity;
  }

  /** Marks row `row` of field `f` not null (it may have been written null by a line the fast path then gave up). */
  valid(f: number, row: number): void {
    const v = this.validity[f];
    if (v !== undefined) v[row >> 3] = (v[row >> 3] as number) | (1 << (row & 7));
  }

  /** Marks row `row` not null in every field (a line that gave no row may have written nulls there): the compiled fast path writes only nulls. */
  restore(row: number): void {
    for (let f = 0; f < this.kinds.length; f++) this.valid(f, row);
  }

  setNull(f: number, row: number): void {
    let v = this.validity[f];
    if (v === undefined) this.validity[f] = v = new Uint8Array((this.capacity + 7) >> 3).fill(0xff);
    v[row >> 3] = (v[row >> 3] as number) & ~(1 << (row & 7));
    const vals = this.vals[f];
    if (vals !== undefined) vals[row] = null;
  }

  /** Sets field `f` of row `row` from a value the fallback gave (already converted to the field's type, or null). */
  set(f: number, row: number, value: unknown): void {
    if (value === null || value === undefined) {
      this.setNull(f, row);
      return;
    }
    const k = this.kinds[f] as number;
    if (k <= K_DOUBLE) (this.nums[f] as Float64Array)[row] = value as number;
    else if (k === K_STRING) (this.ids[f] as Int32Array)[row] = (this.dicts[f] as Dictionary).idOf(value as string);
    else (this.vals[f] as unknown[])[row] = value;
    this.valid(f, row);
  }

  column(f: number, n: number): Column {
    const k = this.kinds[f] as number;
    const validity = trimValidity(this.validity[f], n);
    if (k <= K_DOUBLE) return { kind: 'number', values: (this.nums[f] as Float64Array).subarray(0, n), validity };
    if (k === K_STRING) return { kind: 'dict', ids: (this.ids[f] as Int32Array).subarray(0, n), dict: (this.dicts[f] as Dictionary).strings, validity };
    const vals = this.vals[f] as unknown[];
    vals.length = n;
    return { kind: 'values', values: vals };
  }
}

/** The bitmap of the first `n` rows, or undefined when none of them is null. */
function trimValidity(v: Uint8Array | undefined, n: number): Uint8Array | undefined {
  if (v === undefined) return undefined;
  const full = n >> 3;
  for (let i = 0; i < full; i++) if (v[i] !== 0xff) return v.subarray(0, (n + 7) >> 3);
  for (let r = full << 3; r < n; r++) if (((v[r >> 3] as number) & (1 << (r & 7))) === 0) return v.subarray(0, (n + 7) >> 3);
  return undefined;
}

function kindOf(field: JsonlField, timestampStrings: boolean): number {
  switch (field.type) {
    case 'timestamp':
      return timestampStrings ? K_TIMESTAMP : K_TIMESTAMP_SECONDS;
    case 'long':
      return K_LONG;
    case 'int':
      return K_INT;
    case 'double':
      return K_DOUBLE;
    case 'string':
      return K_STRING;
    case 'boolean':
      return K_BOOLEAN;
    default:
      throw new TypeError(`JSON-lines columns: the field ${JSON.stringify(field.name)} of type ${field.type} is not a scalar column`);
  }
}

/** The closing quote of a string from `s` that is plain ASCII without escapes or control characters, or -1. */
function plainStringEnd(b: Uint8Array, s: number, end: number): number {
  for (let q = s; q < end; q++) {
    const d = b[q] as number;
    if (d === QUOTE) return q;
    if (d === BACKSLASH || d < SPACE || d >= 0x80) return -1;
  }
  return -1;
}

/** The position after a valid JSON string (escapes allowed, ASCII only) starting at the quote at `i`, or -1. */
function skipString(b: Uint8Array, i: number, end: number): number {
  i++;
  while (i < end) {
    const c = b[i] as number;
    if (c === QUOTE) return i + 1;
    if (c < SPACE || c >= 0x80) return -1;
    if (c === BACKSLASH) {
      const e = b[i + 1];
      if (e === LOWER_U) {
        if (i + 6 > end) return -1;
        for (let k = i + 2; k < i + 6; k++) {
          const h = b[k] as number;
          if (!((h >= D0 && h <= D9) || (h >= 65 && h <= 70) || (h >= 97 && h <= 102))) return -1;
        }
        i += 6;
        continue;
      }
      if (e === QUOTE || e === BACKSLASH || e === SLASH || e === 98 || e === LOWER_F || e === LOWER_N || e === 114 || e === LOWER_T) {
        i += 2;
        continue;
      }
      return -1;
    }
    i++;
  }
  return -1;
}

/** The position after a valid JSON number starting at `i`, or -1. */
function skipNumber(b: Uint8Array, i: number, end: number): number {
  if (b[i] === MINUS) i++;
  let c = b[i] as number;
  if (i >= end) return -1;
  if (c === D0) {
    i++;
  } else if (c > D0 && c <= D9) {
    do i++;
    while (i < end && (c = b[i] as number) >= D0 && c <= D9);
  } else {
    return -1;
  }
  if (i < end && b[i] === DOT) {
    i++;
    const s = i;
    while (i < end && (c = b[i] as number) >= D0 && c <= D9) i++;
    if (i === s) return -1;
  }
  if (i < end && (b[i] === LOWER_E || b[i] === UPPER_E)) {
    i++;
    if (i < end && (b[i] === PLUS || b[i] === MINUS)) i++;
    const s = i;
    while (i < end && (c = b[i] as number) >= D0 && c <= D9) i++;
    if (i === s) return -1;
  }
  return i;
}

function skipWord(b: Uint8Array, i: number, end: number, word: readonly number[]): number {
  if (i + word.length > end) return -1;
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word[k]) return -1;
  return i + word.length;
}

const TRUE = [116, 114, 117, 101];
const FALSE = [102, 97, 108, 115, 101];
const NULL = [110, 117, 108, 108];

/** The position after a valid compact JSON value (no whitespace, ASCII) at `i`, or -1. */
function skipValue(b: Uint8Array, i: number, end: number, depth: number): number {
  if (i >= end) return -1;
  const c = b[i] as number;
  if (c === QUOTE) return skipString(b, i, end);
  if (c === MINUS || (c >= D0 && c <= D9)) return skipNumber(b, i, end);
  if (c === LOWER_T) return skipWord(b, i, end, TRUE);
  if (c === LOWER_F) return skipWord(b, i, end, FALSE);
  if (c === LOWER_N) return skipWord(b, i, end, NULL);
  if (depth >= MAX_SKIP_DEPTH) return -1;
  if (c === LBRACKET) {
    i++;
    if (b[i] === RBRACKET) return i + 1;
    for (;;) {
      i = skipValue(b, i, end, depth + 1);
      if (i < 0 || i >= end) return -1;
      const d = b[i];
      if (d === RBRACKET) return i + 1;
      if (d !== COMMA) return -1;
      i++;
    }
  }
  if (c === LBRACE) {
    i++;
    if (b[i] === RBRACE) return i + 1;
    for (;;) {
      if (b[i] !== QUOTE) return -1;
      i = skipString(b, i, end);
      if (i < 0 || b[i] !== COLON) return -1;
      i = skipValue(b, i + 1, end, depth + 1);
      if (i < 0 || i >= end) return -1;
      const d = b[i];
      if (d === RBRACE) return i + 1;
      if (d !== COMMA) return -1;
      i++;
    }
  }
  return -1;
}

/** Powers of ten exact as doubles (up to 10^22). */
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/** A key of a line as the compiled reader expects it: a field's index, or the bytes of a key not in the schema (its value skipped). */
type LineKey = number | Uint8Array;

function layoutKey(layout: readonly LineKey[]): string {
  return layout.map((k) => (typeof k === 'number' ? String(k) : `"${Array.from(k).join('.')}`)).join(',');
}

/** What every block read with one list of fields shares: the fields' kinds and keys, and the readers compiled for them. */
class SchemaReader {
  readonly kinds: Int32Array;
  /** Each field's key as written (JSON.stringify's form, UTF-8). */
  readonly names: readonly Uint8Array[];
  private inSchemaOrder: Driver | undefined;
  private readonly byOrder = new Map<string, Driver>();

  constructor(fields: readonly JsonlField[], timestampStrings: boolean) {
    this.kinds = Int32Array.from(fields, (field) => kindOf(field, timestampStrings));
    // A key is matched as written without escapes (JSON.stringify's form); one written otherwise goes to the fallback.
    this.names = fields.map((field) => Buffer.from(JSON.stringify(field.name).slice(1, -1), 'utf8'));
  }

  /** The driver for lines with the keys of `layout` (undefined: the schema's keys in its order). */
  driver(layout: readonly LineKey[] | undefined): Driver {
    if (layout === undefined) {
      this.inSchemaOrder ??= compiledDriver(this.kinds, this.names, Array.from(this.kinds, (_, f) => f)) ?? generalDriver;
      return this.inSchemaOrder;
    }
    const key = layoutKey(layout);
    let driver = this.byOrder.get(key);
    if (driver === undefined) {
      driver = compiledDriver(this.kinds, this.names, layout) ?? generalDriver;
      if (this.byOrder.size < 16) this.byOrder.set(key, driver);
    }
    return driver;
  }
}

/** The schema readers of each list of fields (the file source passes the same list for every block of a query), with ISO timestamp strings or without. */
const schemaReaders = new WeakMap<readonly JsonlField[], { strings?: SchemaReader; seconds?: SchemaReader }>();

function schemaReader(fields: readonly JsonlField[], timestampStrings: boolean): SchemaReader {
  let readers = schemaReaders.get(fields);
  if (readers === undefined) schemaReaders.set(fields, (readers = {}));
  if (timestampStrings) return (readers.strings ??= new SchemaReader(fields, true));
  return (readers.seconds ??= new SchemaReader(fields, false));
}

/** Reads every line of a block (a compiled fast path, or the general path alone); returns the number of rows. */
type Driver = (scan: BlockScan) => number;

/** The driver without a fast path of its own: every line by the general path. */
const generalDriver: Driver = (scan) => {
  const len = scan.len;
  const builders = scan.builders;
  let p = 0;
  let row = 0;
  let lineNo = 0;
  while (p < len) {
    lineNo++;
    builders.ensure(row);
    if (scan.general(p, lineNo, row)) row++;
    p = scan.next;
  }
  return row;
};

/** One block being read: its bytes and columns, and the general path for the lines a driver does not take itself. */
class BlockScan {
  readonly len: number;
  readonly builders: Builders;
  readonly dicts: (Dictionary | undefined)[] = [];
  readonly extra: unknown[] | undefined;
  /** Each field's key as written (JSON.stringify's form, UTF-8). */
  readonly names: readonly Uint8Array[];
  readonly kinds: Int32Array;
  /** After `general`: where the next line starts. */
  next = 0;
  /** After `readDouble`: the number read. */
  num = 0;
  private readonly buffer: Buffer;
  private readonly seen: Int32Array;
  private stamp = 0;

  constructor(
    readonly bytes: Uint8Array,
    schema: SchemaReader,
    options: ColumnarScanOptions,
    private readonly fallback: Fallback,
  ) {
    this.kinds = schema.kinds;
    this.names = schema.names;
    const nf = this.kinds.length;
    this.buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let f = 0; f < nf; f++) this.dicts.push(this.kinds[f] === K_STRING ? new Dictionary(bytes, this.buffer) : undefined);
    this.len = bytes.length;
    this.builders = new Builders(this.kinds, this.dicts, Math.max(64, this.len >> 5));
    this.extra = options.extraColumn === undefined ? undefined : [];
    this.seen = new Int32Array(nf);
  }

  /**
   * The keys of the block's first line when it holds every field once, all written plainly
   * (`{"k":v,...}`, no whitespace, keys not in the schema in ASCII without escapes), and that is
   * not the schema's own keys in its order: files are mostly written with one order of keys, not
   * always the schema's, and often with keys the schema does not read. Undefined for the
   * schema's keys in its order.
   */
  firstLineOrder(): LineKey[] | undefined {
    const b = this.bytes;
    const len = this.len;
    const names = this.names;
    const nf = names.length;
    let p = 0;
    if (nf === 0 || b[p] !== LBRACE) return undefined;
    // The schema's order, the common case, without a list.
    let f = 0;
    for (; f < nf; f++) {
      const name = names[f] as Uint8Array;
      const ks = p + 2;
      if (b[p + 1] !== QUOTE || b[ks + name.length] !== QUOTE || b[ks + name.length + 1] !== COLON) break;
      let k = 0;
      while (k < name.length && b[ks + k] === name[k]) k++;
      if (k < name.length) break;
      p = skipValue(b, ks + name.length + 2, len, 0);
      if (p < 0 || b[p] !== (f === nf - 1 ? RBRACE : COMMA)) break;
    }
    if (f === nf) return undefined;
    const layout: LineKey[] = [];
    let found = 0;
    p = 1;
    for (;;) {
      if (b[p] !== QUOTE || layout.length >= MAX_COMPILED_FIELDS) return undefined;
      const ks = p + 1;
      const ke = plainStringEnd(b, ks, len);
      if (ke < 0 || b[ke + 1] !== COLON) return undefined;
      let g = 0;
      for (; g < nf; g++) {
        const name = names[g] as Uint8Array;
        if (name.length !== ke - ks) continue;
        let k = 0;
        while (k < name.length && b[ks + k] === name[k]) k++;
        if (k === name.length) break;
      }
      if (g === nf) {
        layout.push(b.slice(ks, ke));
      } else {
        if (layout.includes(g)) return undefined;
        layout.push(g);
        found++;
      }
      p = skipValue(b, ke + 2, len, 0);
      if (p < 0) return undefined;
      if (b[p] === RBRACE) return found === nf ? layout : undefined;
      if (b[p] !== COMMA) return undefined;
      p++;
    }
  }

  /** The position after the valid JSON value at `p`, or -1 (a key the compiled reader skips). */
  skip(p: number): number {
    return skipValue(this.bytes, p, this.len, 0);
  }

  latin1(start: number, end: number): string {
    return this.buffer.toString('latin1', start, end);
  }

  /** Reads the number at `p` for a double column: the position after it, or -1; its value in `num`. */
  readDouble(p: number): number {
    // Up to 15 significant digits and no exponent: the digits as an integer (exact below 2^53)
    // divided by a power of ten (exact up to 10^22) is the nearest double, as Number() gives.
    const b = this.bytes;
    const len = this.len;
    const s = p;
    let neg = false;
    if (b[p] === MINUS) {
      neg = true;
      p++;
    }
    const ds = p;
    let n = 0;
    let d = 0;
    while (p < len && (d = (b[p] as number) - D0) >= 0 && d <= 9) {
      n = n * 10 + d;
      p++;
    }
    let digits = p - ds;
    if (digits === 0 || (digits > 1 && b[ds] === D0)) return -1;
    let scale = 0;
    if (p < len && b[p] === DOT) {
      p++;
      const fs = p;
      while (p < len && (d = (b[p] as number) - D0) >= 0 && d <= 9) {
        n = n * 10 + d;
        p++;
      }
      scale = p - fs;
      if (scale === 0) return -1;
      digits += scale;
    }
    const e = p < len ? b[p] : 0;
    if (digits > 15 || e === LOWER_E || e === UPPER_E) {
      const end = skipNumber(b, s, len);
      if (end < 0) return -1;
      this.num = Number(this.latin1(s, end));
      return end;
    }
    const v = scale === 0 ? n : n / (POW10[scale] as number);
    this.num = neg ? -v : v;
    return p;
  }

  /**
   * The general path for the line at `lineStart` (line `lineNo`) into row `row`: any key order,
   * unknown keys skipped, the fallback for any line it does not take. True when the line gave a
   * row; the next line's start in `next`.
   */
  general(lineStart: number, lineNo: number, row: number): boolean {
    const b = this.bytes;
    const len = this.len;
    const builders = this.builders;
    const names = this.names;
    const kinds = this.kinds;
    const seen = this.seen;
    const nf = kinds.length;
    const stamp = ++this.stamp;
    let p = lineStart;
    fast: {
      const c0 = b[p];
      if (c0 === LF) {
        this.next = p + 1; // an empty line: no row
        builders.restore(row);
        return false;
      }
      if (c0 !== LBRACE) break fast; // also a byte order mark: the fallback skips it as the text path does
      p++;
      if (b[p] === RBRACE) {
        p++;
      } else {
        let expect = 0;
        for (;;) {
          if (b[p] !== QUOTE) break fast;
          const ks = ++p;
          // Which field: the next one in schema order, if the key is its name (the common case:
          // keys in schema order, compared in place); else the key read whole and looked up.
          let f = -1;
          const next = expect < nf ? expect : 0;
          const expected = names[next] as Uint8Array;
          const elen = expected.length;
          let k = 0;
          while (k < elen && expected[k] === b[ks + k]) k++;
          if (k === elen && b[ks + elen] === QUOTE) {
            f = next;
            p = ks + elen + 1;
          } else {
            const ke = plainStringEnd(b, ks, len);
            if (ke < 0) break fast;
            p = ke + 1;
            const klen = ke - ks;
            for (let g = 0; g < nf; g++) {
              const name = names[g] as Uint8Array;
              if (name.length !== klen) continue;
              let j = 0;
              while (j < klen && name[j] === b[ks + j]) j++;
              if (j === klen) {
                f = g;
                break;
              }
            }
          }
          if (b[p] !== COLON) break fast;
          p++;
          if (f < 0) {
            p = skipValue(b, p, len, 0);
            if (p < 0) break fast;
          } else {
            if (seen[f] === stamp) break fast; // a repeated key: JSON.parse keeps the last; the fallback decides
            seen[f] = stamp;
            expect = f + 1;
            const v = b[p] as number;
            if (v === LOWER_N) {
              if (b[p + 1] !== 117 || b[p + 2] !== 108 || b[p + 3] !== 108) break fast;
              builders.setNull(f, row);
              p += 4;
            } else {
              const k = kinds[f] as number;
              if (k === K_STRING) {
                if (v !== QUOTE) break fast;
                const s = ++p;
                let h = HASH_SEED;
                for (;;) {
                  if (p >= len) break fast;
                  const c = b[p] as number;
                  if (c === QUOTE) break;
                  if (c === BACKSLASH || c < SPACE || c >= 0x80) break fast;
                  h = Math.imul(h ^ c, HASH_PRIME);
                  p++;
                }
                (builders.ids[f] as Int32Array)[row] = (this.dicts[f] as Dictionary).idOfHashed(s, p, h);
                builders.valid(f, row);
                p++;
              } else if (k === K_BOOLEAN) {
                if (v === LOWER_T && b[p + 1] === 114 && b[p + 2] === 117 && b[p + 3] === 101) {
                  (builders.vals[f] as unknown[])[row] = true;
                  p += 4;
                } else if (v === LOWER_F && b[p + 1] === 97 && b[p + 2] === 108 && b[p + 3] === 115 && b[p + 4] === 101) {
                  (builders.vals[f] as unknown[])[row] = false;
                  p += 5;
                } else {
                  break fast;
                }
                builders.valid(f, row);
              } else if (k === K_DOUBLE) {
                p = this.readDouble(p);
                if (p < 0) break fast;
                (builders.nums[f] as Float64Array)[row] = this.num;
                builders.valid(f, row);
              } else if (v === QUOTE) {
                // A timestamp as an ISO-8601 string with a zone (the text path's rule).
                if (k !== K_TIMESTAMP) break fast;
                const s = p + 1;
                const q = plainStringEnd(b, s, len);
                if (q < 0) break fast;
                const ms = parseIsoMillis(this.latin1(s, q), 0, q - s);
                if (Number.isNaN(ms)) break fast;
                (builders.nums[f] as Float64Array)[row] = ms;
                builders.valid(f, row);
                p = q + 1;
              } else {
                // An integer of at most 15 digits, no fraction or exponent (anything else: the fallback).
                let neg = false;
                if (v === MINUS) {
                  neg = true;
                  p++;
                }
                const s = p;
                let n = 0;
                let d = 0;
                while (p < len && (d = (b[p] as number) - D0) >= 0 && d <= 9) {
                  n = n * 10 + d;
                  p++;
                }
                const count = p - s;
                if (count === 0 || count > 15 || (count > 1 && b[s] === D0)) break fast;
                const e = b[p];
                if (e === DOT || e === LOWER_E || e === UPPER_E) break fast;
                if (neg) n = -n;
                if (k === K_INT) {
                  if (n < INT_MIN || n > INT_MAX) break fast;
                } else if (k === K_TIMESTAMP || k === K_TIMESTAMP_SECONDS) {
                  n *= 1000;
                  if (n < -MAX_DATE_MS || n > MAX_DATE_MS) break fast;
                }
                (builders.nums[f] as Float64Array)[row] = n;
                builders.valid(f, row);
              }
            }
          }
          const sep = b[p];
          if (sep === COMMA) {
            p++;
            continue;
          }
          if (sep !== RBRACE) break fast;
          p++;
          break;
        }
      }
      // After the object: the line's end.
      if (p < len) {
        const t = b[p];
        if (t === LF) p++;
        else if (t === CR) p += b[p + 1] === LF ? 2 : 1;
        else break fast;
      }
      for (let f = 0; f < nf; f++) if (seen[f] !== stamp) builders.setNull(f, row);
      if (this.extra !== undefined) this.extra[row] = null;
      this.next = p;
      return true;
    }
    return this.fallbackLine(lineStart, lineNo, row);
  }

  /** The whole line, decoded as the text path decodes it, read by the fallback into row `row`. */
  private fallbackLine(lineStart: number, lineNo: number, row: number): boolean {
    const b = this.bytes;
    const len = this.len;
    let end = lineStart;
    while (end < len && b[end] !== LF && b[end] !== CR) end++;
    this.next = end < len ? (b[end] === CR && b[end + 1] === LF ? end + 2 : end + 1) : len;
    const got = this.fallback(decodeUtf8(b.subarray(lineStart, end)), lineNo, lineStart === 0);
    if (got === undefined) {
      this.builders.restore(row);
      return false;
    }
    for (let f = 0; f < this.kinds.length; f++) this.builders.set(f, row, got.values[f]);
    if (this.extra !== undefined) this.extra[row] = got.extra ?? null;
    return true;
  }
}

/**
 * Reads `bytes` (whole lines: a block of a file) into columns for `fields` (scalar types
 * only: see `isColumnarField`), with `fallback` for every line the fast path does not take.
 * Columns come in field order, then the extra column if any.
 */
export function scanJsonLinesToColumns(bytes: Uint8Array, fields: readonly JsonlField[], options: ColumnarScanOptions, fallback: Fallback): ColumnarScan {
  const reader = schemaReader(fields, options.timestampStrings);
  const scan = new BlockScan(bytes, reader, options, fallback);
  const row = reader.driver(scan.firstLineOrder())(scan);
  // A block ending in a terminator has one more (empty) line in the text path: no row either way.
  const columns: Column[] = [];
  const outNames: string[] = [];
  for (let f = 0; f < fields.length; f++) {
    columns.push(scan.builders.column(f, row));
    outNames.push((fields[f] as JsonlField).name);
  }
  if (scan.extra !== undefined && options.extraColumn !== undefined) {
    scan.extra.length = row;
    columns.push({ kind: 'values', values: scan.extra });
    outNames.push(options.extraColumn);
  }
  return { length: row, names: outNames, columns };
}

// ---------------------------------------------------------------------------------------
// The compiled fast path: one driver per list of field kinds and key names.

/** Schemas larger than this, or with a longer key, are read by the general path alone. */
const MAX_COMPILED_FIELDS = 64;
const MAX_COMPILED_KEY_BYTES = 128;
const drivers = new Map<string, Driver>();

/**
 * A driver that reads a line written exactly as `{"k0":v0,"k1":v1,...}` with the keys of
 * `layout` in its order (every field of the schema once, maybe keys it skips), no whitespace:
 * each key compared byte by byte at its known place, each value read by its field's kind (or
 * skipped), and any other line, or any value it does not take, given to the general path from
 * the line's start. The generated code holds numbers only
 * (field indexes, key bytes, byte values): no name or text of the schema is spliced into it.
 * It takes exactly what the general path takes, with the same values (the general path would
 * read such a line the same way: the same keys in the same order).
 */
function compiledDriver(kinds: Int32Array, names: readonly Uint8Array[], layout: readonly LineKey[]): Driver | undefined {
  const nf = kinds.length;
  const tooLong = (key: LineKey): boolean => (typeof key === 'number' ? (names[key] as Uint8Array) : key).length > MAX_COMPILED_KEY_BYTES;
  if (nf > MAX_COMPILED_FIELDS || layout.length > MAX_COMPILED_FIELDS || layout.some(tooLong)) return undefined;
  const cacheKey = Array.from(kinds).join(',') + '|' + names.map((n) => Array.from(n).join('.')).join(',') + '|' + layoutKey(layout);
  const cached = drivers.get(cacheKey);
  if (cached !== undefined) return cached;

  const columnOf = (f: number): string => {
    const k = kinds[f] as number;
    return k <= K_DOUBLE ? `B.nums[${f}]` : k === K_STRING ? `B.ids[${f}]` : `B.vals[${f}]`;
  };
  const decl: string[] = [];
  const reload: string[] = [];
  for (let f = 0; f < nf; f++) {
    decl.push(`let c${f} = ${columnOf(f)};`);
    reload.push(`c${f} = ${columnOf(f)};`);
    // A string column's two most recently read values (start in the block, length, id), compared before any hashing.
    if (kinds[f] === K_STRING) decl.push(`const d${f} = scan.dicts[${f}];\nlet m${f}s = 0, m${f}l = -1, m${f}i = 0, n${f}s = 0, n${f}l = -1, n${f}i = 0;`);
  }
  /** Checks that the bytes at p are `bytes` (p + k for byte k), then moves p past them. */
  const expectBytes = (bytes: readonly number[]): string => {
    // Four bytes at a time (a little-endian 32-bit read) once the line is known to be long enough.
    const checks: string[] = bytes.length >= 4 ? [`p + ${bytes.length} > len`] : [];
    let k = 0;
    if (bytes.length >= 4) {
      for (; k + 4 <= bytes.length; k += 4) {
        const word = ((bytes[k] as number) | ((bytes[k + 1] as number) << 8) | ((bytes[k + 2] as number) << 16) | ((bytes[k + 3] as number) << 24)) | 0;
        checks.push(`dv.getInt32(p + ${k}, true) !== ${word}`);
      }
    }
    for (; k < bytes.length; k++) checks.push(`b[p + ${k}] !== ${bytes[k] as number}`);
    return `if (${checks.join(' || ')}) break fast;\np += ${bytes.length};`;
  };
  const nullCheck = `b[p] === ${LOWER_N} && b[p + 1] === 117 && b[p + 2] === 108 && b[p + 3] === 108`;
  const body: string[] = [expectBytes([LBRACE])];
  for (let j = 0; j < layout.length; j++) {
    const f = layout[j] as LineKey;
    const key = [...(j === 0 ? [] : [COMMA]), QUOTE, ...(typeof f === 'number' ? (names[f] as Uint8Array) : f), QUOTE, COLON];
    body.push(expectBytes(key));
    if (typeof f !== 'number') {
      // A key the schema does not read: its value skipped (its syntax checked), as the general path does.
      body.push('p = scan.skip(p);\nif (p < 0) break fast;');
      continue;
    }
    body.push(`if (${nullCheck}) { B.setNull(${f}, row); p += 4; } else {`);
    body.push(valueCode(kinds[f] as number, f));
    body.push('}');
  }
  body.push(expectBytes([RBRACE]));
  const source = `"use strict";
const b = scan.bytes, len = scan.len, B = scan.builders, extra = scan.extra, dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
let cap = B.capacity;
${decl.join('\n')}
let p = 0, row = 0, lineNo = 0;
while (p < len) {
  lineNo++;
  if (row >= cap) {
    B.ensure(row);
    cap = B.capacity;
    ${reload.join('\n')}
  }
  const ls = p;
  fast: {
    ${body.join('\n')}
    if (p < len) {
      const t = b[p];
      if (t === ${LF}) p++;
      else if (t === ${CR}) p += b[p + 1] === ${LF} ? 2 : 1;
      else break fast;
    }
    if (extra !== undefined) extra[row] = null;
    row++;
    continue;
  }
  if (scan.general(ls, lineNo, row)) row++;
  p = scan.next;
}
return row;`;
  const driver = new Function('scan', source) as Driver;
  if (drivers.size < 256) drivers.set(cacheKey, driver);
  return driver;
}

/** The code that reads field `f`'s value (not null) at p into its column's row `row`, or breaks to the general path. */
function valueCode(kind: number, f: number): string {
  switch (kind) {
    case K_STRING:
      // One of the two values read last (their bytes then a quote), else plain ASCII without
      // escapes, hashed while its end is found, looked up in the dictionary.
      return `if (b[p] !== ${QUOTE}) break fast;
const s = ++p;
let k = -2;
if (b[s + m${f}l] === ${QUOTE}) {
  for (k = 0; k + 4 <= m${f}l && dv.getInt32(s + k, true) === dv.getInt32(m${f}s + k, true); ) k += 4;
  while (k < m${f}l && b[s + k] === b[m${f}s + k]) k++;
}
if (k === m${f}l) {
  c${f}[row] = m${f}i;
  p = s + k + 1;
} else {
  k = -2;
  if (b[s + n${f}l] === ${QUOTE}) {
  for (k = 0; k + 4 <= n${f}l && dv.getInt32(s + k, true) === dv.getInt32(n${f}s + k, true); ) k += 4;
  while (k < n${f}l && b[s + k] === b[n${f}s + k]) k++;
}
  if (k === n${f}l) {
    c${f}[row] = n${f}i;
    p = s + k + 1;
    n${f}s = m${f}s; n${f}l = m${f}l; n${f}i = m${f}i;
    m${f}s = s; m${f}l = k; m${f}i = c${f}[row];
  } else {
    let h = ${HASH_SEED};
    for (;;) {
      if (p >= len) break fast;
      const c = b[p];
      if (c === ${QUOTE}) break;
      if (c === ${BACKSLASH} || c < ${SPACE} || c >= 128) break fast;
      h = Math.imul(h ^ c, ${HASH_PRIME});
      p++;
    }
    const id = d${f}.idOfHashed(s, p, h);
    c${f}[row] = id;
    n${f}s = m${f}s; n${f}l = m${f}l; n${f}i = m${f}i;
    m${f}s = s; m${f}l = p - s; m${f}i = id;
    p++;
  }
}`;
    case K_BOOLEAN:
      return `if (b[p] === ${LOWER_T} && b[p + 1] === 114 && b[p + 2] === 117 && b[p + 3] === 101) { c${f}[row] = true; p += 4; }
else if (b[p] === ${LOWER_F} && b[p + 1] === 97 && b[p + 2] === 108 && b[p + 3] === 115 && b[p + 4] === 101) { c${f}[row] = false; p += 5; }
else break fast;`;
    case K_DOUBLE:
      return `p = scan.readDouble(p);
if (p < 0) break fast;
c${f}[row] = scan.num;`;
    default: {
      // An integer of at most 15 digits (a string timestamp, a fraction or an exponent: the
      // general path; the byte after the digits must be the separator, checked next).
      const range =
        kind === K_INT ? `if (n < ${INT_MIN} || n > ${INT_MAX}) break fast;` : kind === K_LONG ? '' : `n *= 1000;\nif (n < ${-MAX_DATE_MS} || n > ${MAX_DATE_MS}) break fast;`;
      return `let neg = false;
if (b[p] === ${MINUS}) { neg = true; p++; }
const s = p;
let n = 0;
let d = 0;
while (p + 4 <= len) {
  // Four digits at a time: every byte in '0'..'9' (high nibble 3, and no carry into it past '9'), then their value.
  const v = dv.getInt32(p, true);
  if ((v & 0xf0f0f0f0) !== 0x30303030 || ((v + 0x06060606) & 0xf0f0f0f0) !== 0x30303030) break;
  const x = (Math.imul(v - 0x30303030, 10) + ((v - 0x30303030) >>> 8)) & 0x00ff00ff;
  n = n * 10000 + ((x & 0xff) * 100 + (x >>> 16));
  p += 4;
}
while (p + 1 < len && (d = b[p] - ${D0}) >>> 0 < 10) {
  const e = b[p + 1] - ${D0};
  if (e >>> 0 >= 10) { n = n * 10 + d; p++; break; }
  n = n * 100 + (d * 10 + e);
  p += 2;
}
if (p < len && (d = b[p] - ${D0}) >>> 0 < 10) { n = n * 10 + d; p++; }
const count = p - s;
if (count === 0 || count > 15 || (count > 1 && b[s] === ${D0})) break fast;
if (neg) n = -n;
${range}
c${f}[row] = n;`;
    }
  }
}
