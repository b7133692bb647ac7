#!/usr/bin/env bash
# `make demo`: the toolkit's CI story against a local emulator, end to end.
#
# Starts terrateam-emulator on SQLite (demo seed) in the background, then drives it with the
# `terrateam` CLI the way a CI job would: mint a scoped key, push an artifact, pull it back and
# compare, list work manifests, print a report. Then the Pulumi and Ansible demos run against
# the same server, if they exist. Any failing step fails the demo; the emulator is always stopped.
# Run from the repository root with .venv/bin on PATH (the Makefile does both).
# DEMO_EXAMPLES=0 runs only the CLI part (the test suite does that).
set -euo pipefail

cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/terrateam-demo.XXXXXX")"
EMULATOR_PID=""

cleanup() {
  local rc=$?
  if [[ -n "$EMULATOR_PID" ]] && kill -0 "$EMULATOR_PID" 2>/dev/null; then
    kill "$EMULATOR_PID" 2>/dev/null || true
    wait "$EMULATOR_PID" 2>/dev/null || true
  fi
  if [[ $rc -ne 0 && -s "$WORK/emulator.log" ]]; then
    echo "--- emulator log (last 30 lines) ---" >&2
    # The emulator prints its demo API key at start-up: never echo credentials.
    tail -n 30 "$WORK/emulator.log" | sed -E 's/eyJ[A-Za-z0-9_.-]+/[REDACTED]/g' >&2 || true
  fi
  rm -rf "$WORK"
  if [[ $rc -eq 0 ]]; then echo "demo: OK"; else echo "demo: FAILED (exit $rc)" >&2; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -t 1 && -z "${NO_COLOR:-}" ]]; then BOLD=$'\033[1m' PLAIN=$'\033[0m'; else BOLD="" PLAIN=""; fi
step() { printf '\n%s== %s%s\n' "$BOLD" "$*" "$PLAIN"; }

step "start the emulator (SQLite, demo seed)"
terrateam-emulator serve --seed demo --port 0 \
  --port-file "$WORK/port" --api-key-file "$WORK/admin.key" \
  --db "sqlite:///$WORK/demo.db" >"$WORK/emulator.log" 2>&1 &
EMULATOR_PID=$!

for _ in $(seq 1 600); do  # up to 60 s: a loaded CI machine starts slowly
  [[ -s "$WORK/port" && -s "$WORK/admin.key" ]] && break
  kill -0 "$EMULATOR_PID" 2>/dev/null || { echo "emulator exited early" >&2; exit 1; }
  sleep 0.1
done
PORT_TEXT="$(tr -d '[:space:]' <"$WORK/port")"
if [[ "$PORT_TEXT" == http* ]]; then BASE_URL="$PORT_TEXT"; else BASE_URL="http://127.0.0.1:$PORT_TEXT"; fi

python - "$BASE_URL/health" <<'PY'
import sys, time, urllib.request
url = sys.argv[1]
for _ in range(100):
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            if r.status == 200:
                sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(f"no 200 from {url}")
PY
echo "emulator up at $BASE_URL"

export TERRATEAM_BASE_URL="$BASE_URL"
export TERRATEAM_API_KEY="$(cat "$WORK/admin.key")"
export TERRATEAM_INSTALLATION_ID=12345
export TERRATEAM_CONFIG_FILE="$WORK/config.toml"   # never touch the user's own profiles
export NO_COLOR=1

step "terrateam auth status (where each setting comes from; the key checked once)"
terrateam auth status -o table

step "mint a scoped CI key (printed nowhere: written 0600 to a file)"
echo "(Terrateam grants a new key only capabilities its creator holds. The demo key has no"
echo " installation_id capability, so the warning below is expected: the CI key still reaches"
echo " installation 12345 through the user's membership.)"
terrateam api-keys create ci --cap kv_store_read --cap kv_store_write \
  --cap installation_id=12345 --output-file "$WORK/ci.key" -o table

step "as the CI key: push an artifact, pull it back, compare"
python - "$WORK/plan.bin" <<'PY'
import os, sys
with open(sys.argv[1], "wb") as fh:
    fh.write(os.urandom(3 * 1024 * 1024 + 12345))
PY
TERRATEAM_API_KEY="$(cat "$WORK/ci.key")" terrateam artifact push demo/plan "$WORK/plan.bin" >/dev/null
TERRATEAM_API_KEY="$(cat "$WORK/ci.key")" terrateam artifact pull demo/plan "$WORK/plan.out" >/dev/null
cmp "$WORK/plan.bin" "$WORK/plan.out"
echo "round trip OK ($(wc -c <"$WORK/plan.bin") bytes)"
TERRATEAM_API_KEY="$(cat "$WORK/ci.key")" terrateam artifact info demo/plan -o table

step "terrateam work-manifests list --limit 5"
terrateam work-manifests list --limit 5 -o table

step "terrateam report --since 365d --format markdown (the first 25 lines)"
terrateam report --since 365d --format markdown --slowest 3 >"$WORK/report.md"
sed -n '1,25p' "$WORK/report.md"
echo "… ($(wc -l <"$WORK/report.md") lines in all; \`terrateam report\` prints the rest)"

for demo in examples/pulumi/run_demo.sh examples/ansible/run_demo.sh; do
  if [[ "${DEMO_EXAMPLES:-1}" == 0 ]]; then
    echo "(skipping $demo: DEMO_EXAMPLES=0)"
  elif [[ -f "$demo" ]]; then
    step "$demo"
    bash "$demo"
  else
    echo "(skipping $demo: not present)"
  fi
done
