#!/usr/bin/env bash
# streamscore's one Flink node launcher. The local target runs it for every JobManager and
# TaskManager process it starts; an EC2 node's user-data runs the same script. It
#   1. fetches Flink's jars from Maven Central into a cache (or reuses the cache): flink-dist is
#      not used, the classpath is assembled from flink-runtime, flink-clients, the table planner
#      loader and runtime, flink-runtime-web (the /jars REST endpoints) and log4j;
#   2. writes the node's configuration (config.yaml, rendered by plugins/flink/src/node/config.ts
#      and passed here base64-encoded) and a log4j configuration into the node's home;
#   3. starts the node in the foreground (exec: the launcher's PID becomes the JVM's PID).
#
# Usage:
#   launch-node.sh fetch  [--flink-version V] [--cache-dir DIR]
#   launch-node.sh jobmanager|taskmanager --home DIR --config-b64 B64 [--flink-version V]
#                  [--cache-dir DIR] [--heap SIZE] [--direct SIZE] [--java-opts "..."] [--print-command]
#
# Environment: JAVA (java binary, default `java` on PATH), MVN (default `mvn`).
set -euo pipefail

FLINK_VERSION="${FLINK_VERSION:-2.2.0}"
CACHE_ROOT="${STREAMSCORE_FLINK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/streamscore/flink}"
LOG4J_VERSION=2.26.1
SLF4J_VERSION=2.0.17

ROLE="${1:-}"
[ -n "$ROLE" ] || { echo "usage: launch-node.sh fetch|jobmanager|taskmanager [options]" >&2; exit 2; }
shift
HOME_DIR="" CONFIG_B64="" HEAP="" DIRECT="" EXTRA_OPTS="" PRINT_ONLY=0 CACHE_DIR=""
while [ $# -gt 0 ]; do
  case "$1" in
    --flink-version) FLINK_VERSION="$2"; shift 2 ;;
    --cache-dir) CACHE_DIR="$2"; shift 2 ;;
    --home) HOME_DIR="$2"; shift 2 ;;
    --config-b64) CONFIG_B64="$2"; shift 2 ;;
    --heap) HEAP="$2"; shift 2 ;;
    --direct) DIRECT="$2"; shift 2 ;;
    --java-opts) EXTRA_OPTS="$2"; shift 2 ;;
    --print-command) PRINT_ONLY=1; shift ;;
    *) echo "launch-node.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
CACHE_DIR="${CACHE_DIR:-$CACHE_ROOT/$FLINK_VERSION}"
LIB_DIR="$CACHE_DIR/lib"

# ---- 1. artifacts -----------------------------------------------------------------------------
fetch_artifacts() {
  if [ -f "$LIB_DIR/.complete" ]; then return 0; fi
  mkdir -p "$CACHE_DIR"
  # The local target starts the JobManager and the TaskManagers at once: on a fresh machine each
  # would fetch into the same directory and one would move it from under the other. One fetches;
  # the others wait for it and find the cache complete.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$CACHE_DIR/.fetch.lock"
    flock 9
    if [ -f "$LIB_DIR/.complete" ]; then exec 9>&-; return 0; fi
  fi
  local work; work="$(mktemp -d)"
  cat > "$work/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>streamscore</groupId>
  <artifactId>flink-node-lib</artifactId>
  <version>$FLINK_VERSION</version>
  <packaging>pom</packaging>
  <dependencyManagement>
    <dependencies>
      <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>$SLF4J_VERSION</version></dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency><groupId>org.apache.flink</groupId><artifactId>flink-runtime</artifactId><version>$FLINK_VERSION</version></dependency>
    <dependency><groupId>org.apache.flink</groupId><artifactId>flink-clients</artifactId><version>$FLINK_VERSION</version></dependency>
    <dependency><groupId>org.apache.flink</groupId><artifactId>flink-streaming-java</artifactId><version>$FLINK_VERSION</version></dependency>
    <dependency><groupId>org.apache.flink</groupId><artifactId>flink-table-api-java-bridge</artifactId><version>$FLINK_VERSION</version></dependency>
    <dependency><groupId>org.apache.flink</groupId><artifactId>flink-table-runtime</artifactId><version>$FLINK_VERSION</version></dependency>
    <dependency><groupId>org.apache.flink</groupId><artifactId>flink-table-planner-loader</artifactId><version>$FLINK_VERSION</version></dependency>
    <dependency><groupId>org.apache.flink</groupId><artifactId>flink-runtime-web</artifactId><version>$FLINK_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-api</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j2-impl</artifactId><version>$LOG4J_VERSION</version></dependency>
  </dependencies>
</project>
POM
  echo "launch-node.sh: fetching Flink $FLINK_VERSION jars into $LIB_DIR" >&2
  # A directory of this process's own (no lock where flock is missing): never another's half-fetch.
  local tmp="$LIB_DIR.tmp.$$"
  rm -rf "$tmp"
  "${MVN:-mvn}" -q -B -f "$work/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp" >&2
  # flink-table-planner-loader and flink-table-planner must not both be on the classpath.
  rm -f "$tmp"/flink-table-planner_2.12-*.jar
  date -u +%FT%TZ > "$tmp/.complete"
  if [ ! -f "$LIB_DIR/.complete" ]; then
    rm -rf "$LIB_DIR"
    mv "$tmp" "$LIB_DIR"
  fi
  rm -rf "$tmp" "$work"
  exec 9>&-
}

fetch_artifacts
[ "$ROLE" = fetch ] && { echo "$LIB_DIR"; exit 0; }

case "$ROLE" in
  jobmanager) MAIN=org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint; NODE_ARGS=(--executionMode cluster) ;;
  taskmanager) MAIN=org.apache.flink.runtime.taskexecutor.TaskManagerRunner; NODE_ARGS=() ;;
  *) echo "launch-node.sh: role must be fetch, jobmanager or taskmanager (got $ROLE)" >&2; exit 2 ;;
esac
[ -n "$HOME_DIR" ] || { echo "launch-node.sh: --home is required" >&2; exit 2; }
[ -n "$CONFIG_B64" ] || { echo "launch-node.sh: --config-b64 is required" >&2; exit 2; }

# ---- 2. configuration ---------------------------------------------------------------------------
CONF_DIR="$HOME_DIR/conf"; LOG_DIR="$HOME_DIR/log"; TMP_DIR="$HOME_DIR/tmp"
mkdir -p "$CONF_DIR" "$LOG_DIR" "$TMP_DIR"
printf '%s' "$CONFIG_B64" | base64 -d > "$CONF_DIR/config.yaml"
cat > "$CONF_DIR/log4j.properties" <<'LOG4J'
monitorInterval = 0
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = MainAppender
logger.akka.name = org.apache.pekko
logger.akka.level = WARN
logger.netty.name = org.apache.flink.shaded.netty4.io.netty
logger.netty.level = WARN
logger.awssdk.name = software.amazon.awssdk
logger.awssdk.level = WARN
appender.main.name = MainAppender
appender.main.type = File
appender.main.fileName = ${sys:log.file}
appender.main.append = true
appender.main.layout.type = PatternLayout
appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
LOG4J

# ---- 3. start -----------------------------------------------------------------------------------
# Java 17: what flink-dist's config.yaml puts in env.java.opts.all.
JAVA_MODULE_OPTS=(
  -XX:+IgnoreUnrecognizedVMOptions
  --add-exports=java.base/sun.net.util=ALL-UNNAMED
  --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED
  --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
)
MEM_OPTS=()
[ -n "$HEAP" ] && MEM_OPTS+=("-Xms$HEAP" "-Xmx$HEAP")
[ -n "$DIRECT" ] && MEM_OPTS+=("-XX:MaxDirectMemorySize=$DIRECT")
# shellcheck disable=SC2206
EXTRA=($EXTRA_OPTS)
CMD=("${JAVA:-java}" "${MEM_OPTS[@]}" "${JAVA_MODULE_OPTS[@]}" "${EXTRA[@]}"
  "-Djava.io.tmpdir=$TMP_DIR"
  "-Dlog.file=$LOG_DIR/$ROLE.log" "-Dlog4j.configurationFile=file:$CONF_DIR/log4j.properties"
  "-Dlog4j2.formatMsgNoLookups=true"
  -cp "$LIB_DIR/*" "$MAIN" --configDir "$CONF_DIR" "${NODE_ARGS[@]}")
if [ "$PRINT_ONLY" = 1 ]; then printf '%q ' "${CMD[@]}"; echo; exit 0; fi
cd "$HOME_DIR"
exec "${CMD[@]}"
