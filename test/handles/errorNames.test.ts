/**
 * A failure names the call the same way on both backends: the handle layer builds every
 * KvmError from the backend's errno, with the syscall and operation of the call it made.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GuestMemfd, Kvm, Vm } from '../../src/api.js';
import { KvmError } from '../../src/errors.js';
import { GUEST_MEMFD_FLAG_MMAP, PROT_EXEC, PROT_READ } from '../../src/uapi/flags.js';
import { kernelCase, modelCase } from '../backends.js';

const P = 4096;

interface World {
  kvm: Kvm;
  vm: Vm;
  file: GuestMemfd;
}

const CALLS: [string, (w: World) => unknown][] = [
  ['createVm(bad type)', (w) => w.kvm.createVm(31)],
  ['createGuestMemfd(bad flags)', (w) => w.vm.createGuestMemfd({ size: P, flags: 1n << 40n })],
  ['setUserMemoryRegion2(bad slot)', (w) => w.vm.setUserMemoryRegion2({ slot: 32764, guestPhysAddr: 0, memorySize: P })],
  ['fallocate(bad mode)', (w) => w.file.fallocate(0x40, 0, P)],
  ['allocate past the end', (w) => w.file.allocate(0, 2 * P)],
  ['read', (w) => w.file.read(1)],
  ['pread', (w) => w.file.pread(1, 0)],
  ['write', (w) => w.file.write(new Uint8Array(1))],
  ['lseek', (w) => w.file.lseek(0, 0)],
  ['ftruncate', (w) => w.file.ftruncate(0)],
  ['fsync', (w) => w.file.fsync()],
  ['fchmod', (w) => w.file.fchmod(0o600)],
  ['mprotect(PROT_EXEC)', (w) => w.file.mmap().mprotect(PROT_READ | PROT_EXEC)],
  ['host read past the end', (w) => w.file.mmap({ length: 2 * P }).read(P, 1)],
  ['closed file', (w) => (w.file.close(), w.file.stat())],
];

function failures(open: () => Kvm): Record<string, { code: string; syscall: string; operation: string } | string> {
  const out: Record<string, { code: string; syscall: string; operation: string } | string> = {};
  for (const [name, call] of CALLS) {
    using kvm = open();
    using vm = kvm.createVm();
    using file = vm.createGuestMemfd({ size: P, flags: GUEST_MEMFD_FLAG_MMAP });
    try {
      call({ kvm, vm, file });
      out[name] = 'ok';
    } catch (err) {
      out[name] = err instanceof KvmError ? { code: err.code, syscall: err.syscall, operation: err.operation } : String(err);
    }
  }
  return out;
}

const kernel = kernelCase();

describe('errors name the call alike on both backends', { skip: kernel.skip }, () => {
  it('same code, syscall and operation for each failing call', () => {
    const model = failures(modelCase().open);
    const real = failures(kernel.open);
    for (const [name] of CALLS) assert.equal(typeof model[name], 'object', `${name} fails on the model`);
    assert.deepEqual(model, real);
  });
});
