/**
 * The safety net for handles dropped without close() or unmap(): when one is garbage-collected,
 * its descriptor is closed (or its mapping given back), so a program that forgets does not run
 * out of descriptors or address space. It is a net, not a way to manage handles: collection
 * comes late or never (and not at all in a loop that never yields), so close() stays the rule.
 */

/** What to run for a collected handle; it must not reach the handle itself. */
export interface Release {
  /** True once released by the handle (close/unmap): then there is nothing left to do. */
  readonly closed: boolean;
  close(): void;
}

const registry = new FinalizationRegistry<Release>((release) => {
  if (release.closed) return;
  try {
    release.close();
  } catch {
    // Nobody is left to tell: a finalizer's exception would only crash the process.
  }
});

export function whenCollected(handle: object, release: Release): void {
  registry.register(handle, release);
}
