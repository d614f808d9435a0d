/**
 * Which backend object stands behind a public handle. The handles keep their backend in a
 * private field; this is the one way back, for the model's inspector (src/model/inspect.ts),
 * which draws the model's state behind a scenario's handles. It is not exported from the
 * package. (A brand check on the private field, not a table: nothing to keep per handle.)
 */
import { FdHandleBase } from './fdHandle.js';
import { HostMappingHandle } from './hostMapping.js';

/** The backend behind a handle of this layer, or undefined for anything else. */
export function backendOf(value: unknown): object | undefined {
  return FdHandleBase.backendOf(value) ?? HostMappingHandle.backendOf(value);
}
