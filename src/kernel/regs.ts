/** Encoding and decoding kvm_regs and kvm_sregs (x86) between bytes and objects. */
import type { DescriptorTable, Regs, Segment, Sregs } from '../api.js';
import {
  KVM_REGS_ORDER,
  KVM_SREGS_CONTROL,
  KVM_SREGS_DTABLES,
  KVM_SREGS_INTERRUPT_BITMAP,
  KVM_SREGS_SEGMENTS,
  VCPU_STRUCT_SIZES,
  kvm_segment,
} from '../uapi/vcpu.js';

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export function decodeRegs(bytes: Uint8Array): Regs {
  const v = view(bytes);
  return Object.fromEntries(KVM_REGS_ORDER.map((name, i) => [name, v.getBigUint64(i * 8, true)])) as unknown as Regs;
}

export function encodeRegs(regs: Regs): Uint8Array {
  const bytes = new Uint8Array(VCPU_STRUCT_SIZES.kvm_regs);
  const v = view(bytes);
  KVM_REGS_ORDER.forEach((name, i) => v.setBigUint64(i * 8, BigInt.asUintN(64, regs[name]), true));
  return bytes;
}

function decodeSegment(v: DataView, at: number): Segment {
  const u8 = (f: keyof typeof kvm_segment) => v.getUint8(at + kvm_segment[f].offset);
  return {
    base: v.getBigUint64(at + kvm_segment.base.offset, true),
    limit: v.getUint32(at + kvm_segment.limit.offset, true),
    selector: v.getUint16(at + kvm_segment.selector.offset, true),
    type: u8('type'),
    present: u8('present') !== 0,
    dpl: u8('dpl'),
    db: u8('db') !== 0,
    s: u8('s') !== 0,
    l: u8('l') !== 0,
    g: u8('g') !== 0,
    avl: u8('avl') !== 0,
    unusable: u8('unusable') !== 0,
  };
}

function encodeSegment(v: DataView, at: number, s: Segment): void {
  const u8 = (f: keyof typeof kvm_segment, value: number | boolean) => v.setUint8(at + kvm_segment[f].offset, Number(value) & 0xff);
  v.setBigUint64(at + kvm_segment.base.offset, BigInt.asUintN(64, s.base), true);
  v.setUint32(at + kvm_segment.limit.offset, s.limit >>> 0, true);
  v.setUint16(at + kvm_segment.selector.offset, s.selector & 0xffff, true);
  u8('type', s.type);
  u8('present', s.present);
  u8('dpl', s.dpl);
  u8('db', s.db);
  u8('s', s.s);
  u8('l', s.l);
  u8('g', s.g);
  u8('avl', s.avl);
  u8('unusable', s.unusable);
}

export function decodeSregs(bytes: Uint8Array): Sregs {
  const v = view(bytes);
  const segments = Object.fromEntries(Object.entries(KVM_SREGS_SEGMENTS).map(([name, at]) => [name, decodeSegment(v, at)]));
  const dtables = Object.fromEntries(
    Object.entries(KVM_SREGS_DTABLES).map(([name, at]): [string, DescriptorTable] => [name, { base: v.getBigUint64(at, true), limit: v.getUint16(at + 8, true) }]),
  );
  const control = Object.fromEntries(Object.entries(KVM_SREGS_CONTROL).map(([name, at]) => [name, v.getBigUint64(at, true)]));
  const interruptBitmap = [0, 1, 2, 3].map((i) => v.getBigUint64(KVM_SREGS_INTERRUPT_BITMAP + i * 8, true));
  return { ...segments, ...dtables, ...control, interruptBitmap } as unknown as Sregs;
}

export function encodeSregs(s: Sregs): Uint8Array {
  const bytes = new Uint8Array(VCPU_STRUCT_SIZES.kvm_sregs);
  const v = view(bytes);
  for (const [name, at] of Object.entries(KVM_SREGS_SEGMENTS)) encodeSegment(v, at, s[name as keyof typeof KVM_SREGS_SEGMENTS]);
  for (const [name, at] of Object.entries(KVM_SREGS_DTABLES)) {
    const t = s[name as keyof typeof KVM_SREGS_DTABLES];
    v.setBigUint64(at, BigInt.asUintN(64, t.base), true);
    v.setUint16(at + 8, t.limit & 0xffff, true);
  }
  for (const [name, at] of Object.entries(KVM_SREGS_CONTROL)) v.setBigUint64(at, BigInt.asUintN(64, s[name as keyof typeof KVM_SREGS_CONTROL]), true);
  s.interruptBitmap.slice(0, 4).forEach((w, i) => v.setBigUint64(KVM_SREGS_INTERRUPT_BITMAP + i * 8, BigInt.asUintN(64, w), true));
  return bytes;
}
