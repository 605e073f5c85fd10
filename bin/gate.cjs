#!/usr/bin/env node
// zonegate-gate, the SSH forced command. It starts on every SSH connection, so it loads one
// pre-bundled CommonJS file (dist/gate.cjs) and hands V8 the code cache made at build time
// (dist/gate.cjs.cache, scripts/build-gate-cache.cjs): about 6 ms less than compiling from source.
// A cache V8 rejects (another node version) is ignored and the source compiles as usual.
'use strict';
const { readFileSync } = require('node:fs');
const { Script } = require('node:vm');
const { createRequire } = require('node:module');
const { join } = require('node:path');

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
  script.runInThisContext()(module.exports, createRequire(file), module, file, join(file, '..'));
  return { gate: module.exports, script };
}

module.exports = { loadGate };
if (require.main === module) loadGate(join(__dirname, '../dist/gate.cjs')).gate.main();
