// The README's conversion example, kept runnable: test/readme.test.ts checks the two stay the same.
import { openKvm, KvmError, uapi } from '../src/index.js';

using kvm = openKvm({ backend: 'model', profile: 'inplace' });
using vm = kvm.createVm('KVM_X86_SW_PROTECTED_VM');
using file = vm.createGuestMemfd({ size: 2 * 4096, flags: uapi.GUEST_MEMFD_FLAG_MMAP | uapi.GUEST_MEMFD_FLAG_INIT_SHARED });
using map = file.mmap();
map.fill(0, 8192, 0xaa);                      // shared: the host writes

file.conversion!.toPrivate(0, 4096);          // KVM_SET_MEMORY_ATTRIBUTES2, attributes PRIVATE
try { map.read(0, 1); } catch (err) { console.log((err as KvmError).code); }   // SIGBUS: private now
file.conversion!.toShared(0, 4096);
console.log(map.read(0, 1));                  // Uint8Array [170]: SW_PROTECTED keeps contents

const pin = file.pins!.pin(4096, 4096);       // a long-term pin (DMA) of page 1
try {
  file.conversion!.toPrivate(0, 8192);        // all or nothing: page 1 is busy
} catch (err) {
  if (err instanceof KvmError) console.log(err.code, err.errorOffset);   // EAGAIN 4096n
}
pin.release();                                // drop the pin and retry
file.conversion!.toPrivate(0, 8192);
console.log('converted');
