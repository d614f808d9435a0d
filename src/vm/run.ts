/** Running host tools (apt, dpkg-deb, xz, ldd) with errors that say which command failed and why. */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

export class ToolError extends Error {}

/** Runs `cmd args`, returns stdout; throws a ToolError with the command and its stderr tail on failure. */
export function runTool(cmd: string, args: readonly string[], options: { input?: string; maxBuffer?: number; cwd?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: options.maxBuffer ?? 256 * 1024 * 1024, ...(options.input !== undefined ? { input: options.input } : {}), ...(options.cwd !== undefined ? { cwd: options.cwd } : {}) });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new ToolError(code === 'ENOENT' ? `${cmd} is not installed` : `${cmd}: ${r.error.message}`);
  }
  if (r.status !== 0) {
    const tail = (r.stderr || r.stdout).trim().split('\n').slice(-6).join('\n');
    throw new ToolError(`${cmd} ${args.slice(0, 3).join(' ')}... failed (exit ${r.status ?? r.signal}):\n${tail}`);
  }
  return r.stdout;
}

/** The absolute path of `name` on PATH, or undefined. */
export function which(name: string, path = process.env.PATH ?? ''): string | undefined {
  const executable = (file: string): boolean => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (name.includes('/')) return executable(name) ? name : undefined;
  return path.split(':').filter(Boolean).map((dir) => join(dir, name)).find(executable);
}

/** Like runTool, for output that is bytes (a decompressed module). */
export function runToolBytes(cmd: string, args: readonly string[]): Buffer {
  const r = spawnSync(cmd, args, { maxBuffer: 1024 * 1024 * 1024 });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new ToolError(code === 'ENOENT' ? `${cmd} is not installed` : `${cmd}: ${r.error.message}`);
  }
  if (r.status !== 0) throw new ToolError(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal}): ${r.stderr.toString().trim()}`);
  return r.stdout;
}
