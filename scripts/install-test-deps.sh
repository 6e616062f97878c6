#!/usr/bin/env bash
# System tools the test suite needs, installed idempotently (CI runs as root on a fresh machine).
set -euo pipefail
cd "$(dirname "$0")/.."
for s in scripts/install-*.sh; do
  [ "$s" = scripts/install-test-deps.sh ] && continue
  bash "$s"
done
