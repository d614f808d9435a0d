/**
 * The explorer's data: a scenario run as a list of states, one after each step. Shared by the
 * server (which builds it from the model) and the page (which draws it), so it imports nothing
 * and holds only plain data, two constants and one comparison.
 * Page numbers are 4 KiB pages and fit a double (a 1 TiB file is 2^28 pages); guest-physical
 * addresses and file sizes can pass 2^53, so they travel as decimal strings.
 */

/** Allocation state of a run of file pages. */
export type PageStateName = 'hole' | 'allocated' | 'uptodate';

/** A run of pages [start, end) whose every property is the same. */
export interface FileSegment {
  start: number;
  end: number;
  state: PageStateName;
  private: boolean;
  /** The memslot (its `slot` value: as_id << 16 | id) binding these pages, or null. */
  slot: number | null;
  /** How many live host mappings cover these pages. */
  mapped: number;
  /** How many long-term pins hold these pages. */
  pins: number;
}

/** Do two runs of pages look the same (everything but where they are)? */
export function sameSegmentProps(a: FileSegment, b: FileSegment): boolean {
  return a.state === b.state && a.private === b.private && a.slot === b.slot && a.mapped === b.mapped && a.pins === b.pins;
}

export interface FileView {
  /** The scenario's name for the file. */
  handle: string;
  /** Names of host mappings of this file still mapped. */
  mappings: string[];
  size: string;
  flags: string;
  /** Bytes per page of the file (4096, or a huge page's size). */
  pageBytes: number;
  pageCount: number;
  /** The descriptor was closed (mappings may still keep the file). */
  fdClosed: boolean;
  /** The last reference went away: the file is gone. */
  released: boolean;
  segments: FileSegment[];
  /** Segments were cut at this many to keep the page responsive. */
  truncated: boolean;
}

/** A run of guest frames inside one memslot with the same VM-wide attributes. */
export interface GpaSegment {
  startGfn: string;
  endGfn: string;
  /** VM-wide KVM_MEMORY_ATTRIBUTE_PRIVATE (KVM_SET_MEMORY_ATTRIBUTES on the VM). */
  private: boolean;
}

export interface SlotView {
  slot: number;
  gpa: string;
  size: string;
  flags: number;
  userspaceAddr: string;
  /** The bound guest_memfd, by the scenario's name (null once the file is gone), and the offset. */
  gmem: { file: string | null; offset: string; gmemOnly: boolean } | null;
  attributes: GpaSegment[];
}

export interface VmView {
  handle: string;
  type: number;
  closed: boolean;
  slots: SlotView[];
}

export interface Snapshot {
  files: FileView[];
  vms: VmView[];
}

export interface TraceStep {
  index: number;
  do: string;
  note?: string;
  /** The step as written in the scenario. */
  step: Record<string, unknown>;
  expected: string;
  /** The outcome in words: "ok", "ok: 1", "EINVAL", "exit MMIO ...". */
  outcome: string;
  ok: boolean;
  failure?: string;
  detail?: string;
  /** The same step on a second backend, when one was asked for. */
  other?: { backend: string; outcome: string; agrees: boolean };
  /** The state after the step. */
  after: Snapshot;
}

export interface Trace {
  id: string;
  description: string;
  origin: string;
  backend: string;
  other?: string;
  status: 'pass' | 'fail' | 'skip';
  reason?: string;
  steps: TraceStep[];
}

/** Beyond this many segments in a file, elements cost more than they show: the page paints the strip instead. */
export const ELEMENT_LIMIT = 150;
