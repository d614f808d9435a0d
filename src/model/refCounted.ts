/**
 * A kernel-style reference count: the object lives while anything holds it (a descriptor, a
 * mapping, a file that pins its VM) and is torn down exactly once, when the last holder lets go.
 */
export abstract class RefCounted {
  private refs: number;
  private alive = true;

  protected constructor(initialRefs: number) {
    this.refs = initialRefs;
  }

  /** True once the last reference was dropped. */
  get released(): boolean {
    return !this.alive;
  }

  get(): void {
    this.refs++;
  }

  put(): void {
    if (--this.refs > 0 || !this.alive) return;
    this.alive = false;
    this.release();
  }

  /** Free everything; runs once. */
  protected abstract release(): void;
}
