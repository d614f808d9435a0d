/**
 * A writer of the "newc" cpio format, the one the kernel unpacks as an initramfs: per entry a
 * 110-byte ASCII header (magic 070701, then 13 eight-digit hex fields), the name, padding to 4
 * bytes, the data, padding to 4 bytes; a "TRAILER!!!" entry ends the archive. Written here
 * rather than calling cpio(1) so that building the image needs no extra host tool.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

export class CpioWriter {
  private fd: number;
  private offset = 0;
  private ino = 1;
  private dirs = new Set<string>();

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  private write(buf: Buffer): void {
    let done = 0;
    while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done);
    this.offset += buf.length;
  }

  private pad(): void {
    const n = (4 - (this.offset % 4)) % 4;
    if (n) this.write(Buffer.alloc(n));
  }

  private entry(name: string, mode: number, data: Buffer, rdev: [number, number] = [0, 0]): void {
    const fields = [this.ino++, mode, 0, 0, 1, 0, data.length, 0, 0, rdev[0], rdev[1], name.length + 1, 0];
    const header = '070701' + fields.map((f) => f.toString(16).padStart(8, '0')).join('');
    this.write(Buffer.from(header + name + '\0', 'latin1'));
    this.pad();
    if (data.length) this.write(data);
    this.pad();
  }

  /** A directory and its parents (each once). `path` has no leading slash. */
  dir(path: string): void {
    const parts = path.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const p = parts.slice(0, i).join('/');
      if (this.dirs.has(p)) continue;
      this.dirs.add(p);
      this.entry(p, S_IFDIR | 0o755, Buffer.alloc(0));
    }
  }

  file(path: string, data: Buffer, mode = 0o644): void {
    const parent = path.split('/').slice(0, -1).join('/');
    if (parent) this.dir(parent);
    this.entry(path, S_IFREG | mode, data);
  }

  symlink(path: string, target: string): void {
    const parent = path.split('/').slice(0, -1).join('/');
    if (parent) this.dir(parent);
    this.entry(path, S_IFLNK | 0o777, Buffer.from(target, 'latin1'));
  }

  /** A character device node, e.g. dev/console (5, 1), which the kernel opens before /init runs. */
  charDevice(path: string, major: number, minor: number): void {
    const parent = path.split('/').slice(0, -1).join('/');
    if (parent) this.dir(parent);
    this.entry(path, S_IFCHR | 0o600, Buffer.alloc(0), [major, minor]);
  }

  /** Writes the trailer and closes the file. */
  close(): void {
    this.entry('TRAILER!!!', 0, Buffer.alloc(0));
    closeSync(this.fd);
  }
}
