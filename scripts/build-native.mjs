#!/usr/bin/env node
// Builds the kernel backend's native addon with a direct g++ call (no network, no node-gyp
// download): Node's own headers plus node-addon-api from node_modules. If anything is missing
// or the build fails, installation still succeeds: the reason is written to
// build/native-status.json and the kernel backend reports it when asked for.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// GMEM_BUILD_DIR builds elsewhere (the tests use it to check the failure path without touching build/).
const buildDir = process.env.GMEM_BUILD_DIR ? resolve(process.env.GMEM_BUILD_DIR) : join(root, 'build');
const output = join(buildDir, 'gmem_native.node');
const statusFile = join(buildDir, 'native-status.json');
const nativeDir = join(root, 'src/kernel/native');
const sources = ['gmem_native.cc', 'guard.cc', 'mappings.cc'].map((f) => join(nativeDir, f));
const headers = ['args.h', 'guard.h', 'ioctls.h', 'mappings.h', 'structs.h'].map((f) => join(nativeDir, f));

// --if-stale: do nothing when the addon is newer than its sources (npm test uses it, so editing
// the C++ rebuilds it, and an unchanged tree costs nothing).
if (process.argv.includes('--if-stale') && existsSync(output)) {
  const built = statSync(output).mtimeMs;
  if ([...sources, ...headers].every((f) => statSync(f).mtimeMs <= built)) process.exit(0);
}

function finish(ok, reason) {
  mkdirSync(buildDir, { recursive: true });
  writeFileSync(statusFile, JSON.stringify({ ok, reason, node: process.version, at: new Date().toISOString() }, null, 2) + '\n');
  console.log(ok ? `native addon built: ${output}` : `native addon NOT built (the kernel backend will be unavailable): ${reason}`);
  process.exit(0);
}

if (process.platform !== 'linux') finish(false, `KVM exists only on Linux; this is ${process.platform}`);

const headerCandidates = [
  process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include/node'),
  join(dirname(process.execPath), '../include/node'),
  '/usr/include/node',
  '/usr/local/include/node',
].filter(Boolean);
const nodeHeaders = headerCandidates.find((dir) => existsSync(join(dir, 'node_api.h')));
if (!nodeHeaders) finish(false, `Node's C headers (node_api.h) were not found in ${headerCandidates.join(', ')}`);

let addonApi;
try {
  addonApi = dirname(createRequire(join(root, 'package.json')).resolve('node-addon-api/package.json'));
} catch {
  finish(false, 'node-addon-api is not installed');
}

const cxx = process.env.CXX || 'g++';
const args = [
  '-std=c++17', '-O2', '-fPIC', '-shared', '-Wall', '-Wextra', '-Werror',
  '-fvisibility=hidden',
  '-DNAPI_VERSION=8', '-DNAPI_DISABLE_CPP_EXCEPTIONS', '-DNODE_ADDON_API_DISABLE_DEPRECATED',
  // -isystem: warnings inside Node's and V8's headers are not ours to fix (ours stay errors).
  '-isystem', nodeHeaders, '-isystem', addonApi, `-I${join(root, 'src/kernel/native')}`,
  ...sources, '-o', output, '-lrt',
];
mkdirSync(buildDir, { recursive: true });
rmSync(output, { force: true });
const result = spawnSync(cxx, args, { encoding: 'utf8' });
if (result.error) finish(false, `${cxx} could not be run: ${result.error.message}`);
if (result.status !== 0) finish(false, `${cxx} failed:\n${result.stderr.trim()}`);
finish(true, 'built');
