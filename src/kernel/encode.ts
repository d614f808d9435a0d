/** Encoding uAPI structs into the bytes an ioctl takes, from the layouts in src/uapi/structs.ts. */
import type { StructLayout } from '../uapi/structs.js';

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
