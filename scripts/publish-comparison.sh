#!/usr/bin/env bash
# Reproduces docs/reports/first-comparison/ — the first published comparison — from nothing but
# this repository and this machine:
#
#   bash scripts/publish-comparison.sh
#
# 1. measures: the compare files examples/runs/comparison-*.yaml (the local engine with
#    find-max; Flink 2.2 on this machine in a session cluster; Flock's architecture on the local
#    Lambda service; both fed through kinesalite), every Result kept;
# 2. projects: `streamscore plan --calibrate` with those Results (in a private calibration file,
#    not ~/.streamscore), then `plan --rates`, `plan --rate`, `plan --chart` and `plan --check`;
# 3. charts: `streamscore report` over the measured Results, query by query;
# 4. writes README.md with bench/comparison.ts, every number in it read from the files above.
#
# A step that fails (a backend error, a cluster that does not start) is recorded in
# failures.jsonl and listed in the report; the report is made from whatever was measured.
# The old folder is replaced only at the end. Takes ~15 minutes on a 2-core machine.
#
# Environment (for development): COMPARISON_WORK=DIR keeps the scratch folder (default: a new
# one under /tmp); COMPARISON_SKIP_MEASURE=1 reuses DIR's measured Results; COMPARISON_SKIP_BUILD=1.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT_FINAL=docs/reports/first-comparison
WORK=${COMPARISON_WORK:-$(mktemp -d /tmp/streamscore-first-comparison.XXXXXX)}
OUT=$WORK/out
SS=(node "$ROOT/packages/cli/bin/run.js")
SESSION=first-comparison
# Measured runs and plans, in this order: Flink while its session cluster is up, then the rest.
FLINK_FILES=(comparison-flink-2k comparison-flink-10k comparison-flink-30k)
OTHER_FILES=(comparison-flock-2k comparison-flock-10k comparison-local-10k comparison-local-findmax)
PLAN_WORKLOADS=(nexmark/q0 nexmark/q5 nexmark/q7 nexmark/q11 nexmark/q8 nexmark/q3)
DETAIL_WORKLOADS=(nexmark/q0 nexmark/q5 nexmark/q7 nexmark/q11 nexmark/q8)   # a plan at each rate below
CHART_WORKLOADS=(nexmark/q0 nexmark/q5)       # the planner's charts, and the uncalibrated contrast
DETAIL_RATES=(1000 10000 100000 1000000)
CHART_RATE=10000
slo_of() { case "$1" in nexmark/q0|nexmark/q1|nexmark/q2|nexmark/q3) echo 2s ;; *) echo 10s ;; esac; }

started=$(date +%s)
mkdir -p "$WORK"/{compare,logs,home,home-shipped} "$OUT"/{results,planner,charts,compare}
FAILURES=$OUT/failures.jsonl
: > "$FAILURES"
log() { printf '[%s +%4ss] %s\n' "$(date +%H:%M:%S)" "$(( $(date +%s) - started ))" "$*"; }
# fail STEP LOGFILE: one JSON line with the step and the last lines of its log
fail() {
  node -e '
    const [step, file, code] = process.argv.slice(1);
    let tail = "";
    try { tail = require("fs").readFileSync(file, "utf8").trim().split("\n").filter((l) => l.trim()).slice(-4).join("\n"); } catch {}
    process.stdout.write(JSON.stringify({ step, exitCode: Number(code), message: tail.slice(-1200) }) + "\n");
  ' "$1" "$2" "${3:-1}" >> "$FAILURES"
  log "FAILED: $1 (see $2)"
}

log "work folder: $WORK"
node -e '
  const os = require("os");
  console.log(JSON.stringify({ startedAt: new Date().toISOString(), loadavg: os.loadavg(), cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "", memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1), node: process.version, platform: os.platform(), release: os.release() }));
' > "$OUT/machine.json"
log "machine: $(cat "$OUT/machine.json")"

if [ -z "${COMPARISON_SKIP_BUILD:-}" ]; then
  log "build (npx tsc -b)"
  npx tsc -b > "$WORK/logs/build.log" 2>&1 || fail build "$WORK/logs/build.log" $?
fi

run_compare() { # NAME
  local name=$1 rc=0
  log "compare examples/runs/$name.yaml"
  "${SS[@]}" compare "examples/runs/$name.yaml" --out "$WORK/compare/$name" --json > "$WORK/compare/$name.json" 2> "$WORK/logs/$name.log" || rc=$?
  # exit 1 with a summary on stdout is a run whose answer was wrong (listed in the report from its
  # Result); anything else without a summary is a failure of the command itself.
  if ! node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); if (!Array.isArray(j.results)) process.exit(1);' "$WORK/compare/$name.json" 2>/dev/null; then
    cat "$WORK/compare/$name.json" >> "$WORK/logs/$name.log" 2>/dev/null
    fail "compare $name" "$WORK/logs/$name.log" "$rc"
  fi
  cp "$WORK/compare/$name.json" "$OUT/compare/$name.json" 2>/dev/null || true
}

if [ -z "${COMPARISON_SKIP_MEASURE:-}" ]; then
  rm -rf "$WORK/compare" && mkdir -p "$WORK/compare"
  # Flink: one session cluster on this machine for every Flink cell (~15 s to start, once).
  "${SS[@]}" flink session down "$SESSION" > /dev/null 2>&1 || true
  log "flink session up $SESSION"
  if "${SS[@]}" flink session up "$SESSION" --target local --knob taskmanagers=1 --parallelism 1 --json > "$WORK/flink-session.json" 2> "$WORK/logs/flink-session.log"; then
    trap '"${SS[@]}" flink session down "$SESSION" > /dev/null 2>&1 || true' EXIT
    for f in "${FLINK_FILES[@]}"; do run_compare "$f"; done
    log "flink session down $SESSION"
    "${SS[@]}" flink session down "$SESSION" >> "$WORK/logs/flink-session.log" 2>&1 || fail "flink session down" "$WORK/logs/flink-session.log" $?
    trap - EXIT
  else
    fail "flink session up (every Flink cell is missing)" "$WORK/logs/flink-session.log" $?
  fi
  for f in "${OTHER_FILES[@]}"; do run_compare "$f"; done
else
  log "reusing the measured Results in $WORK/compare"
  for f in "${FLINK_FILES[@]}" "${OTHER_FILES[@]}"; do cp "$WORK/compare/$f.json" "$OUT/compare/$f.json" 2>/dev/null || true; done
fi
cp "$WORK/flink-session.json" "$OUT/compare/flink-session.json" 2>/dev/null || true
for f in "${FLINK_FILES[@]}" "${OTHER_FILES[@]}"; do
  cp "$WORK/compare/$f"/results/*.json "$OUT/results/" 2>/dev/null || true
done
measured_s=$(( $(date +%s) - started ))
log "measured: $(ls "$OUT/results" | wc -l) Result(s)"

# --- the planner, calibrated with the measured Results (a private HOME: its own calibration file
# and the shipped price book, so nothing on this machine changes the projections) ---------------
plan() { # HOMEDIR OUTFILE ARGS...  (JSON output, kept gzipped)
  local home=$1 file=$2; shift 2
  local base; base=$(basename "$file")
  if HOME="$home" "${SS[@]}" plan "$@" --json > "$file" 2> "$WORK/logs/plan-$base.log"; then
    gzip -9f "$file"
  else
    cat "$file" >> "$WORK/logs/plan-$base.log" 2>/dev/null; rm -f "$file"
    fail "plan $*" "$WORK/logs/plan-$base.log" $?
  fi
}
rm -rf "$WORK/home" "$WORK/home-shipped" && mkdir -p "$WORK/home" "$WORK/home-shipped"
mapfile -t CAL < <(npx tsx bench/comparison.ts --calibration-set "$OUT/results" 2> "$WORK/logs/calibration-set.log")
if [ ${#CAL[@]} -gt 0 ]; then
  log "plan --calibrate (${#CAL[@]} Results)"
  plan "$WORK/home" "$OUT/planner/calibrate.json" --calibrate "${CAL[@]}"
  cp "$WORK/home/.streamscore/calibration.json" "$OUT/planner/calibration.json" 2>/dev/null || true
else
  fail "choosing the calibration Results" "$WORK/logs/calibration-set.log"
fi
for w in "${PLAN_WORKLOADS[@]}"; do
  q=${w#nexmark/}
  log "plan $w --rates 1000..1000000"
  plan "$WORK/home" "$OUT/planner/rates-$q.json" "$w" --rates 1000..1000000 --latency-slo "$(slo_of "$w")"
done
for w in "${CHART_WORKLOADS[@]}"; do
  q=${w#nexmark/}
  log "plan $w: the crossover and cost-vs-latency charts, and the uncalibrated contrast"
  plan "$WORK/home" "$OUT/planner/chart-$q.json" "$w" --rates 1000..1000000 --rate "$CHART_RATE" --latency-slo "$(slo_of "$w")" --chart "$OUT/charts/planner-$q"
  rm -f "$OUT/charts/planner-$q"/*.svg "$OUT/planner/chart-$q.json.gz"
  plan "$WORK/home-shipped" "$OUT/planner/rates-$q-shipped.json" "$w" --rates 1000..1000000 --latency-slo "$(slo_of "$w")"
done
for w in "${DETAIL_WORKLOADS[@]}"; do
  q=${w#nexmark/}
  log "plan $w at ${DETAIL_RATES[*]} events/s"
  for r in "${DETAIL_RATES[@]}"; do
    plan "$WORK/home" "$OUT/planner/plan-$q-$r.json" "$w" --rate "$r" --latency-slo "$(slo_of "$w")"
  done
done
if ls "$OUT"/results/*.json > /dev/null 2>&1; then
  log "plan --check"
  plan "$WORK/home" "$OUT/planner/check.json" --check "$OUT"/results/*.json
fi

# --- charts of the measured runs: one report per query, its runs at every rate and backend ---------
log "streamscore report (charts of the measured runs)"
npx tsx bench/comparison.ts --report-groups "$OUT/results" > "$WORK/groups.txt" 2> "$WORK/logs/groups.log" || fail "grouping Results for charts" "$WORK/logs/groups.log" $?
while read -r group files; do
  [ -n "$group" ] || continue
  # shellcheck disable=SC2086
  if "${SS[@]}" report $files --out "$WORK/report-$group" > "$WORK/logs/report-$group.log" 2>&1; then
    cp "$WORK/report-$group/charts/latency-percentiles.png" "$OUT/charts/measured-$group-latency-percentiles.png" 2>/dev/null || true
    case "$group" in q0|q5) cp "$WORK/report-$group/charts/latency-over-time.png" "$OUT/charts/measured-$group-latency-over-time.png" 2>/dev/null || true ;; esac
  else
    fail "report $group" "$WORK/logs/report-$group.log" $?
  fi
done < "$WORK/groups.txt"

# --- the README, from the files above ------------------------------------------------------------
elapsed=$(( $(date +%s) - started ))
log "bench/comparison.ts"
if npx tsx bench/comparison.ts --out "$OUT" --measured-seconds "$measured_s" --elapsed-seconds "$elapsed" > "$WORK/logs/comparison.log" 2>&1; then
  rm -rf "$OUT_FINAL" && mkdir -p "$(dirname "$OUT_FINAL")" && cp -r "$OUT" "$OUT_FINAL"
  log "done: $OUT_FINAL ($(du -sh "$OUT_FINAL" | cut -f1)), $(( $(date +%s) - started )) s in all"
else
  cat "$WORK/logs/comparison.log" >&2
  log "bench/comparison.ts failed; $OUT_FINAL left as it was, the work is in $WORK"
  exit 1
fi
