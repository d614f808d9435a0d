/** Per-command help, usage errors that show the command's usage, and "did you mean". */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { golden } from './golden.js';
import { runGmem } from './helpers.js';

const run = runGmem;

describe('gmem help', () => {
  for (const command of ['conform', 'run', 'explore', 'probe']) {
    it(`gmem help ${command} and gmem ${command} --help print the same help (golden)`, async () => {
      const a = await run(['help', command]);
      const b = await run([command, '--help']);
      assert.equal(a.code, 0);
      assert.equal(b.code, 0);
      assert.equal(a.stdout, b.stdout);
      golden(`help-${command}.txt`, a.stdout);
    });
  }
  it('gmem help vm shows vm\'s own help', async () => {
    const r = await run(['help', 'vm']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /--kernel/);
  });
});

describe('usage errors', () => {
  it('an unknown option names the nearest one and shows the command\'s usage', async () => {
    const r = await run(['conform', '--fromat', 'ktap']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^gmem conform: unknown option --fromat \(did you mean "--format"\?\)\n\nUsage: gmem conform \[options\]\n/);
  });
  it('a near-miss command is suggested', async () => {
    const r = await run(['conforn']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^gmem: unknown command "conforn" \(did you mean "conform"\?\)/);
  });
  it('gmem help with an unknown topic suggests the command', async () => {
    const r = await run(['help', 'prob']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /did you mean "probe"/);
  });
  it('a missing FILE for run shows run\'s usage', async () => {
    const r = await run(['run']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^gmem run: FILE is required\n\nUsage: gmem run FILE \[options\]/);
  });
});
