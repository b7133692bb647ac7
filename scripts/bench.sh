#!/usr/bin/env bash
# `make bench`: run every benchmark of bench/ in turn and print its figures (nothing passes or
# fails on time). Each script starts its own emulator on a loopback port.
# BENCH="core_refresh emulator_kv" make bench   runs a subset.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
mkdir -p bench/results
all="emulator_kv core_refresh core_overhead core_artifacts cli_startup cli_kv_cp pulumi_provider pulumi_connections ansible_lookup ansible_token_sharing"
for name in ${BENCH:-$all}; do
  echo
  echo "=================== bench/$name.py ==================="
  python "bench/$name.py"
done
