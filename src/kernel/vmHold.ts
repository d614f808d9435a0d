/**
 * What keeps a kernel VM alive after its own descriptor closes: its guest_memfd files (each
 * holds the VM), their mappings (each holds its file) and its vCPUs. Counted so the VM knows
 * whether closing its descriptor destroys it (see KernelVm.close); mappings by address, so it
 * also knows whether it would once some of them are unmapped.
 */
export interface VmHold {
  /** A holder; a mapping gives its address. */
  get(mapping?: bigint): void;
  put(mapping?: bigint): void;
}

export class VmHolders implements VmHold {
  private others = 0;
  private readonly mappings = new Map<bigint, number>();

  get(mapping?: bigint): void {
    if (mapping === undefined) this.others++;
    else this.mappings.set(mapping, (this.mappings.get(mapping) ?? 0) + 1);
  }

  put(mapping?: bigint): void {
    if (mapping === undefined) this.others--;
    else if (this.mappings.get(mapping) === 1) this.mappings.delete(mapping);
    else this.mappings.set(mapping, this.mappings.get(mapping)! - 1);
  }

  /** Whether anything besides the VM's descriptor (and the mappings at `unmapped`) still holds it. */
  heldBesides(unmapped: ReadonlySet<bigint> = new Set()): boolean {
    if (this.others > 0) return true;
    for (const address of this.mappings.keys()) if (!unmapped.has(address)) return true;
    return false;
  }
}
