#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine: installs what it needs, then
# runs build, typecheck, lint and every test (unit, integration, end-to-end).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-deps.sh
npm run typecheck
npm run lint
set +e
npx vitest run --reporter=default --reporter=json --outputFile=test-results.json "$@"
rc=$?
set -e
node -e '
const r = JSON.parse(require("fs").readFileSync("test-results.json", "utf8"));
console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' || true
exit $rc
