/**
 * `require` for the package's CommonJS dependencies that load on first use (see
 * `lazy-dependencies.ts`), resolved from this module's own place, as an import would be.
 * Under the test runner, which runs the sources as CommonJS, its own `require` stands in
 * (test/support/require-dependency.ts).
 */
import { createRequire } from 'node:module';

export const requireDependency: NodeRequire = createRequire(import.meta.url);
