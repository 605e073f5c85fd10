#!/usr/bin/env node
// zonegate-gate: the SSH forced command. CommonJS and one pre-bundled file, because this starts on
// every SSH connection and Node loads one CommonJS file faster than an ESM module graph.
'use strict';
require('../dist/gate.cjs');
