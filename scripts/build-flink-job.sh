#!/usr/bin/env bash
# Builds streamscore's Flink application jar (flink-job/) with Maven:
#   flink-job/target/streamscore-flink-job.jar
# Skips the build when the jar is newer than every source file (set FORCE=1 to rebuild).
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=flink-job/target/streamscore-flink-job.jar
if [ "${FORCE:-0}" != 1 ] && [ -f "$JAR" ] && [ -z "$(find flink-job/pom.xml flink-job/src -newer "$JAR" -type f | head -1)" ]; then
  echo "$JAR is up to date"
  exit 0
fi
mvn -q -B -f flink-job/pom.xml package
echo "built $JAR"
