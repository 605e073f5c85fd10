#!/usr/bin/env bash
# The whole test suite on a fresh machine: install what it needs, type-check, then run every test
# (unit, integration with a real sshd, rsync and bubblewrap) once.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent build
npx tsc -p test/tsconfig.json
npx vitest run
