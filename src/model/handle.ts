/** What every model descriptor shares: a number in the model process's table, freed on close. */
import type { FileBackend } from '../handles/backend.js';
import type { ModelProcess, OpenFile } from './process.js';

export abstract class ModelDescriptor implements FileBackend {
  readonly fd: number;

  protected constructor(protected readonly process: ModelProcess<unknown>, file: OpenFile) {
    this.fd = process.install(file);
  }

  /** Descriptor numbers mean something only within one model process. */
  get table(): object {
    return this.process;
  }

  /** Not a real descriptor: the model process gives it back when it is collected (process.ts). */
  get systemResource(): boolean {
    return false;
  }

  close(): void {
    this.process.close(this.fd);
  }
}
