/** Runs `fn` and returns the error it throws, which must be an instance of `type`; fails the test otherwise. */
export function thrown<E extends Error>(fn: () => unknown, type: abstract new (...args: never[]) => E): E {
  try {
    fn();
  } catch (e) {
    if (e instanceof type) return e;
    throw new Error(`expected a ${type.name}, got ${String(e)}`);
  }
  throw new Error(`expected a ${type.name}, nothing was thrown`);
}
