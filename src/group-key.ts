/**
 * Encodes group-by values as one string key. Types are tagged so that `null`, the string
 * "null" and the number 0 stay distinct; a window `{start, end}` is keyed by its bounds.
 * Columns are joined by U+0001; a string holding that character is quoted, so it cannot forge a column boundary.
 */
export function groupKey(values: readonly unknown[], objectKeys?: WeakMap<object, string>): string {
  let key = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) key += '\u0001';
    const v = values[i];
    if (v === null || v === undefined) key += 'z';
    // A string holding the separator is quoted (tag 'S'); the common case stays a plain concatenation.
    else if (typeof v === 'string') key += v.indexOf('\u0001') === -1 ? 's' + v : 'S' + JSON.stringify(v);
    else if (typeof v === 'number') key += 'n' + String(v);
    else if (typeof v === 'boolean') key += v ? 'T' : 'F';
    else if (typeof v === 'object') key += objectKey(v, objectKeys);
    else key += 'j' + JSON.stringify(v);
  }
  return key;
}

function objectKey(v: object, memo: WeakMap<object, string> | undefined): string {
  let k = memo?.get(v);
  if (k === undefined) {
    k = 'start' in v && 'end' in v ? 'w' + String(v.start) + ',' + String(v.end) : 'j' + JSON.stringify(v);
    memo?.set(v, k);
  }
  return k;
}
