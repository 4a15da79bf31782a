import { VirtualFileSystem, type VirtualFileSystemOptions } from './virtual-file-system.js';

/** A file's content: JSON-lines text, or rows (objects are written as JSON, strings as they are, one per line). */
export type FileContent = string | readonly (string | object)[];

/** The name `virtualDirectory` gives its `i`-th file: `file-0.json`, `file-1.json`, ... */
export function fileName(i: number): string {
  return `file-${i}.json`;
}

/**
 * A {@link VirtualFileSystem} holding one directory, `dir`, with one file per element of
 * `files`: `file-0.json`, `file-1.json`, ... The `i`-th file has modification time `i` ms, so
 * the source reads them in array order.
 *
 * @example
 * const fs = virtualDirectory('/in', [[{ action: 'Open' }], [], '{"action": "Close"}\n']);
 * // /in/file-0.json (one row), /in/file-1.json (empty), /in/file-2.json (one row)
 */
export function virtualDirectory(dir: string, files: readonly FileContent[] = [], options: VirtualFileSystemOptions = {}): VirtualFileSystem {
  const fs = new VirtualFileSystem(options).mkdir(dir);
  files.forEach((content, i) => fs.write(`${dir}/${fileName(i)}`, content, i));
  return fs;
}
