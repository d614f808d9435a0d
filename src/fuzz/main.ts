/** npm run fuzz -- --seconds N --seed S [--out DIR]: the differential fuzzer's command line. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { kernelAvailability } from '../kernel/kvm.js';
import { profileOfKernel } from '../model/hostConfig.js';
import { openKvm } from '../open.js';
import { describeOutcome } from '../scenario/outcome.js';
import { findingScenario, fuzz } from './fuzz.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '60' }, seed: { type: 'string', default: '1' }, out: { type: 'string', default: 'fuzz-findings' }, 'max-length': { type: 'string', default: '24' } },
});
const seconds = Number(values.seconds);
const seed = Number(values.seed);
if (!Number.isFinite(seconds) || seconds <= 0 || !Number.isInteger(seed) || seed < 0) {
  process.stderr.write('usage: npm run fuzz -- --seconds N --seed S [--out DIR] [--max-length N]\n');
  process.exit(2);
}
const available = kernelAvailability();
if (!available.usable) {
  process.stdout.write(`fuzz: the kernel backend is unavailable (${available.reason}): there is nothing to compare the model with\n`);
  process.exit(0);
}
const open = () => openKvm({ backend: 'kernel' });
const profile = profileOfKernel(open);
process.stdout.write(`fuzz: seed ${seed}, ${seconds} s, model ${profile.name} vs the kernel\n`);
const started = Date.now();
const stats = fuzz(open, profile, {
  seed,
  seconds,
  maxLength: Number(values['max-length']),
  onProgress: (s) => process.stderr.isTTY && process.stderr.write(`\r${s.sequences} sequences, ${s.operations} operations, ${s.findings.length} disagreements`),
});
if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
stats.findings.forEach((f, i) => {
  mkdirSync(values.out!, { recursive: true });
  const file = join(values.out!, `seed${seed}-finding${i}.json`);
  writeFileSync(file, JSON.stringify(findingScenario(f, seed, i), null, 2) + '\n');
  process.stdout.write(`finding ${i}: ${f.steps.length} steps; step ${f.at} ${f.steps[f.at]!.do}: model ${describeOutcome(f.model)}, kernel ${describeOutcome(f.kernel)} -> ${file}\n`);
});
const known = Object.entries(stats.knownDivergences).map(([k, n]) => `${k} x${n}`).join(', ') || 'none';
process.stdout.write(`sequences run: ${stats.sequences}, operations run: ${stats.operations}, disagreements found: ${stats.findings.length} (known divergences met: ${known}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
process.exit(stats.findings.length ? 1 : 0);
