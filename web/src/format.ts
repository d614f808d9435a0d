/** Numbers as people read them: sizes in binary units, offsets in hex. */
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

export function formatBytes(bytes: bigint | number | string): string {
  let n = BigInt(bytes);
  let unit = 0;
  while (unit < UNITS.length - 1 && n >= 1024n && n % 1024n === 0n) {
    n /= 1024n;
    unit++;
  }
  return `${n} ${UNITS[unit]}`;
}

export function hex(value: bigint | number | string): string {
  return `0x${BigInt(value).toString(16)}`;
}

/** A page range [start, end) of 4 KiB pages as file offsets. */
export function pageSpan(start: number, end: number): string {
  return `${hex(BigInt(start) * 4096n)}..${hex(BigInt(end) * 4096n)} (${end - start} page${end - start === 1 ? '' : 's'})`;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}
