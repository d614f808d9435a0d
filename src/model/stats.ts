/**
 * What the model holds right now, across every model Kvm in this process: the leak checks
 * compare it with a baseline after everything was closed.
 */
export const liveModelObjects = {
  /** guest_memfd inodes not yet released. */
  inodes: 0,
  /** VMs not yet destroyed. */
  vms: 0,
  /** Pages of contents held in memory. */
  storedPages: 0,
};

export function modelStats(): Readonly<typeof liveModelObjects> {
  return { ...liveModelObjects };
}
