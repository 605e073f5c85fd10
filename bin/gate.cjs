#!/usr/bin/env node
// zonegate-gate, the SSH forced command. It starts on every SSH connection, so it loads one
// pre-bundled CommonJS file (dist/gate.cjs) and hands V8 the code cache made at build time
// (dist/gate.cjs.cache, scripts/build-gate-cache.cjs): about 6 ms less than compiling from source.
// A cache V8 rejects (another node version) is ignored and the source compiles as usual.
// The zone-set engine is a second bundle (dist/gate-zoneset.cjs), which dist/gate.cjs requires only
// for an allowed zone-set upload; it is loaded the same way.
'use strict';
const { readFileSync } = require('node:fs');
const { Script } = require('node:vm');
const { dirname, join } = require('node:path');

function loadGate(file) {
  const source = readFileSync(file, 'utf8');
  let cachedData;
  try {
    cachedData = readFileSync(`${file}.cache`);
  } catch {
    cachedData = undefined;
  }
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new Script(wrapped, { filename: file, cachedData });
  const module = { exports: {} };
  const dir = dirname(file);
  // The bundles require only node: builtins, which this file's own require resolves, and their
  // sibling bundle ("./gate-zoneset.cjs"). No createRequire: node:module brings the ESM loader
  // with it (about 0.4 ms on every connection).
  const requireInBundle = (id) => (id.startsWith('./') ? loadGate(join(dir, id)).gate : require(id));
  script.runInThisContext()(module.exports, requireInBundle, module, file, dir);
  return { gate: module.exports, script };
}

module.exports = { loadGate };
if (require.main === module) loadGate(join(__dirname, '../dist/gate.cjs')).gate.main();
