#!/usr/bin/env bash
# Reproduces docs/reports/first-comparison/ from this repository and this machine:
#
#   bash scripts/publish-comparison.sh
#
# 1. `streamscore campaign` runs examples/publish/first-comparison.campaign.yaml (every Result
#    kept, resumable from its journal if interrupted: run the script again with the same
#    COMPARISON_WORK);
# 2. `streamscore publish` writes the report from the Results the campaign's journal cites (it
#    fails if one is missing, and copies every one into the report).
# The old folder is replaced only when both steps succeed.
#
# Re-render without measuring (after a change to the planner or the report's writer): publish
# from the Results the report already carries, each cell of the campaign matched to the one
# Result of its configuration (no campaign folder or journal needed):
#
#   npm run build && node packages/cli/bin/run.js publish examples/publish/first-comparison.campaign.yaml \
#     --results docs/reports/first-comparison/results --out docs/reports/first-comparison
#
# Environment: COMPARISON_WORK=DIR keeps the campaign folder (default: a new one under /tmp).
set -euo pipefail
cd "$(dirname "$0")/.."
CAMPAIGN=examples/publish/first-comparison.campaign.yaml
OUT_FINAL=docs/reports/first-comparison
WORK=${COMPARISON_WORK:-$(mktemp -d /tmp/streamscore-first-comparison.XXXXXX)}
SS=(node packages/cli/bin/run.js)

npm run build --silent
"${SS[@]}" campaign "$CAMPAIGN" --out "$WORK/campaign" --yes
rm -rf "$WORK/report"
"${SS[@]}" publish "$CAMPAIGN" --from "$WORK/campaign" --out "$WORK/report"
rm -rf "$OUT_FINAL"
mv "$WORK/report" "$OUT_FINAL"
echo "published $OUT_FINAL (campaign folder: $WORK/campaign)"
