/** Encoding uAPI structs into the bytes an ioctl takes, from the layouts in src/uapi/structs.ts. */
import type { MemoryRegionIoctl, MemoryRegionWords } from '../requests.js';
import { STRUCT_SIZES, kvm_userspace_memory_region, kvm_userspace_memory_region2, type StructLayout } from '../uapi/structs.js';

export type StructValues = Record<string, bigint | number | readonly (bigint | number)[]>;

export function encodeStruct(layout: StructLayout, size: number, values: StructValues): Uint8Array {
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  for (const [name, value] of Object.entries(values)) {
    const field = layout[name];
    if (!field) throw new Error(`struct has no field ${name}`);
    const items = Array.isArray(value) ? value : [value];
    items.forEach((item, i) => {
      const at = field.offset + i * field.size;
      if (field.size === 8) view.setBigUint64(at, BigInt(item), true);
      else if (field.size === 4) view.setUint32(at, Number(item), true);
      else throw new Error(`field ${name}: width ${field.size} is not encoded here`);
    });
  }
  return bytes;
}

/** struct kvm_userspace_memory_region (the first five fields) or ..._region2 (with the guest_memfd ones). */
export function encodeMemoryRegion(ioctl: MemoryRegionIoctl, w: Omit<MemoryRegionWords, 'guestMemfdOffset' | 'guestMemfd'> & Partial<MemoryRegionWords>): Uint8Array {
  const common = { slot: w.slot, flags: w.flags, guest_phys_addr: w.guestPhysAddr, memory_size: w.memorySize, userspace_addr: w.userspaceAddr };
  if (ioctl === 'KVM_SET_USER_MEMORY_REGION') return encodeStruct(kvm_userspace_memory_region, STRUCT_SIZES.kvm_userspace_memory_region, common);
  return encodeStruct(kvm_userspace_memory_region2, STRUCT_SIZES.kvm_userspace_memory_region2, {
    ...common,
    guest_memfd_offset: w.guestMemfdOffset ?? 0n,
    guest_memfd: w.guestMemfd ?? 0,
  });
}
