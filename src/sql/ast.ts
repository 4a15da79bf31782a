/**
 * Narrowing helpers over node-sql-parser's AST. The parser's own typings are loose, so the
 * engine reads every node as `unknown` and checks each field it uses.
 */
export type Node = { readonly [key: string]: unknown };

export function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function nodeType(node: Node): string {
  return typeof node['type'] === 'string' ? node['type'] : '';
}

export function str(node: Node, key: string): string | null {
  const v = node[key];
  return typeof v === 'string' ? v : null;
}

export function child(node: Node, key: string): Node | null {
  const v = node[key];
  return isNode(v) ? v : null;
}

export function children(node: Node, key: string): Node[] {
  const v = node[key];
  return Array.isArray(v) ? v.filter(isNode) : [];
}

/** True when the expression contains an aggregate call (not looking into subqueries). */
export function containsAggregate(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(containsAggregate);
  if (!isNode(value)) return false;
  if (nodeType(value) === 'aggr_func') return true;
  if ('ast' in value) return false;
  return Object.values(value).some(containsAggregate);
}
