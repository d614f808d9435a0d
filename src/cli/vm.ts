/** gmem vm: boot another kernel under QEMU and run a command inside it (src/vm/ does the work). */
import { basename } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { chooseAcceleration } from '../vm/accel.js';
import { buildInitramfs, InitramfsError } from '../vm/initramfs.js';
import { entryMatches, entryPath, listEntries, parseKernelName } from '../vm/kernelEntry.js';
import { NotAKernelError, readKernelImage } from '../vm/kernelImage.js';
import { kvmModules, ModulesError } from '../vm/kvmModules.js';
import { initramfsDir, kernelCacheDir } from '../vm/paths.js';
import { boot, commandParameter, findQemu, MAX_NUMA_NODES, memoryArgs, QemuMissingError, type BootOutcome } from '../vm/qemu.js';
import type { GuestEvent } from '../vm/protocol.js';
import type { Streams } from './streams.js';

export const VM_USAGE = `Usage: gmem vm --kernel IMAGE|debian:VERSION [options] [-- COMMAND...]

Boots IMAGE (a bzImage/vmlinuz, or a cached kernel: debian:7.3, build:7.3.4, or a build with a
local version like build:7.3.4-gmem-inplace; see gmem kernels) under QEMU
with an initramfs holding node and this project, loads its KVM modules, and runs COMMAND inside
(default: gmem conform --backend both). The command's stdout and stderr arrive here unmixed with
the guest's console; the exit status is the command's.

Options:
  --modules DIR   the kernel's lib/modules/<release> tree (default: the cached kernel's own)
  --memory MiB    guest memory (default 1536)
  --numa N        split it into N NUMA nodes (1..8; default 1), e.g. 2 for memory policy checks
  --timeout S     give up (and end QEMU) after S seconds (default 900)
  --console       also print the guest's console (kernel messages) on stderr

Exit status: the command's; 2 bad input or missing tools; 124 timeout; 125 the guest failed
(panic, no KVM, QEMU error); 128+N when gmem got signal N.
`;

export const EXIT_TIMEOUT = 124;
export const EXIT_GUEST_FAILED = 125;

interface VmArgs {
  kernel: string;
  modules?: string;
  memoryMiB: number;
  numaNodes: number;
  timeoutSeconds: number;
  console: boolean;
  command: string[];
}

function parseVmArgs(argv: string[]): VmArgs | string {
  const dash = argv.indexOf('--');
  const own = dash < 0 ? argv : argv.slice(0, dash);
  const command = dash < 0 ? ['gmem', 'conform', '--backend', 'both'] : argv.slice(dash + 1);
  if (command.length === 0) return 'nothing after --: give a command, or leave -- out for the default';
  const out: Partial<VmArgs> = { memoryMiB: 1536, numaNodes: 1, timeoutSeconds: 900, console: false, command };
  for (let i = 0; i < own.length; i++) {
    const arg = own[i]!;
    const value = (): string | undefined => own[++i];
    const positive = (name: string, v: string | undefined): number | string => {
      const n = Number(v);
      return v !== undefined && Number.isFinite(n) && n > 0 ? n : `${name} needs a positive number, got ${JSON.stringify(v ?? '')}`;
    };
    if (arg === '--kernel') out.kernel = value();
    else if (arg === '--modules') out.modules = value();
    else if (arg === '--memory') {
      const n = positive('--memory', value());
      if (typeof n === 'string') return n;
      out.memoryMiB = Math.round(n);
    } else if (arg === '--numa') {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > MAX_NUMA_NODES) return `--numa needs a whole number of nodes from 1 to ${MAX_NUMA_NODES}, got ${JSON.stringify(v ?? '')}`;
      out.numaNodes = n;
    } else if (arg === '--timeout') {
      const n = positive('--timeout', value());
      if (typeof n === 'string') return n;
      out.timeoutSeconds = n;
    } else if (arg === '--console') out.console = true;
    else return `unknown option ${JSON.stringify(arg)}`;
  }
  if (!out.kernel) return '--kernel IMAGE is required';
  return out as VmArgs;
}

/** `debian:7.3` -> the newest cached match, with its modules; a path -> itself. */
function resolveKernel(spec: string, modules: string | undefined, cache: string): { kernel: string; modules: string | undefined } {
  const name = parseKernelName(spec);
  if (!name) return { kernel: spec, modules };
  const entry = listEntries(cache).find((e) => entryMatches(e, name));
  if (!entry) throw new NotAKernelError(`no cached kernel matches ${spec} in ${cache}; fetch it with: gmem kernels get ${spec}`);
  return { kernel: entryPath(cache, entry, entry.kernel), modules: modules ?? (entry.modules ? entryPath(cache, entry, entry.modules) : undefined) };
}

function describeFailure(outcome: BootOutcome, consoleTail: string[]): { message: string; status: number } {
  const last = (lines: string[]) => lines.map((l) => `  | ${l}`).join('\n');
  switch (outcome.kind) {
    case 'exit':
      return { message: '', status: outcome.status };
    case 'nokvm':
      return { message: `kvm_amd did not load: no /dev/kvm in the guest; the guest's kernel said:\n${last(outcome.lines.length ? outcome.lines : consoleTail)}`, status: EXIT_GUEST_FAILED };
    case 'panic':
      return { message: `the guest kernel panicked:\n${last(outcome.lines)}`, status: EXIT_GUEST_FAILED };
    case 'timeout':
      return { message: `timed out after ${outcome.seconds} s (--timeout); QEMU was ended. Last console lines:\n${last(consoleTail.slice(-10))}`, status: EXIT_TIMEOUT };
    case 'qemu-failed':
      return { message: `QEMU failed (exit ${outcome.code ?? outcome.signal}):\n${last(outcome.stderr.split('\n').slice(-10))}`, status: EXIT_GUEST_FAILED };
    case 'guest-stopped':
      return { message: `the guest stopped before the command reported its exit status. Last console lines:\n${last(consoleTail.slice(-15))}`, status: EXIT_GUEST_FAILED };
    case 'killed':
      return { message: `stopped by ${outcome.signal}; QEMU was ended`, status: 128 + (outcome.signal === 'SIGINT' ? 2 : outcome.signal === 'SIGHUP' ? 1 : 15) };
  }
}

function describeEvent(event: GuestEvent): string | undefined {
  switch (event.kind) {
    case 'uname':
      return `guest kernel ${event.release}`;
    case 'module':
      return event.text;
    case 'kvm':
      return '/dev/kvm: yes';
    case 'vmtypes':
      return `VM types: ${event.text}`;
    case 'run':
      return 'running the command';
    default:
      return undefined;
  }
}

export async function vmCommand(argv: string[], io: Streams): Promise<number> {
  const own = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  if (own.includes('-h') || own.includes('--help')) {
    io.stdout.write(VM_USAGE);
    return 0;
  }
  const args = parseVmArgs(argv);
  if (typeof args === 'string') {
    io.stderr.write(`gmem vm: ${args}\n\n${VM_USAGE}`);
    return 2;
  }
  const say = (line: string) => io.stderr.write(`gmem vm: ${line}\n`);
  try {
    commandParameter(args.command); // too long for the kernel command line: say so before any work
    memoryArgs(args.memoryMiB, args.numaNodes); // too little memory for the nodes: the same
  } catch (err) {
    say((err as Error).message);
    return 2;
  }
  const cache = kernelCacheDir();
  let qemu: string;
  let initrd: string;
  let kernel: string;
  try {
    const resolved = resolveKernel(args.kernel, args.modules, cache);
    kernel = resolved.kernel;
    const image = readKernelImage(kernel);
    if (resolved.modules && /^\d+\.\d+/.test(basename(resolved.modules)) && image.release && basename(resolved.modules) !== image.release) {
      throw new ModulesError(`the modules in ${resolved.modules} are for ${basename(resolved.modules)}, but ${kernel} is ${image.release}`);
    }
    const modules = resolved.modules ? kvmModules(resolved.modules) : { modules: [], vendors: [] };
    qemu = findQemu();
    say(`kernel ${image.release || '(version unknown)'}${modules.modules.length ? `, modules ${modules.modules.map((m) => m.name).join(' ')}` : ', no modules (KVM must be built in)'}`);
    initrd = buildInitramfs(initramfsDir(cache), { modules: modules.modules }, say);
  } catch (err) {
    if (err instanceof QemuMissingError || err instanceof NotAKernelError || err instanceof ModulesError || err instanceof InitramfsError || err instanceof RangeError) {
      say((err as Error).message);
      return 2;
    }
    throw err;
  }
  const accel = chooseAcceleration();
  say(`booting under ${accel.kind.toUpperCase()} (${accel.reason}), ${args.memoryMiB} MiB${args.numaNodes > 1 ? ` in ${args.numaNodes} NUMA nodes` : ''}, timeout ${args.timeoutSeconds} s`);
  const out = new StringDecoder('utf8');
  const err = new StringDecoder('utf8');
  let running: ReturnType<typeof boot>;
  try {
    running = boot({
      qemu,
      kernel,
      initrd,
      memoryMiB: args.memoryMiB,
      numaNodes: args.numaNodes,
      timeoutSeconds: args.timeoutSeconds,
      command: args.command,
      accel,
      onStdout: (chunk) => io.stdout.write(out.write(chunk)),
      onStderr: (chunk) => io.stderr.write(err.write(chunk)),
      onEvent: (event) => {
        const text = describeEvent(event);
        if (text) say(text);
      },
      ...(args.console ? { onConsoleLine: (line: string) => io.stderr.write(`[guest] ${line}\n`) } : {}),
    });
  } catch (e) {
    if (e instanceof RangeError) {
      say(e.message);
      return 2;
    }
    throw e;
  }
  const onSignal = (signal: NodeJS.Signals) => running.kill(signal);
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);
  try {
    const result = await running.result;
    io.stdout.write(out.end());
    io.stderr.write(err.end());
    const { message, status } = describeFailure(result.outcome, result.consoleTail);
    if (message) say(message);
    say(`${result.outcome.kind === 'exit' ? `command exited with status ${status}` : `exit status ${status}`} after ${result.seconds.toFixed(1)} s in QEMU`);
    return status;
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}
