/**
 * In-place conversion on the model (profile `inplace`), a 1 GiB file of 262,144 pages:
 *   1. convert every other page to private, one KVM_SET_MEMORY_ATTRIBUTES2 call per page;
 *   2. convert the whole file back to shared in one call;
 *   3. look up the attribute of every page.
 * Prints each phase's time (median of 5 runs, with min and max) and the attribute map's fragment
 * count after each phase. Target: all three phases under 1 s together, one fragment at the end.
 */
import { modelInode } from '../src/model/inspect.js';
import { openModel } from '../src/open.js';
import { KVM_MEMORY_ATTRIBUTE_PRIVATE } from '../src/uapi/flags.js';
import { median } from './stats.js';

const PAGE = 4096;
const PAGES = 262_144;
const RUNS = 5;
const ms = (ns: bigint) => Number(ns) / 1e6;

interface Run {
  convert: number;
  back: number;
  lookup: number;
  fragmentsAfterConvert: number;
  fragmentsAtEnd: number;
}

function once(): Run {
  using kvm = openModel('inplace');
  using vm = kvm.createVm('KVM_X86_SW_PROTECTED_VM');
  using file = vm.createGuestMemfd({ size: PAGES * PAGE, flags: 3n });
  const attrs = modelInode(file)!.attributes;
  let t0 = process.hrtime.bigint();
  for (let page = 0; page < PAGES; page += 2) {
    file.conversion!.setMemoryAttributes2({ offset: page * PAGE, size: PAGE, attributes: KVM_MEMORY_ATTRIBUTE_PRIVATE });
  }
  const convert = ms(process.hrtime.bigint() - t0);
  const fragmentsAfterConvert = attrs.fragmentCount;
  t0 = process.hrtime.bigint();
  file.conversion!.setMemoryAttributes2({ offset: 0, size: PAGES * PAGE, attributes: 0 });
  const back = ms(process.hrtime.bigint() - t0);
  t0 = process.hrtime.bigint();
  let privatePages = 0;
  for (let page = 0; page < PAGES; page++) if (attrs.get(page) !== 0) privatePages++;
  const lookup = ms(process.hrtime.bigint() - t0);
  if (privatePages !== 0) throw new Error(`${privatePages} pages still private`);
  return { convert, back, lookup, fragmentsAfterConvert, fragmentsAtEnd: attrs.fragmentCount };
}

once(); // Warm up the JIT.
const runs = Array.from({ length: RUNS }, once);
const line = (label: string, pick: (r: Run) => number) => {
  const xs = runs.map(pick);
  console.log(`${label.padEnd(52)} median ${median(xs).toFixed(1)} ms  (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`);
};
console.log(`in-place conversion on a 1 GiB file (${PAGES} pages), node ${process.version}, ${RUNS} runs`);
line(`1. every other page to private (${PAGES / 2} calls)`, (r) => r.convert);
console.log(`   fragments after phase 1: ${runs[0]!.fragmentsAfterConvert}`);
line('2. whole file back to shared (1 call)', (r) => r.back);
line(`3. attribute lookup of every page (${PAGES})`, (r) => r.lookup);
const total = median(runs.map((r) => r.convert + r.back + r.lookup));
const end = runs[0]!.fragmentsAtEnd;
console.log(`   fragments at the end: ${end}`);
console.log(`SUMMARY: ${total < 1000 && end === 1 ? 'PASS' : 'FAIL'} — all three phases ${total.toFixed(1)} ms (target < 1000 ms), final fragments ${end} (target 1)`);
