#!/usr/bin/env bash
# The end-to-end demo on a fresh machine: install what it needs (Debian packages when root, npm
# packages from the lockfile), build, then run scripts/demo.ts, compiled to build/ (loopback only; cleans up).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent build
npm run --silent build:scripts
exec node build/scripts/demo.js
