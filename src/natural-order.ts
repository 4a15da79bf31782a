/**
 * Natural order of names: runs of digits compare as numbers, everything else by character
 * code, so `file-2` sorts before `file-10`. Ties between equal numbers written differently
 * (`01` vs `1`) fall back to plain character order, so the order is total.
 */
export function compareNatural(a: string, b: string): number {
  const ra = a.match(/\d+|\D+/g) ?? [];
  const rb = b.match(/\d+|\D+/g) ?? [];
  const n = Math.min(ra.length, rb.length);
  for (let i = 0; i < n; i++) {
    const x = ra[i] as string;
    const y = rb[i] as string;
    const dx = isDigit(x);
    const dy = isDigit(y);
    if (dx && dy) {
      const c = compareDigits(x, y);
      if (c !== 0) return c;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  if (ra.length !== rb.length) return ra.length - rb.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function isDigit(s: string): boolean {
  const c = s.charCodeAt(0);
  return c >= 48 && c <= 57;
}

/** Compares two digit strings as numbers without overflowing: by length once leading zeros go. */
function compareDigits(x: string, y: string): number {
  const a = x.replace(/^0+(?=\d)/, '');
  const b = y.replace(/^0+(?=\d)/, '');
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
