/**
 * Huge page conversions on the model (profile hugetlb): in a 1 GiB file of one 1 GiB page, convert
 * a single 4 KiB page to shared (the huge page splits) and back to private (it merges), many
 * times; print the median time of each, the attribute map's size, and the guest's mapping level.
 * The point: one 4 KiB conversion inside a 1 GiB page must not touch 262,144 entries.
 */
import { modelInode } from '../src/model/inspect.js';
import { openModel } from '../src/open.js';
import { KVM_MEM_GUEST_MEMFD } from '../src/uapi/flags.js';
import { median } from './stats.js';

const GB1 = 1n << 30n;
const P = 4096n;
const ROUNDS = 2001;
const us = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1000;

const kvm = openModel('hugetlb');
const vm = kvm.createVm('KVM_X86_SW_PROTECTED_VM');
const file = vm.createGuestMemfd({ size: GB1, flags: 1n | 4n | (30n << 56n) });
vm.setUserMemoryRegion2({ slot: 1, flags: KVM_MEM_GUEST_MEMFD, guestPhysAddr: 1n << 32n, memorySize: GB1, guestMemfd: file });

const split: number[] = [];
const merge: number[] = [];
let fragmentsSplit = 0;
let levels = '';
for (let i = 0; i < ROUNDS; i++) {
  const page = BigInt((i * 7919) % 262_144) * P;
  let t0 = process.hrtime.bigint();
  file.conversion!.toShared(page, P);
  split.push(us(t0));
  fragmentsSplit = Math.max(fragmentsSplit, modelInode(file)!.attributes.fragmentCount);
  if (i === 0) levels += `split: guest maps ${vm.guest.mappingLevel((1n << 32n) + page)}; `;
  t0 = process.hrtime.bigint();
  file.conversion!.toPrivate(page, P);
  merge.push(us(t0));
  if (i === 0) levels += `merged: guest maps ${vm.guest.mappingLevel((1n << 32n) + page)}`;
}
console.log(`huge page conversions: a 1 GiB file of one 1 GiB page (262,144 base pages), node ${process.version}, ${ROUNDS} rounds`);
console.log(`convert one 4 KiB page to shared (split):  median ${median(split).toFixed(1)} us  (min ${Math.min(...split).toFixed(1)}, max ${Math.max(...split).toFixed(1)})`);
console.log(`convert it back to private (merge):        median ${median(merge).toFixed(1)} us  (min ${Math.min(...merge).toFixed(1)}, max ${Math.max(...merge).toFixed(1)})`);
console.log(`attribute ranges at most ${fragmentsSplit} while split, ${modelInode(file)!.attributes.fragmentCount} after the merge; ${levels}`);
file.close();
vm.close();
kvm.close();
