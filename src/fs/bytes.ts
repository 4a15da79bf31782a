/**
 * Bytes and text: UTF-8 as the file source reads it, and the size of its reads. A module of its
 * own, loading nothing else, so that a parse thread (src/jsonl/parse-worker.ts) does not load
 * what the file system's Observables need (RxJS).
 */

/** The size of the chunks `nodeFileSystem.readBytes` reads: a file up to this size is read in one. */
export const READ_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * Text as UTF-8 bytes, the inverse of {@link decodeUtf8}: a lone surrogate U+DC80 + b (a byte that
 * was not UTF-8) becomes the byte b again; any other lone surrogate is U+FFFD's bytes.
 */
export function encodeUtf8(text: string): Uint8Array {
  if ((text as unknown as { isWellFormed(): boolean }).isWellFormed()) return Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
    }
    if (c >= 0xdc80 && c <= 0xdcff) {
      parts.push(Buffer.from(text.slice(start, i), 'utf8'), Buffer.of(c - 0xdc00));
      start = i + 1;
    }
  }
  parts.push(Buffer.from(text.slice(start), 'utf8'));
  return Buffer.concat(parts);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * UTF-8 bytes as text, a byte order mark kept; each byte that is not part of a valid UTF-8
 * sequence (a stray continuation, a truncated, overlong or surrogate sequence, beyond U+10FFFF)
 * becomes the lone surrogate U+DC80 + byte.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    // Not valid UTF-8: decode by hand, each valid run at once.
  }
  let out = '';
  let runStart = 0;
  let i = 0;
  while (i < bytes.length) {
    const n = validSequenceLength(bytes, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out += strictUtf8.decode(bytes.subarray(runStart, i)) + String.fromCharCode(0xdc00 + (bytes[i] as number));
    i++;
    runStart = i;
  }
  return out + strictUtf8.decode(bytes.subarray(runStart));
}

/** The length of the valid UTF-8 sequence at `i` (1 to 4), or 0 if the byte there starts none. */
function validSequenceLength(b: Uint8Array, i: number): number {
  const c = b[i] as number;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => i + k < b.length && (b[i + k] as number) >= lo && (b[i + k] as number) <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0; // no surrogates
  if (c >= 0xe1 && c <= 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

