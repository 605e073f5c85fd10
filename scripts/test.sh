#!/usr/bin/env bash
# The whole test suite on a fresh machine: install what it needs, build, lint (types, eslint,
# prettier), then run every test (unit, and integration with real sshd, rsync, named, bubblewrap).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent build
npm run --silent lint
npx vitest run
