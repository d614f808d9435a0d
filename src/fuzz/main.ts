/** npm run fuzz -- [options]: runs the fuzzer's command (command.ts) and exits with its status. */
import { main } from './command.js';

process.exit(main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }));
