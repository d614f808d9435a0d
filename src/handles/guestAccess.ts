/** vm.guest: guest-side accesses, validated here and made by the VM's backend. */
import type { BytesInput, GuestAccess, GuestAccessOptions, GuestResult, MappingLevel, U64Input } from '../api.js';
import { bytes, u64 } from '../args.js';
import { guestAccessRequest, guestReadRequest } from '../requests.js';
import { guestResult, type VmBackend } from './backend.js';

export class GuestAccessHandle implements GuestAccess {
  readonly #hasPrivateMem: boolean;
  /** The VM's backend, or EBADF when the VM was closed. */
  readonly #open: (operation: string) => VmBackend;

  constructor(hasPrivateMem: boolean, open: (operation: string) => VmBackend) {
    this.#hasPrivateMem = hasPrivateMem;
    this.#open = open;
  }

  read(gpa: U64Input, length: number, opts?: GuestAccessOptions): GuestResult<Uint8Array> {
    const req = guestReadRequest(gpa, length, opts, this.#hasPrivateMem);
    const vm = this.#open('guest read');
    const out = new Uint8Array(req.length);
    return guestResult(vm.guestRead(req, out), out);
  }

  write(gpa: U64Input, data: BytesInput, opts?: GuestAccessOptions): GuestResult<undefined> {
    const src = bytes(data, 'data');
    const req = guestAccessRequest(gpa, src.byteLength, opts, this.#hasPrivateMem);
    return guestResult(this.#open('guest write').guestWrite(req, src), undefined);
  }

  mappingLevel(gpa: U64Input): MappingLevel | null {
    const g = u64(gpa, 'gpa');
    return this.#open('mapping level').mappingLevel(g);
  }
}
