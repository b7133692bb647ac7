#!/usr/bin/env bash
# `make conformance`: measure a Terrateam server against the contract (docs/conformance.md).
#   TERRATEAM_BASE_URL / TERRATEAM_API_KEY / TERRATEAM_INSTALLATION_ID: the server to measure;
#   CONFORMANCE_FLAGS: extra flags (e.g. "--writes --slow").
# Without TERRATEAM_BASE_URL it starts a local emulator (demo seed, in-memory database, a free
# loopback port), measures it with --writes, and stops it.
set -euo pipefail
PY=${PY:-.venv/bin/python}
flags=(${CONFORMANCE_FLAGS:-})
if [ -n "${TERRATEAM_BASE_URL:-}" ]; then
  inst=()
  if [ -n "${TERRATEAM_INSTALLATION_ID:-}" ]; then inst=(--installation-id "$TERRATEAM_INSTALLATION_ID"); fi
  # The key is read from TERRATEAM_API_KEY by the runner: it never appears on a command line.
  exec "$PY" -m terrateam_emulator conformance --base-url "$TERRATEAM_BASE_URL" "${inst[@]}" "${flags[@]}"
fi
dir=$(mktemp -d)
chmod 700 "$dir"
"$PY" -m terrateam_emulator serve --db sqlite:// --seed demo --port 0 \
  --port-file "$dir/port" --api-key-file "$dir/key" >"$dir/log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 300); do
  [ -s "$dir/port" ] && [ -s "$dir/key" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/log" >&2; exit 1; }
  sleep 0.1
done
[ -s "$dir/port" ] || { echo "conformance: the emulator did not start" >&2; exit 1; }
TERRATEAM_API_KEY=$(cat "$dir/key") "$PY" -m terrateam_emulator conformance \
  --base-url "http://127.0.0.1:$(cat "$dir/port")" --installation-id 12345 --writes "${flags[@]}"
