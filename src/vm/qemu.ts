/**
 * One boot: QEMU with the kernel and initramfs, the console (ttyS0) on QEMU's stdout, the
 * command's stdout and stderr on ttyS1 and ttyS2 through two unix sockets this process serves.
 * Every way out (exit, panic, no KVM, timeout, QEMU dying, kill()) ends with QEMU gone and the
 * sockets removed. QEMU runs under `setpriv --pdeathsig KILL` where util-linux has it, so even a
 * SIGKILLed gmem takes its QEMU along.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Acceleration } from './accel.js';
import { COMMAND_PARAMETER } from './guestInit.js';
import { parseGuestLine, shellQuote, type GuestEvent } from './protocol.js';
import { which } from './run.js';

/** x86's COMMAND_LINE_SIZE is 2048; leave room for the rest of the command line. */
const MAX_COMMAND_PARAMETER = 1800;
/** After the guest reported the exit status, how long it may take to power off. */
const POWER_OFF_GRACE_MS = 15_000;
const CONSOLE_TAIL = 40;

export interface BootOptions {
  qemu: string;
  kernel: string;
  initrd: string;
  memoryMiB: number;
  /** NUMA nodes the guest sees (default 1: no -numa option); the memory is split between them. */
  numaNodes?: number;
  timeoutSeconds: number;
  command: readonly string[];
  accel: Acceleration;
  onStdout(chunk: Buffer): void;
  onStderr(chunk: Buffer): void;
  onEvent(event: GuestEvent): void;
  onConsoleLine?(line: string): void;
}

export type BootOutcome =
  | { kind: 'exit'; status: number }
  | { kind: 'nokvm'; lines: string[] }
  | { kind: 'panic'; lines: string[] }
  | { kind: 'timeout'; seconds: number }
  | { kind: 'qemu-failed'; code: number | null; signal: string | null; stderr: string }
  | { kind: 'guest-stopped' }
  | { kind: 'killed'; signal: string };

export interface BootResult {
  outcome: BootOutcome;
  consoleTail: string[];
  seconds: number;
  qemuStderr: string;
}

export interface Boot {
  result: Promise<BootResult>;
  /** Ends QEMU now (for a signal received by gmem); the result's outcome is 'killed'. */
  kill(signal: string): void;
}

export class QemuMissingError extends Error {}

export function findQemu(env: NodeJS.ProcessEnv = process.env): string {
  const name = env.GMEM_QEMU ?? 'qemu-system-x86_64';
  const path = which(name);
  if (!path) throw new QemuMissingError(`${name} is not installed: install QEMU with \`apt-get install qemu-system-x86\` (as root)`);
  return path;
}

/** The most NUMA nodes `--numa` offers: enough for any policy a check names, few for QEMU. */
export const MAX_NUMA_NODES = 8;

/**
 * QEMU's memory options: `-m` alone, or for several nodes one RAM backend per node, its share of
 * the memory (the first nodes take the remainder, a MiB each) and the vCPU on node 0; the shares
 * add up to `-m` exactly, as QEMU requires.
 */
export function memoryArgs(memoryMiB: number, numaNodes = 1): string[] {
  if (!Number.isInteger(numaNodes) || numaNodes < 1 || numaNodes > MAX_NUMA_NODES) throw new RangeError(`numaNodes must be 1..${MAX_NUMA_NODES}, got ${numaNodes}`);
  if (numaNodes === 1) return ['-m', String(memoryMiB)];
  const share = Math.floor(memoryMiB / numaNodes);
  if (share < 64) throw new RangeError(`${memoryMiB} MiB is too little for ${numaNodes} NUMA nodes (at least 64 MiB each)`);
  const args = ['-m', String(memoryMiB)];
  for (let i = 0; i < numaNodes; i++) {
    const size = share + (i < memoryMiB - share * numaNodes ? 1 : 0);
    args.push('-object', `memory-backend-ram,id=gmemnode${i},size=${size}M`, '-numa', `node,nodeid=${i},memdev=gmemnode${i}${i === 0 ? ',cpus=0' : ''}`);
  }
  return args;
}

export function commandParameter(command: readonly string[]): string {
  const encoded = Buffer.from(shellQuote(command) + '\n').toString('base64');
  if (encoded.length > MAX_COMMAND_PARAMETER) throw new RangeError(`the command is too long for the kernel command line (${encoded.length} bytes encoded, at most ${MAX_COMMAND_PARAMETER})`);
  return `${COMMAND_PARAMETER}=${encoded}`;
}

/** A unix socket QEMU connects to; `drained` resolves once every connection has closed. */
function listen(path: string, onData: (chunk: Buffer) => void): { server: Server; drained(): Promise<void> } {
  const open = new Set<Promise<void>>();
  const server = createServer((socket) => {
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    open.add(closed);
    socket.on('data', onData).on('error', () => {});
  });
  server.listen(path);
  return { server, drained: () => Promise.all(open).then(() => undefined) };
}

/** Resolves after `promise` or `ms`, whichever comes first. */
function atMost(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    void promise.then(() => {
      clearTimeout(t);
      resolve();
    });
  });
}

export function boot(options: BootOptions): Boot {
  const started = Date.now();
  // no_timer_check: under TCG on a loaded host the IO-APIC timer check can fail and panic the
  // boot ("IO-APIC + timer doesn't work!", seen with Debian's 7.2.13); virtual machines skip it.
  // Computed first: a command too long for the kernel command line throws before anything exists.
  const append = ['console=ttyS0', 'panic=-1', 'no_timer_check', 'quiet', commandParameter(options.command)].join(' ');
  const dir = mkdtempSync(join(tmpdir(), 'gmem-vm-'));
  const outSock = join(dir, 'stdout.sock');
  const errSock = join(dir, 'stderr.sock');
  const servers = [listen(outSock, options.onStdout), listen(errSock, options.onStderr)];
  const qemuArgs = [
    '-name', 'gmem-vm',
    '-nodefaults', '-no-reboot', '-display', 'none',
    ...memoryArgs(options.memoryMiB, options.numaNodes),
    ...options.accel.qemuArgs,
    '-kernel', options.kernel, '-initrd', options.initrd, '-append', append,
    '-serial', 'stdio',
    '-chardev', `socket,id=gmemout,path=${outSock}`, '-serial', 'chardev:gmemout',
    '-chardev', `socket,id=gmemerr,path=${errSock}`, '-serial', 'chardev:gmemerr',
  ];
  const setpriv = which('setpriv');
  const [cmd, args] = setpriv ? [setpriv, ['--pdeathsig', 'KILL', options.qemu, ...qemuArgs]] : [options.qemu, qemuArgs];
  const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });

  const tail: string[] = [];
  let qemuStderr = '';
  let outcome: BootOutcome | undefined;
  let panic: string[] | undefined;
  const nokvm: string[] = [];
  const decide = (o: BootOutcome): void => {
    if (!outcome) outcome = o;
  };
  const stop = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };

  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('latin1')).split('\n');
    partial = lines.pop()!;
    for (const raw of lines) {
      const line = raw.replace(/\r$/, '');
      options.onConsoleLine?.(line);
      tail.push(line);
      if (tail.length > CONSOLE_TAIL) tail.shift();
      if (panic) panic.push(line);
      // From the first line of the crash (and the two before it, which often say why), without our markers.
      else if (/Kernel panic - not syncing|BUG: |Oops: /.test(line)) panic = tail.slice(-3).filter((l) => !parseGuestLine(l));
      const event = parseGuestLine(line);
      if (!event) continue;
      options.onEvent(event);
      if (event.kind === 'nokvm-line') nokvm.push(event.text);
      if (event.kind === 'nokvm') decide({ kind: 'nokvm', lines: nokvm });
      if (event.kind === 'exit') {
        decide({ kind: 'exit', status: event.status });
        setTimeout(stop, POWER_OFF_GRACE_MS).unref();
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    qemuStderr += chunk.toString();
  });
  const timer = setTimeout(() => {
    decide({ kind: 'timeout', seconds: options.timeoutSeconds });
    stop();
  }, options.timeoutSeconds * 1000);

  const result = new Promise<BootResult>((resolve) => {
    let finished = false;
    const finish = async (code: number | null, signal: string | null): Promise<void> => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      // QEMU is gone; what it wrote to the sockets may still be on its way to us.
      await atMost(Promise.all(servers.map((s) => s.drained())).then(() => undefined), 2000);
      for (const s of servers) s.server.close();
      rmSync(dir, { recursive: true, force: true });
      if (panic && (!outcome || outcome.kind !== 'exit')) decide({ kind: 'panic', lines: panic.slice(0, 30) });
      if (code !== 0 && !outcome) decide({ kind: 'qemu-failed', code, signal, stderr: qemuStderr.trim() });
      decide({ kind: 'guest-stopped' });
      resolve({ outcome: outcome!, consoleTail: tail, seconds: (Date.now() - started) / 1000, qemuStderr });
    };
    child.on('error', (err) => {
      decide({ kind: 'qemu-failed', code: null, signal: null, stderr: err.message });
      void finish(null, null);
    });
    // 'close' comes after the output pipes are drained.
    child.on('close', (code, signal) => void finish(code, signal));
  });
  return {
    result,
    kill(signal: string) {
      decide({ kind: 'killed', signal });
      stop();
    },
  };
}
