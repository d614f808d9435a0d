/** This machine's NUMA nodes as the kernel lists them: what a memory policy may name. */
import { readFileSync } from 'node:fs';

/** A kernel node list ("0-2,5") as numbers; [] for text that is not one. */
export function parseNodeList(text: string): number[] {
  const nodes: number[] = [];
  for (const part of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return [];
    for (let n = Number(m[1]); n <= Number(m[2] ?? m[1]); n++) nodes.push(n);
  }
  return nodes;
}

/**
 * The nodes with memory this process may allocate from: /sys's has_memory within the cpuset's
 * Mems_allowed_list (what mpol_set_nodemask limits a policy to); undefined where unreadable.
 */
export function memoryNodes(read: (path: string) => string = (p) => readFileSync(p, 'utf8')): number[] | undefined {
  try {
    const withMemory = parseNodeList(read('/sys/devices/system/node/has_memory'));
    const allowedText = /^Mems_allowed_list:\s*(\S+)$/m.exec(read('/proc/self/status'))?.[1];
    const allowed = allowedText === undefined ? withMemory : parseNodeList(allowedText);
    const nodes = withMemory.filter((n) => allowed.includes(n));
    return nodes.length ? nodes : undefined;
  } catch {
    return undefined;
  }
}
