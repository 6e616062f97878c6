#!/usr/bin/env bash
# Builds and runs the Beam parity tool (needs JDK 17+ and Maven with access to Maven Central).
#
#   tools/beam-parity/run.sh pins            > pins.json   # Beam's events for the parity cases
#   tools/beam-parity/run.sh random          > random.json # java.util.Random reference values
#   tools/beam-parity/run.sh time standard 2000000         # Beam generator throughput (JSON line)
#   tools/beam-parity/run.sh events standard 60            # first events as JSON lines
#   tools/beam-parity/run.sh build                         # build only
#
# The build is skipped when target/ is newer than the sources. Maven's output goes to stderr.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

jar="target/beam-parity-0.1.0.jar"
cp_file="target/classpath.txt"
needs_build=0
if [[ ! -f "$jar" || ! -f "$cp_file" || pom.xml -nt "$jar" ]]; then
  needs_build=1
elif [[ -n "$(find src -newer "$jar" -type f -print -quit)" ]]; then
  needs_build=1
fi
if [[ "$needs_build" == 1 ]]; then
  mvn -q -B package -DskipTests 1>&2
fi
if [[ "${1:-}" == "build" ]]; then
  exit 0
fi
exec java -cp "$jar:$(cat "$cp_file")" streamscore.beamparity.Main "$@"
