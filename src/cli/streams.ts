/** Where a command writes: process.stdout/stderr, or a test's buffers. */
export interface Streams {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}
