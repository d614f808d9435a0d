/**
 * What keeps a kernel VM alive after its own descriptor closes: its guest_memfd files (each
 * holds the VM), their mappings (each holds its file) and its vCPUs. Counted so the VM knows
 * whether closing its descriptor destroys it (see KernelVm.close).
 */
export interface VmHold {
  get(): void;
  put(): void;
}

export class VmHolders implements VmHold {
  private count = 0;

  get(): void {
    this.count++;
  }

  put(): void {
    this.count--;
  }

  /** Whether anything besides the VM's descriptor still holds it. */
  get held(): boolean {
    return this.count > 0;
  }
}
