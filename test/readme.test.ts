/** The README's example is examples/quickstart.ts: the same code, and it runs as described. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { kernelAvailability } from '../src/kernel/kvm.js';
import { requireKernel } from './backends.js';

const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

it('README example and examples/quickstart.ts are the same code', () => {
  const readme = readFileSync(root('README.md'), 'utf8');
  const block = /## Example\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'README has an Example section with a ts block');
  const example = readFileSync(root('examples/quickstart.ts'), 'utf8').split('\n').slice(1).join('\n');
  assert.equal(example, block.replace("from 'guest-memfd'", "from '../src/index.js'"));
});

it('README conversion example and examples/conversion.ts are the same code, and it runs as described', () => {
  const readme = readFileSync(root('README.md'), 'utf8');
  const block = /## In-place conversion \(profile `inplace`\)\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'README has the conversion section with a ts block');
  const example = readFileSync(root('examples/conversion.ts'), 'utf8').split('\n').slice(1).join('\n');
  assert.equal(example, block.replace("from 'guest-memfd'", "from '../src/index.js'"));
  const r = spawnSync(process.execPath, [root('dist/examples/conversion.js')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'SIGBUS\nUint8Array(1) [ 170 ]\nEAGAIN 4096n\nconverted\n');
});

it('the example prints zeroes after the punch and a SIGBUS for the private file', () => {
  const r = spawnSync(process.execPath, [root('dist/examples/quickstart.js')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Uint8Array\(5\) \[ 0, 0, 0, 0, 0 \]/);
  assert.match(r.stdout, /SIGBUS host read: SIGBUS: file offset 0x0 is in a private page/);
});

it('examples/guest-message runs with both backends and gives the same result', (t) => {
  const run = (backend: string) => spawnSync(process.execPath, [root('dist/examples/guest-message.js'), '--backend', backend], { encoding: 'utf8' });
  const model = run('model');
  assert.equal(model.status, 0, model.stderr);
  assert.equal(model.stdout, 'model: guest read "hello from the host"; host now reads "HELLO FROM THE GUEST"\n');
  const kernel = run('kernel');
  const available = kernelAvailability();
  if (!available.usable && requireKernel()) assert.fail(`GMEM_REQUIRE_KERNEL=1, but no usable /dev/kvm: ${available.reason}`);
  if (!available.usable) return t.skip(`no usable /dev/kvm: ${available.reason}`);
  assert.equal(kernel.status, 0, kernel.stderr);
  assert.equal(kernel.stdout, model.stdout.replace(/^model/, 'kernel'));
});
