/**
 * The memslot rule: KVM_SET_USER_MEMORY_REGION(2) with every check in the kernel's order
 * (the ioctl's flag check, the slot range, the flags, the general sanity checks, create /
 * modify / delete, overlap, the guest_memfd binding, and the arch's last check).
 */
import { KVM_MEM_GUEST_MEMFD, KVM_MEM_LOG_DIRTY_PAGES, KVM_MEM_READONLY, KVM_SET_USER_MEMORY_REGION_V1_FLAGS, MEMSLOT_FLAGS } from '../uapi/flags.js';
import { PAGE_SHIFT, PAGE_SHIFT_N, U64_MAX, asLoff, isPageAligned } from '../uapi/memory.js';
import { addressSpacesOf, capabilityAnswer } from './caps.js';
import { fail, hex } from './fail.js';
import type { OpenFile } from './process.js';
import type { MemoryRegionIoctl, MemoryRegionWords } from '../requests.js';
import type { GmemBinding, Memslot, VmState } from './vmState.js';
import { KVM_CAPS } from '../uapi/caps.js';


/** A guest_memfd descriptor as the binding sees it: the open file, if the number is open. */
export type FdLookup = (fd: number) => OpenFile | undefined;

/** How a check refuses a region (fail(), typed to the errnos these ioctls give). */
type Refuse = (code: 'EINVAL' | 'EEXIST' | 'EBADF', reason: string) => never;


export function setMemoryRegion(vm: VmState, ioctl: MemoryRegionIoctl, mem: MemoryRegionWords, lookupFd: FdLookup): void {
  const refuse: Refuse = fail;
  const profile = vm.profile;

  if (ioctl === 'KVM_SET_USER_MEMORY_REGION' && mem.flags & ~KVM_SET_USER_MEMORY_REGION_V1_FLAGS) {
    refuse('EINVAL', `flags ${MEMSLOT_FLAGS.format(mem.flags)} need KVM_SET_USER_MEMORY_REGION2`);
  }
  const id = mem.slot & 0xffff;
  const asId = mem.slot >>> 16;
  if (id >= profile.userMemSlots) refuse('EINVAL', `slot id ${id} is not below KVM_USER_MEM_SLOTS (${profile.userMemSlots})`);

  // check_memory_region_flags
  // A kernel built without guest_memfd (Debian's 6.12) does not know the flag at all.
  let valid = KVM_MEM_LOG_DIRTY_PAGES | (profile.release.guestMemfd ? KVM_MEM_GUEST_MEMFD : 0);
  if (mem.flags & KVM_MEM_GUEST_MEMFD) valid &= ~KVM_MEM_LOG_DIRTY_PAGES; // no dirty logging of guest_memfd
  const readonlyOk = capabilityAnswer(profile, KVM_CAPS.byName.KVM_CAP_READONLY_MEM, vm.type) === 1;
  if (readonlyOk && !(mem.flags & KVM_MEM_GUEST_MEMFD)) valid |= KVM_MEM_READONLY; // private memory cannot be read-only
  if (mem.flags & ~valid) refuse('EINVAL', `flags ${MEMSLOT_FLAGS.format(mem.flags)} are not a valid combination here`);

  // General sanity checks.
  if (!isPageAligned(mem.memorySize)) refuse('EINVAL', `memory_size ${hex(mem.memorySize)} is not page aligned`);
  if (!isPageAligned(mem.guestPhysAddr)) refuse('EINVAL', `guest_phys_addr ${hex(mem.guestPhysAddr)} is not page aligned`);
  if (!isPageAligned(mem.userspaceAddr)) refuse('EINVAL', `userspace_addr ${hex(mem.userspaceAddr)} is not page aligned`);
  // access_ok: the end of the range (one past its last byte) must itself be a valid user pointer.
  const userEnd = mem.userspaceAddr + mem.memorySize;
  if (userEnd > U64_MAX || userEnd > profile.userAddressMax) {
    refuse('EINVAL', `userspace_addr + memory_size (${hex(userEnd)}) is not a user address range`);
  }
  if (mem.flags & KVM_MEM_GUEST_MEMFD) {
    if (!isPageAligned(mem.guestMemfdOffset)) refuse('EINVAL', `guest_memfd_offset ${hex(mem.guestMemfdOffset)} is not page aligned`);
    if (mem.guestMemfdOffset + mem.memorySize > U64_MAX) refuse('EINVAL', 'guest_memfd_offset + memory_size wraps');
  }
  if (asId >= addressSpacesOf(profile, vm.type)) refuse('EINVAL', `address space ${asId} does not exist for this VM`);
  if (id >= profile.memSlotsNum) refuse('EINVAL', `slot id ${id} is out of range`);
  if (mem.guestPhysAddr + mem.memorySize > U64_MAX) refuse('EINVAL', 'guest_phys_addr + memory_size wraps');
  if (mem.memorySize >> PAGE_SHIFT_N > profile.maxPagesPerSlot) refuse('EINVAL', `memory_size ${hex(mem.memorySize)} has too many pages for one slot`);

  const key = mem.slot >>> 0;
  const old = vm.slots.get(key);
  if (mem.memorySize === 0n) {
    if (!old) refuse('EINVAL', `slot ${key} does not exist, so it cannot be deleted`);
    deleteSlot(vm, old!);
    return;
  }

  const baseGfn = Number(mem.guestPhysAddr >> PAGE_SHIFT_N);
  const npages = Number(mem.memorySize >> PAGE_SHIFT_N);
  let change: 'create' | 'move' | 'flags';
  if (!old) {
    change = 'create';
    if (vm.nrMemslotPages + BigInt(npages) > U64_MAX) refuse('EINVAL', 'the total number of memslot pages would overflow');
  } else {
    if (mem.flags & KVM_MEM_GUEST_MEMFD) refuse('EINVAL', 'guest_memfd slots are immutable: delete the slot and create it again');
    if (mem.userspaceAddr !== old.userspaceAddr) refuse('EINVAL', 'an existing slot cannot change its userspace_addr');
    if (npages !== old.npages) refuse('EINVAL', 'an existing slot cannot change its size');
    if ((mem.flags ^ old.flags) & (KVM_MEM_READONLY | KVM_MEM_GUEST_MEMFD)) {
      refuse('EINVAL', 'READONLY and GUEST_MEMFD cannot be toggled on an existing slot');
    }
    if (baseGfn !== old.baseGfn) change = 'move';
    else if (mem.flags !== old.flags) change = 'flags';
    else return; // Nothing to change.
  }

  if (change !== 'flags') {
    for (const other of vm.slots.values()) {
      if (other.asId !== asId || other.id === id) continue;
      if (baseGfn < other.baseGfn + other.npages && other.baseGfn < baseGfn + npages) {
        refuse('EEXIST', `guest physical range overlaps slot ${other.key}`);
      }
    }
  }

  if (change === 'flags') {
    old!.flags = mem.flags;
    return;
  }

  let binding: GmemBinding | null = null;
  if (mem.flags & KVM_MEM_GUEST_MEMFD) {
    binding = checkBinding(vm, mem, npages, lookupFd, refuse);
  }

  // The arch's last word: the range must lie below the highest guest frame the MMU can map.
  const maxGfn = 2 ** (profile.maxGpaBits - PAGE_SHIFT) - 1;
  if (baseGfn + npages - 1 > maxGfn) refuse('EINVAL', `the slot ends above the highest mappable guest frame (${hex(maxGfn)})`);
  // Where it is EEXIST, the file-range overlap is checked when the binding is committed, after the
  // arch's checks above (kvm_gmem_commit_memory_region in kvm_set_memslot); where it is EINVAL
  // (6.18) kvm_gmem_bind checked it with the file, before them (checkBinding).
  if (binding && profile.release.overlappingBindingErrno === 'EEXIST') refuseOverlappingBinding(vm, binding, npages, refuse);

  if (change === 'move') {
    old!.baseGfn = baseGfn;
    return;
  }
  const slot: Memslot = {
    key,
    asId,
    id,
    baseGfn,
    npages,
    flags: mem.flags,
    userspaceAddr: mem.userspaceAddr,
    gmem: binding,
  };
  vm.slots.set(key, slot);
  vm.nrMemslotPages += BigInt(npages);
  binding?.inode?.bind(slot, binding.pgoff);
}

/** kvm_gmem_bind: the descriptor must be an open guest_memfd of this VM, with room at the offset. */
function checkBinding(
  vm: VmState,
  mem: MemoryRegionWords,
  npages: number,
  lookupFd: FdLookup,
  refuse: Refuse,
): GmemBinding {
  const file = lookupFd(mem.guestMemfd);
  if (!file) return refuse('EBADF', `descriptor ${mem.guestMemfd} is not open`);
  if (file.kind !== 'guest_memfd' || !file.inode) return refuse('EINVAL', `descriptor ${mem.guestMemfd} is a ${file.kind}, not a guest_memfd`);
  const inode = file.inode;
  if (inode.vm !== vm) return refuse('EINVAL', 'the guest_memfd belongs to another VM');
  const offset = asLoff(mem.guestMemfdOffset);
  if (offset < 0n || !isPageAligned(offset) || offset + mem.memorySize > inode.size) {
    return refuse('EINVAL', `guest_memfd_offset ${hex(mem.guestMemfdOffset)} + memory_size ${hex(mem.memorySize)} does not fit in the file (${hex(inode.size)})`);
  }
  const binding = { inode, pgoff: Number(offset >> PAGE_SHIFT_N), gmemOnly: inode.supportsMmap };
  if (vm.profile.release.overlappingBindingErrno === 'EINVAL') refuseOverlappingBinding(vm, binding, npages, refuse);
  return binding;
}

/**
 * A file range already bound to another slot: EINVAL up to 6.18, EEXIST since the change the
 * release data names (releases.ts), which also moved the check from the bind to the commit.
 */
function refuseOverlappingBinding(vm: VmState, binding: GmemBinding, npages: number, refuse: Refuse): void {
  if (binding.inode!.isBound(binding.pgoff, binding.pgoff + npages)) refuse(vm.profile.release.overlappingBindingErrno, 'that range of the file is already bound to another slot');
}

function deleteSlot(vm: VmState, slot: Memslot): void {
  slot.gmem?.inode?.unbind(slot);
  vm.slots.delete(slot.key);
  vm.nrMemslotPages -= BigInt(slot.npages);
}
