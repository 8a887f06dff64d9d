#!/usr/bin/env bash
# Regenerates reports/ (the committed example reports) from the bundled samples, in one command:
#
#   scripts/regen-reports.sh                 # builds the release binary, writes reports/
#   scripts/regen-reports.sh KEYPLAN [OUT]   # with a given binary, into OUT (default reports/)
#
# Every sample plan (samples/*/plan.toml) becomes a report bundle reports/NAME-plan/ (report.md,
# report.html, report.json, CSV tables, charts/); two one-shot analyses are kept as Markdown. The
# output is deterministic, so a clean tree after running this means reports/ is up to date; the
# test `reports_are_up_to_date` (tests/cli/reports.rs) runs this script into a temporary directory
# and fails when a byte differs.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ge 1 ]; then
  keyplan=$1
else
  cargo build --release --quiet
  keyplan=target/release/keyplan
fi
out=${2:-reports}
mkdir -p "$out"

"$keyplan" analyze samples/flights/flights.csv.gz --key tailnum -p 6,12,24,48 --format markdown \
  -o "$out/flights-tailnum.md"
"$keyplan" analyze samples/synthetic/hot_key.csv --key tenant_id -p 8..32:8 --format markdown \
  -o "$out/hot-key.md"
for plan in samples/*/plan.toml; do
  name=$(basename "$(dirname "$plan")")
  "$keyplan" plan "$plan" --out "$out/$name-plan" >/dev/null
done
