/** What every kernel descriptor shares: a number in this process's table, closed once. */
import type { FileBackend } from '../handles/backend.js';
import type { NativeAddon } from './native.js';

/** All kernel descriptors live in this process's one table, whichever Kvm made them. */
export const PROCESS_TABLE: object = Object.freeze({ table: 'this process' });

export abstract class KernelDescriptor implements FileBackend {
  protected constructor(protected readonly native: NativeAddon, readonly fd: number) {}

  get table(): object {
    return PROCESS_TABLE;
  }

  get systemResource(): boolean {
    return true;
  }

  close(): void {
    this.native.close(this.fd);
  }
}
