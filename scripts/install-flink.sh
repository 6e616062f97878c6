#!/usr/bin/env bash
# Installs what the flink backend's local target needs, idempotently (the test command runs every
# scripts/install-*.sh before the tests):
#   - Flink's jars from Maven Central, into ~/.cache/streamscore/flink/<version>/lib (through the
#     node launcher, the same script that starts local and EC2 nodes);
#   - the job jar, flink-job/target/streamscore-flink-job.jar (scripts/build-flink-job.sh).
# Needs java (17+) and mvn on PATH. STREAMSCORE_SKIP_FLINK=1 skips it all.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${STREAMSCORE_SKIP_FLINK:-0}" = 1 ]; then echo "install-flink: skipped (STREAMSCORE_SKIP_FLINK=1)"; exit 0; fi
for tool in java mvn; do
  command -v "$tool" >/dev/null || { echo "install-flink: $tool is not on PATH (install a JDK 17 and Maven 3.8+)" >&2; exit 1; }
done
bash plugins/flink/resources/launch-node.sh fetch >/dev/null
bash scripts/build-flink-job.sh
