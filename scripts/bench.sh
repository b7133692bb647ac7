#!/usr/bin/env bash
# `make bench`: run every benchmark of bench/ in turn, print its figures and write them to
# bench/results/<name>.json (nothing passes or fails on time), then draw one SVG per figure
# with bench/charts.py. Each script starts its own emulator on a loopback port.
# BENCH="core_refresh emulator_kv" make bench   runs a subset.
# A bench that fails is reported at the end; the others still run and are still charted.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
mkdir -p bench/results
all="emulator_kv core_refresh core_overhead core_artifacts cli_startup cli_kv_batch cli_kv_cp pulumi_provider pulumi_connections ansible_lookup ansible_token_sharing"
failed=""
for name in ${BENCH:-$all}; do
  echo
  echo "=================== bench/$name.py ==================="
  args=()
  if grep -qs -- '"--json"' "bench/$name.py"; then
    args=(--json "bench/results/$name.json")
  else
    echo "(bench/$name.py has no --json: figures printed, not charted)"
  fi
  python "bench/$name.py" "${args[@]}" || failed="$failed $name"
done
echo
python bench/charts.py
if [ -n "$failed" ]; then
  echo "bench: these benchmarks failed:$failed" >&2
  exit 1
fi
