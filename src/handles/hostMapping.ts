/**
 * The public host-mapping handle. Its address, length and state are private fields: no
 * JavaScript assignment can move a copy outside the live mapping or reach it after unmap().
 * While a memslot covers the mapping, unmap() leaves it reserved and inaccessible (see
 * mappings.ts); the munmap happens when the last such slot is deleted.
 */
import type { BytesInput, HostMapping, MbindArgs, MemPolicy, U64Input } from '../api.js';
import { mbindWords, memPolicy, mempolicyOffset } from '../mempolicyRequest.js';
import { bytes, byteValue, invalidArgType } from '../args.js';
import { KvmError } from '../errors.js';
import { adviceWord, mappingBufferSpan, mappingFillSpan, mappingReadSpan, protAllows, protWord, protectionFault } from '../requests.js';
import { PROT_NONE } from '../uapi/flags.js';
import type { MappingBackend } from './backend.js';
import { whenCollected, type Release } from './finalizer.js';
import { MappingRecord } from './mappings.js';
import { callNamed, named } from './named.js';

type Access = 'read' | 'write' | 'fill';


export class HostMappingHandle implements HostMapping {
  readonly #backend: MappingBackend;
  readonly #record: MappingRecord;
  readonly #address: bigint;
  readonly #length: bigint;
  readonly #offset: bigint;
  /** Shared with the safety net (finalizer.ts), which unmaps a mapping dropped while mapped. */
  readonly #state: Release;
  #prot: number;

  /** `table`: the descriptor table (process) whose address space holds the mapping. */
  constructor(backend: MappingBackend, offset: bigint, prot: number, table: object) {
    this.#backend = backend;
    const record = new MappingRecord(table, backend.address, backend.length);
    this.#record = record;
    this.#state = { release: () => unmapMapping(backend, record) };
    if (backend.systemResource) whenCollected(this, this.#state);
    this.#address = backend.address;
    this.#length = backend.length;
    this.#offset = offset;
    this.#prot = prot;
  }

  /** The backend behind a mapping handle of this layer, or undefined for anything else. */
  static backendOf(value: unknown): MappingBackend | undefined {
    return typeof value === 'object' && value !== null && #backend in value ? (value as HostMappingHandle).#backend : undefined;
  }

  /** The record of a mapping handle of this layer (for a memslot given the handle itself). */
  static recordOf(value: unknown): MappingRecord | undefined {
    return typeof value === 'object' && value !== null && #record in value ? (value as HostMappingHandle).#record : undefined;
  }

  get address(): bigint {
    return this.#address;
  }

  get length(): bigint {
    return this.#length;
  }

  get offset(): bigint {
    return this.#offset;
  }

  get prot(): number {
    return this.#prot;
  }

  get mapped(): boolean {
    return this.#state.release !== undefined;
  }

  read(offset: U64Input, length: number): Uint8Array {
    const { start, length: len } = mappingReadSpan(offset, length, this.#length);
    const out = new Uint8Array(Number(len));
    this.access('read', start, len, (b) => b.read(start, out));
    return out;
  }

  readInto(offset: U64Input, dest: Uint8Array): void {
    if (!(dest instanceof Uint8Array)) throw invalidArgType('dest must be a Uint8Array');
    const { start } = mappingBufferSpan('read', offset, dest, this.#length);
    this.access('read', start, dest.length, (b) => b.read(start, dest));
  }

  write(offset: U64Input, data: BytesInput): void {
    const src = bytes(data, 'data');
    const { start } = mappingBufferSpan('write', offset, src, this.#length);
    this.access('write', start, src.byteLength, (b) => b.write(start, src));
  }

  fill(offset: U64Input, length: U64Input, byte: number): void {
    const { start, length: len } = mappingFillSpan(offset, length, this.#length);
    const value = byteValue(byte, 'byte');
    this.access('fill', start, len, (b) => b.fill(start, len, value));
  }

  mprotect(prot: number): void {
    const p = protWord(prot);
    this.sys('mprotect', 'mprotect', (b) => b.mprotect(p));
    this.#prot = p;
  }

  madvise(advice: number | string): void {
    const a = adviceWord(advice);
    this.sys('madvise', 'madvise', (b) => b.madvise(a));
  }

  mbind(args: MbindArgs): void {
    const w = mbindWords(args, this.#length);
    this.sys('mbind', 'mbind', (b) => b.mbind(w.start, w.length, w.mode, w.mask, w.maxnode, w.flags));
  }

  getMempolicy(offset: U64Input): MemPolicy {
    const start = mempolicyOffset(offset, this.#length);
    const got = this.sys('get_mempolicy', 'get_mempolicy', (b) => b.getMempolicy(start));
    return memPolicy(got.mode, got.mask);
  }

  pageNode(offset: U64Input): number {
    const start = mempolicyOffset(offset, this.#length);
    return this.sys('get_mempolicy', 'get_mempolicy(MPOL_F_NODE)', (b) => b.pageNode(start));
  }

  unmap(): void {
    const release = this.#state.release;
    if (release === undefined) return;
    try {
      release();
    } catch (err) {
      throw named(err, 'munmap', 'munmap');
    }
    this.#state.release = undefined;
  }

  [Symbol.dispose](): void {
    this.unmap();
  }

  /** One system call on the mapping: EBADF once unmapped, and a failure named after the call. */
  private sys<T>(syscall: string, operation: string, call: (backend: MappingBackend) => T): T {
    return callNamed(this.mappedBackend(syscall), syscall, operation, call);
  }

  private mappedBackend(operation: string): MappingBackend {
    if (this.#state.release === undefined) throw new KvmError('EBADF', { syscall: 'access', operation, reason: 'the mapping was unmapped' });
    return this.#backend;
  }

  /**
   * A touch the protection forbids would be a SIGSEGV, which no guard catches (the process
   * would die): it is refused before any byte is touched.
   */
  private access(operation: Access, start: bigint, length: number | bigint, copy: (backend: MappingBackend) => void): void {
    const mapping = this.mappedBackend(operation);
    if (!protAllows(this.#prot, operation === 'read' ? 'read' : 'write', length)) throw protectionFault(operation, this.#prot, start);
    try {
      copy(mapping);
    } catch (err) {
      throw named(err, 'access', `host ${operation}`);
    }
  }
}

/**
 * munmap, unless a memslot still points at the mapping: then it becomes inaccessible and stays
 * reserved until the last slot over it is deleted (mappings.ts).
 */
function unmapMapping(backend: MappingBackend, record: MappingRecord): void {
  if (record.pinned) {
    backend.mprotect(PROT_NONE);
    record.deferUntilUnpinned(() => backend.munmap());
  } else {
    record.release();
    backend.munmap();
  }
}
