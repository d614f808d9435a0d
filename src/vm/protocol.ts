/**
 * What the guest's init says to the host on the console (ttyS0), one line each, after MARKER:
 *   uname <release> | modules <insmod result lines> | kvm yes | nokvm-line <dmesg line> | nokvm
 *   vmtypes <names> | run | exit <status>
 * The command's stdout goes to ttyS1 and its stderr to ttyS2, raw, so they reach the host
 * unmixed with kernel messages.
 */
export const MARKER = '@@gmem-vm';

export type GuestEvent =
  | { kind: 'uname'; release: string }
  | { kind: 'module'; text: string }
  | { kind: 'kvm' }
  | { kind: 'nokvm-line'; text: string }
  | { kind: 'nokvm' }
  | { kind: 'vmtypes'; text: string }
  | { kind: 'run' }
  | { kind: 'exit'; status: number };

/** The event a console line carries, if any (the marker may follow other text on the line). */
export function parseGuestLine(line: string): GuestEvent | undefined {
  const at = line.indexOf(MARKER + ' ');
  if (at < 0) return undefined;
  const rest = line.slice(at + MARKER.length + 1).replace(/\r$/, '');
  const space = rest.indexOf(' ');
  const key = space < 0 ? rest : rest.slice(0, space);
  const value = space < 0 ? '' : rest.slice(space + 1);
  switch (key) {
    case 'uname':
      return { kind: 'uname', release: value };
    case 'module':
      return { kind: 'module', text: value };
    case 'kvm':
      return { kind: 'kvm' };
    case 'nokvm-line':
      return { kind: 'nokvm-line', text: value };
    case 'nokvm':
      return { kind: 'nokvm' };
    case 'vmtypes':
      return { kind: 'vmtypes', text: value };
    case 'run':
      return { kind: 'run' };
    case 'exit': {
      const status = Number(value);
      return Number.isInteger(status) ? { kind: 'exit', status } : undefined;
    }
    default:
      return undefined;
  }
}

/** The command as one shell line: each argument single-quoted. */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_./:=,+@%-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
