/**
 * The safety net for handles dropped without close() or unmap(): when one is garbage-collected,
 * its descriptor is closed (or its mapping given back), so a program that forgets does not run
 * out of descriptors or address space. It is a net, not a way to manage handles: collection
 * comes late or never (and not at all in a loop that never yields), so close() stays the rule.
 */

/**
 * What to run for a collected handle; it must not reach the handle itself. The handle clears
 * `release` when it lets go by itself (close, unmap): then nothing is left to do, and nothing
 * the release reached (a backend, a file's pages) is kept alive by the registry meanwhile.
 * (Clearing costs nothing; unregistering with a token made every create and close several
 * times slower.)
 */
export interface Release {
  release: (() => void) | undefined;
}

const registry = new FinalizationRegistry<Release>((held) => {
  const release = held.release;
  held.release = undefined;
  try {
    release?.();
  } catch {
    // Nobody is left to tell: a finalizer's exception would only crash the process.
  }
});

export function whenCollected(handle: object, held: Release): void {
  registry.register(handle, held);
}
