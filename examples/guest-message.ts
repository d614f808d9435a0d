// The host writes a message into a guest_memfd, the guest reads it, changes it, and the host
// reads the result. Run: node dist/examples/guest-message.js [--backend kernel|model|auto]
import { openKvm, uapi } from '../src/index.js';

const backend = (process.argv[process.argv.indexOf('--backend') + 1] ?? 'auto') as 'kernel' | 'model' | 'auto';
using kvm = openKvm({ backend: process.argv.includes('--backend') ? backend : 'auto' });
using vm = kvm.createVm('KVM_X86_DEFAULT_VM');
using file = vm.createGuestMemfd({ size: 4096, flags: uapi.GUEST_MEMFD_FLAG_MMAP | uapi.GUEST_MEMFD_FLAG_INIT_SHARED });
using host = file.mmap();
const GPA = 1n << 32n; // 4 GiB, as the upstream selftest uses
// userspace_addr = the host mapping: upstream ignores it for this guest_memfd-only slot, and a
// host whose MMU goes through the host address (see the known divergences) needs it.
vm.setUserMemoryRegion2({ slot: 1, flags: uapi.KVM_MEM_GUEST_MEMFD, guestPhysAddr: GPA, memorySize: 4096, guestMemfd: file, userspaceAddr: host.address });

const message = new TextEncoder().encode('hello from the host');
host.write(0, message);

const seen = vm.guest.read(GPA, message.length);                    // the guest reads it ...
if (!seen.ok) throw new Error(`the guest could not read: ${seen.exit.reason}`);
const reply = new TextDecoder().decode(seen.value).replace('hello from the host', 'HELLO FROM THE GUEST');
const wrote = vm.guest.write(GPA, new TextEncoder().encode(reply));  // ... and changes it
if (!wrote.ok) throw new Error(`the guest could not write: ${wrote.exit.reason}`);

console.log(`${kvm.backend}: guest read "${new TextDecoder().decode(seen.value)}"; host now reads "${new TextDecoder().decode(host.read(0, reply.length))}"`);
