#!/usr/bin/env bash
# The whole test suite on a fresh machine: install what it needs, build, lint (types, eslint,
# prettier), then run every test (unit, and integration with real sshd, rsync, named, bubblewrap).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent build
npm run --silent lint
results="$(mktemp)"
trap 'rm -f "$results"' EXIT
status=0
npx vitest run --reporter=default --reporter=json --outputFile="$results" || status=$?
# One plain closing line any CI reads: "N passed, N failed".
# shellcheck disable=SC2016 # the single quotes hold JavaScript, not shell
node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const failed = r.numFailedTests || (r.success ? 0 : r.numFailedTestSuites); console.log(`${r.numPassedTests} passed, ${failed} failed`)' "$results" || true
exit "$status"
