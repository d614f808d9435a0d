/**
 * NUMA memory policy on a guest_memfd mapping: mbind(2) and get_mempolicy(2) in the model, with
 * the kernel's checks in its order (mm/mempolicy.c: sanitize_mpol_flags, get_nodes, do_mbind,
 * mpol_new, mpol_set_nodemask) and where the policy lives:
 * - every release keeps a policy on the VMA, per page range of the mapping; mbind leaves a VMA
 *   piece whose policy already equals the new one alone (mbind_range's mpol_equal test);
 * - from 7.x (release rule `mempolicy`, guest_memfd's set_policy/get_policy vm_ops) a changed
 *   piece also sets the file's shared policy for its file pages, and get_mempolicy reads the
 *   file's policy, so every mapping of the file sees it; 6.18 has no such ops: it reads the VMA's.
 * Machine configuration (which nodes have memory, MAX_NUMNODES) comes from the profile.
 */
import { UnsupportedError } from '../errors.js';
import {
  MPOL_F_NUMA_BALANCING,
  MPOL_F_RELATIVE_NODES,
  MPOL_F_STATIC_NODES,
  MPOL_MAX,
  MPOL_MF_STRICT,
  MPOL_MF_VALID,
  MPOL_MODES,
  MPOL_MODE_FLAGS,
  NODEMASK_MAX_BITS,
  decodeNodemask,
  GET_MEMPOLICY_MASK_BYTES,
  encodeNodemask,
} from '../uapi/mempolicy.js';
import { PAGE_SIZE_N, isPageAligned } from '../uapi/memory.js';
import { fail, hex } from './fail.js';
import { SparseRanges } from './sparseRanges.js';

const M = MPOL_MODES.byName;

/** A policy as the kernel keeps it (struct mempolicy, the fields a user can see or compare). */
export interface Policy {
  readonly mode: number;
  /** Mode flags as given (MPOL_F_STATIC_NODES, _RELATIVE_NODES, _NUMA_BALANCING). */
  readonly flags: number;
  /** The nodes in effect (pol->nodes): the user's mask limited to, or folded onto, the memory nodes. */
  readonly nodes: readonly number[];
  /** The user's mask as given, kept with STATIC/RELATIVE (pol->w.user_nodemask); else null. */
  readonly userNodes: readonly number[] | null;
}

/** What the model needs of the machine (profile data). */
export interface NumaHost {
  /** Nodes with memory the task may use (N_MEMORY within cpuset's mems_allowed). */
  readonly memoryNodes: readonly number[];
  /** MAX_NUMNODES of the build (1 << CONFIG_NODES_SHIFT). */
  readonly maxNumNodes: number;
}

const sameNodes = (a: readonly number[] | null, b: readonly number[] | null): boolean =>
  a === b || (a !== null && b !== null && a.length === b.length && a.every((n, i) => n === b[i]));

/** mpol_equal: the same mode, flags and nodes (and user mask where one is kept). */
export function samePolicy(a: Policy | null, b: Policy | null): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return a.mode === b.mode && a.flags === b.flags && sameNodes(a.userNodes, b.userNodes) && sameNodes(a.nodes, b.nodes);
}

/** The mbind request after the checks that precede the page walk. */
interface MbindPlan {
  /** null: MPOL_DEFAULT (remove the policy). */
  policy: Policy | null;
  /** The user's nodes (for the misplaced-page test). */
  userNodes: readonly number[];
  flags: number;
  /** Pages [first, end) of the mapping; empty when the length is 0. */
  firstPage: number;
  endPage: number;
}

/** get_nodes: the user's mask for maxnode, with its refusals. */
function readNodes(mask: Uint8Array | null, maxnode: bigint, host: NumaHost): number[] {
  const bits = BigInt.asUintN(64, maxnode - 1n);
  if (bits === 0n || mask === null) return [];
  if (bits > BigInt(NODEMASK_MAX_BITS)) fail('EINVAL', `maxnode ${maxnode}: a node mask of more than ${NODEMASK_MAX_BITS} bits`);
  const nodes = decodeNodemask(mask, Number(bits));
  const beyond = nodes.find((n) => n >= host.maxNumNodes);
  if (beyond !== undefined) fail('EINVAL', `node ${beyond} is set in the mask, beyond MAX_NUMNODES (${host.maxNumNodes})`);
  return nodes;
}

/** nodes_fold then nodes_onto: node n of the user's mask becomes the (n mod w)-th memory node. */
function relativeNodes(user: readonly number[], memory: readonly number[]): number[] {
  const w = memory.length;
  if (w === 0) return [];
  const picked = new Set(user.map((n) => memory[n % w]!));
  return [...picked].sort((a, b) => a - b);
}

/** mpol_new and mpol_set_nodemask: the policy, or null for MPOL_DEFAULT. */
function newPolicy(mode: number, flags: number, user: readonly number[], host: NumaHost): Policy | null {
  const userMask = (flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES)) !== 0;
  if (mode === M.MPOL_DEFAULT) {
    if (user.length) fail('EINVAL', 'MPOL_DEFAULT takes no nodes');
    return null;
  }
  if (mode === M.MPOL_PREFERRED && user.length === 0) {
    if (userMask) fail('EINVAL', 'MPOL_PREFERRED with no nodes (local allocation) takes no STATIC/RELATIVE flag');
    mode = M.MPOL_LOCAL;
  } else if (mode === M.MPOL_LOCAL) {
    if (user.length || userMask) fail('EINVAL', 'MPOL_LOCAL takes no nodes and no STATIC/RELATIVE flag');
  } else if (user.length === 0) {
    fail('EINVAL', `${MPOL_MODES.nameOf(mode)} needs at least one node`);
  }
  if (mode === M.MPOL_LOCAL) return { mode, flags, nodes: [], userNodes: null };
  const memory = host.memoryNodes;
  const allowed = flags & MPOL_F_RELATIVE_NODES ? relativeNodes(user, memory) : user.filter((n) => memory.includes(n));
  if (allowed.length === 0) fail('EINVAL', `none of nodes ${user.join(',')} has memory this task may use (${memory.join(',')})`);
  const nodes = mode === M.MPOL_PREFERRED ? [allowed[0]!] : allowed;
  return { mode, flags, nodes, userNodes: userMask ? [...user] : null };
}

/**
 * The checks of kernel_mbind and do_mbind up to the page walk, in the kernel's order. `start` is
 * the mapping offset (the mapping itself is page aligned, so misalignment is the offset's).
 */
function planMbind(start: bigint, length: bigint, modeWord: number, mask: Uint8Array | null, maxnode: bigint, flags: number, host: NumaHost): MbindPlan {
  // sanitize_mpol_flags: the mode word is an int; the flags are its MPOL_MODE_FLAGS bits.
  const word = modeWord | 0;
  const modeFlags = word & MPOL_MODE_FLAGS;
  const mode = (word & ~MPOL_MODE_FLAGS) >>> 0;
  if (mode >= MPOL_MAX) fail('EINVAL', `mode ${mode} is not a memory policy mode`);
  if (modeFlags & MPOL_F_STATIC_NODES && modeFlags & MPOL_F_RELATIVE_NODES) fail('EINVAL', 'MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES together');
  if (modeFlags & MPOL_F_NUMA_BALANCING && mode !== M.MPOL_BIND && mode !== M.MPOL_PREFERRED_MANY) {
    fail('EINVAL', 'MPOL_F_NUMA_BALANCING is only for MPOL_BIND and MPOL_PREFERRED_MANY');
  }
  const user = readNodes(mask, maxnode, host);
  // do_mbind
  if (flags & ~MPOL_MF_VALID) fail('EINVAL', `mbind flags ${hex(flags)} have bits other than STRICT|MOVE|MOVE_ALL`);
  // MPOL_MF_MOVE_ALL needs CAP_SYS_NICE: the model's process has it (it stands for root).
  if (!isPageAligned(start)) fail('EINVAL', `start ${hex(start)} is not page aligned`);
  const walkFlags = mode === M.MPOL_DEFAULT ? flags & ~MPOL_MF_STRICT : flags;
  const pages = Number((length + PAGE_SIZE_N - 1n) / PAGE_SIZE_N);
  const firstPage = Number(start / PAGE_SIZE_N);
  if (pages === 0) return { policy: null, userNodes: user, flags: walkFlags, firstPage, endPage: firstPage };
  const policy = newPolicy(mode, modeFlags, user, host);
  return { policy, userNodes: user, flags: walkFlags, firstPage, endPage: firstPage + pages };
}

/** Where a mapping's policies live and what its pages are. */
export interface PolicyTarget {
  /** The VMA's policy by mapping page. */
  readonly vma: PolicyRanges;
  /** The file's shared policy by file page, where the release has guest_memfd's policy ops; else null. */
  readonly file: PolicyRanges | null;
  /** The mapping's first file page. */
  readonly pgoff: number;
  /** The mapping's length in pages. */
  readonly pages: number;
  /** Whether any file page in [from, to) holds memory (a page the walk could find mapped). */
  populated(from: number, to: number): boolean;
}

/**
 * The page walk's verdict where the model can give it: the model does not place pages on nodes,
 * so STRICT over populated pages whose node the mask may leave out is refused as not modelled.
 * MOVE alone always answers 0: guest_memfd folios cannot migrate, a failed move is not an error
 * without STRICT.
 */
function checkWalk(plan: MbindPlan, target: PolicyTarget, host: NumaHost): void {
  if (!(plan.flags & MPOL_MF_STRICT)) return;
  const outside = host.memoryNodes.some((n) => !plan.userNodes.includes(n));
  if (!outside || !target.populated(target.pgoff + plan.firstPage, target.pgoff + plan.endPage)) return;
  throw new UnsupportedError('model', 'mbind', 'MPOL_MF_STRICT over populated pages: which node a page sits on is not modelled');
}

/** mbind(2) over mapping bytes [start, start + length). */
export function modelMbind(target: PolicyTarget, host: NumaHost, start: bigint, length: bigint, modeWord: number, mask: Uint8Array | null, maxnode: bigint, flags: number): void {
  const plan = planMbind(start, length, modeWord, mask, maxnode, flags, host);
  if (plan.endPage === plan.firstPage) return;
  checkWalk(plan, target, host);
  for (const piece of target.vma.pieces(plan.firstPage, plan.endPage)) {
    if (samePolicy(piece.value, plan.policy)) continue; // mbind_range leaves an equal VMA alone
    target.vma.set(piece.start, piece.end, plan.policy);
    if (!target.file) continue;
    // vma_modify_policy merges the changed piece with neighbours of the same policy, and
    // set_policy then covers the merged VMA: the whole run, not only the piece (seen on 7.3).
    const run = target.vma.runAround(piece.start, target.pages);
    target.file.set(target.pgoff + run.start, target.pgoff + run.end, plan.policy);
  }
}

/** get_mempolicy(MPOL_F_ADDR) at mapping byte `start`: the mode word and the node mask. */
export function modelGetMempolicy(target: PolicyTarget, start: bigint): { mode: number; mask: Uint8Array } {
  const page = Number(start / PAGE_SIZE_N);
  const policy = target.file ? target.file.at(target.pgoff + page) : target.vma.at(page);
  if (!policy) return { mode: M.MPOL_DEFAULT, mask: new Uint8Array(GET_MEMPOLICY_MASK_BYTES) };
  return { mode: policy.mode | policy.flags, mask: encodeNodemask(policy.userNodes ?? policy.nodes, GET_MEMPOLICY_MASK_BYTES) };
}

/** A page placed by an interleaving policy: which node depends on the task's rotor, not modelled. */
export const UNKNOWN_NODE = -1;

/**
 * The node a page allocated under `policy` lands on (7.x's kvm_gmem_get_folio allocates with the
 * file's policy at the page's index). The model's task runs on the first memory node, which is
 * "local"; BIND and PREFERRED_MANY take the local node when their mask has it, else the mask's
 * lowest node (the kernel takes the nearest by distance, the same with two nodes); interleaving
 * uses the task's rotor (no interleave index is passed), so the node is UNKNOWN_NODE.
 */
export function placementNode(policy: Policy | null, host: NumaHost): number {
  const local = host.memoryNodes[0] ?? 0;
  if (!policy) return local;
  switch (policy.mode) {
    case M.MPOL_PREFERRED:
      return policy.nodes[0]!;
    case M.MPOL_BIND:
    case M.MPOL_PREFERRED_MANY:
      return policy.nodes.includes(local) ? local : policy.nodes[0]!;
    case M.MPOL_INTERLEAVE:
    case M.MPOL_WEIGHTED_INTERLEAVE:
      return UNKNOWN_NODE;
    default:
      return local;
  }
}

/** Memory policies by page range (a VMA's, or a file's shared policy). */
export class PolicyRanges extends SparseRanges<Policy> {
  constructor() {
    super(samePolicy);
  }
}
