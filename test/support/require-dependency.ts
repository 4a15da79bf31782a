// The test runner's stand-in for src/require-dependency.ts (mapped in package.json's jest
// moduleNameMapper): the sources run as CommonJS there, where `import.meta` does not exist.
export const requireDependency: NodeRequire = require;
