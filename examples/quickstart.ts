// The README's example, kept runnable: test/readme.test.ts checks the two stay the same.
import { openKvm, KvmError, uapi } from '../src/index.js';

using kvm = openKvm({ backend: 'model', profile: 'linux-6.18' });
using vm = kvm.createVm('KVM_X86_DEFAULT_VM');
const { GUEST_MEMFD_FLAG_MMAP: MMAP, GUEST_MEMFD_FLAG_INIT_SHARED: INIT_SHARED } = uapi;

using file = vm.createGuestMemfd({ size: 4 * 4096, flags: MMAP | INIT_SHARED });
using map = file.mmap();                       // shared mapping of the whole file
map.write(0, new TextEncoder().encode('hello guest'));
file.punchHole(0, 4096);                       // fallocate(KEEP_SIZE | PUNCH_HOLE)
console.log(map.read(0, 5));                   // Uint8Array [0, 0, 0, 0, 0]: a fresh page

using privateFile = vm.createGuestMemfd({ size: 4096, flags: MMAP });  // no INIT_SHARED
using privateMap = privateFile.mmap();         // mapping works ...
try {
  privateMap.read(0, 1);                       // ... but touching it is a SIGBUS in 6.18
} catch (err) {
  if (err instanceof KvmError) console.log(err.code, err.message);  // 'SIGBUS' ...private page
}
