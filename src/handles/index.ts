/**
 * The public handles: one layer above two narrow backends.
 *
 * Every call on a Kvm, Vm, GuestMemfd, HostMapping or vm.guest goes through a class here, which
 * (1) turns the arguments into the words the kernel reads (src/requests.ts, src/args.ts: a
 * TypeError/RangeError before anything changes), (2) answers EBADF for a closed descriptor or an
 * unmapped mapping without reaching a backend, and (3) calls the backend's one method for that
 * ioctl or system call (backend.ts). The model (src/model) and the kernel (src/kernel) implement
 * those narrow interfaces and never re-validate. What differs between backends is answered by
 * `kvm.features()`, never by testing a handle's class; only src/open.ts names the backends.
 *
 * A backend fails with an Errno (the errno and, in the model, why); the handle turns it into the
 * KvmError the caller sees, naming the call it made, so both backends name every call alike.
 *
 * Handle state (descriptor, closed, a mapping's address, length and mapped flag) lives in
 * private fields: no JavaScript assignment can change what a handle reaches. A memslot may only
 * point into a live mapping this layer made (mappings.ts), which unmap() then keeps reserved
 * until the slot goes. Proposal calls are optional parts of a file (proposals.ts). Kernel
 * handles dropped without close() are closed when collected (finalizer.ts); a model process
 * gives everything back when it is collected as a whole (model/process.ts).
 */
export { KvmHandle } from './kvm.js';
export { VmHandle } from './vm.js';
export { GuestMemfdHandle } from './guestMemfd.js';
export { HostMappingHandle } from './hostMapping.js';
export { GuestAccessHandle } from './guestAccess.js';
export { VcpuHandle } from './vcpu.js';
export type { Features } from '../api.js';
export type { FileBackend, GuestMemfdBackend, KvmBackend, MappingBackend, VcpuBackend, VmBackend } from './backend.js';
