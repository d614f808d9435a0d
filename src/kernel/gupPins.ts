/**
 * Long-term pins on the kernel backend, through CONFIG_GUP_TEST's debugfs file (the way upstream's
 * elevated_refcount conversion selftest pins guest_memfd pages): map the range, have the kernel
 * pin it with PIN_LONGTERM_TEST_START (FOLL_LONGTERM pin_user_pages, read-only), and drop the
 * mapping again; the pages stay pinned until STOP or until that gup_test file is closed. Each pin
 * owns one gup_test file, since a file holds at most one pinned range.
 */
import { accessSync, constants } from 'node:fs';
import type { Pin } from '../api.js';
import { UnsupportedError } from '../errors.js';
import { MAP_SHARED, O_RDWR, PROT_READ } from '../uapi/flags.js';
import { GUP_TEST_IOCTLS, GUP_TEST_PATH, pin_longterm_test } from '../uapi/gupTest.js';
import { layoutSize } from '../uapi/structs.js';
import { encodeStruct } from './encode.js';
import type { NativeAddon } from './native.js';
import { check } from './sys.js';


/** Whether this kernel offers long-term pins from user space, decided once when /dev/kvm is opened. */
export class GupTestPins {
  /** Why pins cannot be taken here; undefined when they can. */
  readonly unavailable: string | undefined;

  constructor(
    private readonly native: NativeAddon,
    readonly path: string = GUP_TEST_PATH,
  ) {
    this.unavailable = whyUnusable(path);
  }

  /** Pin [offset, offset + length) of the guest_memfd `fd`; the kernel's errno when it refuses. */
  pin(fd: number, offset: bigint, length: bigint, onRelease: (pin: KernelPin) => void): KernelPin {
    if (this.unavailable) throw new UnsupportedError('kernel', 'pin', this.unavailable);
    const address = check<bigint>(this.native.mmap(length, PROT_READ, MAP_SHARED, fd, offset));
    let gup = -1;
    let failure: { error: unknown } | undefined;
    try {
      gup = check(this.native.open(this.path, O_RDWR));
      const args = encodeStruct(pin_longterm_test, layoutSize(pin_longterm_test), { addr: address, size: length, flags: 0 });
      check(this.native.ioctlBuffer(gup, GUP_TEST_IOCTLS.byName.PIN_LONGTERM_TEST_START, args));
    } catch (error) {
      failure = { error };
    }
    // The pin holds the pages, not the mapping: dropping it leaves nothing else behind. A failed
    // munmap is reported too (after the kernel's own refusal, which came first and is the answer).
    try {
      check(this.native.munmap(address, length));
    } catch (error) {
      failure ??= { error };
    }
    if (failure) {
      // Closing the gup_test file unpins whatever START pinned (its release method).
      if (gup >= 0) this.native.close(gup);
      throw failure.error;
    }
    return new KernelPin(this.native, gup, offset, length, onRelease);
  }
}

/**
 * Why the gup_test file cannot be used by this process, or undefined when it can: missing (no
 * CONFIG_GUP_TEST, or debugfs not mounted) is not the same as present but closed to us (debugfs
 * is root's: a user without the rights gets EACCES, for the file or on the way to it).
 */
function whyUnusable(path: string): string | undefined {
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `${path} does not exist: long-term pins from user space need a kernel built with CONFIG_GUP_TEST and debugfs mounted at /sys/kernel/debug`;
    if (code === 'EACCES' || code === 'EPERM') return `${path} cannot be opened for reading and writing (${code}): gup_test's debugfs file is root's, and this process lacks the rights`;
    return `${path} cannot be used (${code ?? String(err)})`;
  }
}

/** One pinned range: its gup_test file, unpinned and closed on release. */
export class KernelPin implements Pin {
  private fd: number;

  constructor(
    private readonly native: NativeAddon,
    fd: number,
    readonly offset: bigint,
    readonly length: bigint,
    private readonly onRelease: (pin: KernelPin) => void,
  ) {
    this.fd = fd;
  }

  get released(): boolean {
    return this.fd < 0;
  }

  release(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    // Closing alone unpins too (gup_test's release); STOP first says so explicitly.
    this.native.ioctlValue(fd, GUP_TEST_IOCTLS.byName.PIN_LONGTERM_TEST_STOP, 0);
    this.native.close(fd);
    this.onRelease(this);
  }

  [Symbol.dispose](): void {
    this.release();
  }
}
