/**
 * Text from files or flags made safe for a terminal: control characters (C0, DEL, C1), which could
 * move the cursor, clear the screen or change colours, and the line and paragraph separators are
 * written as escapes (`\n`, `\t`, `\x1b`, `\u2028`).
 */
export function escapeControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}
