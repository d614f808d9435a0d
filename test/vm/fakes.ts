/** Small stand-ins for kernel artefacts: a file with an x86 boot header, a modules tree of fake .ko files. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Bytes that pass the bzImage header check: "HdrS" at 0x202 and a version string. Not bootable. */
export function fakeBzImage(path: string, release: string): void {
  const buf = Buffer.alloc(0x1000);
  buf.write('HdrS', 0x202, 'latin1');
  buf.writeUInt16LE(0x400 - 0x200, 0x20e);
  buf.write(`${release} (fake@test) #1 SMP`, 0x400, 'latin1');
  writeFileSync(path, buf);
}

/** A module file whose .modinfo-like strings name its dependencies, as the real ones do. */
export function fakeModule(path: string, name: string, depends: string[]): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, Buffer.from(`\x7fELF\0name=${name}\0depends=${depends.join(',')}\0vermagic=x\0`, 'latin1'));
}
