/**
 * Which backend object stands behind a public handle. The handles keep their backend in a
 * private field; this table is the one way back, for the layer's own checks (is this value one of
 * our handles, in which descriptor table?) and for the model's inspector (src/model/inspect.ts),
 * which draws the model's state behind a scenario's handles. It is not exported from the package.
 */
const backends = new WeakMap<object, object>();

export function register<H extends object>(handle: H, backend: object): H {
  backends.set(handle, backend);
  return handle;
}

/** The backend behind a handle of this layer, or undefined for anything else. */
export function backendOf(value: unknown): object | undefined {
  return typeof value === 'object' && value !== null ? backends.get(value) : undefined;
}
