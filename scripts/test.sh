#!/usr/bin/env bash
# The test command (README, .ci/run): installs what the tests need that npm does not, builds,
# and runs every test. Servers the tests need (kinesalite, moto) are started and stopped by the
# tests' own setup on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/install-test-deps.sh
npm run build
npx vitest run "$@"
