/** vm.guest: guest-side accesses, validated here and made by the VM's backend. */
import type { BytesInput, GuestAccess, GuestAccessOptions, GuestExit, GuestResult, MappingLevel, U64Input } from '../api.js';
import { bytes, u64 } from '../args.js';
import { guestAccessRequest, guestReadRequest } from '../requests.js';
import type { VmBackend } from './backend.js';

export class GuestAccessHandle implements GuestAccess {
  readonly #hasPrivateMem: boolean;
  /** The VM's backend call for an operation: EBADF when the VM was closed, failures named. */
  readonly #sys: <T>(operation: string, call: (vm: VmBackend) => T) => T;

  constructor(hasPrivateMem: boolean, sys: <T>(operation: string, call: (vm: VmBackend) => T) => T) {
    this.#hasPrivateMem = hasPrivateMem;
    this.#sys = sys;
  }

  read(gpa: U64Input, length: number, opts?: GuestAccessOptions): GuestResult<Uint8Array> {
    const req = guestReadRequest(gpa, length, opts, this.#hasPrivateMem);
    const out = new Uint8Array(req.length);
    return guestResult(this.#sys('guest read', (vm) => vm.guestRead(req, out)), out);
  }

  write(gpa: U64Input, data: BytesInput, opts?: GuestAccessOptions): GuestResult<undefined> {
    const src = bytes(data, 'data');
    const req = guestAccessRequest(gpa, src.byteLength, opts, this.#hasPrivateMem);
    return guestResult(this.#sys('guest write', (b) => b.guestWrite(req, src)), undefined);
  }

  mappingLevel(gpa: U64Input): MappingLevel | null {
    const g = u64(gpa, 'gpa');
    return this.#sys('mapping level', (b) => b.mappingLevel(g));
  }
}

/** What a guest access returns, built from the backend's exit (undefined: all of it was done). */
function guestResult<T>(exit: GuestExit | undefined, value: T): GuestResult<T> {
  return exit ? { ok: false, exit } : { ok: true, value };
}
