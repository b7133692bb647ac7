#!/usr/bin/env bash
# Start the Terrateam emulator in the background for the job's own tests.
#   TT_PORT (0 = a free port), TT_SEED ("demo", a seed file, or empty), TT_DB (SQLAlchemy URL),
#   TT_EDITION, TT_SELECT_MODE, TT_ARGS (more `serve` flags), TT_EXPORT_ENV (true|false).
# Outputs: port, base-url, api-key (masked), installation-id, pid, log-file.
set -euo pipefail
. "$(dirname "$0")/_common.sh"
[ -n "${TT_PY:-}" ] || tt_fail "python: no interpreter from the install step"
case "${TT_PORT:-0}" in '' | *[!0-9]*) tt_fail "port: expected a number (0 = any free port), got '${TT_PORT}'" ;; esac

dir=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/terrateam-emulator.XXXXXX")
args=(serve --host 127.0.0.1 --port "${TT_PORT:-0}" --db "${TT_DB:-sqlite://}"
  --port-file "$dir/port" --api-key-file "$dir/api-key"
  --edition "${TT_EDITION:-enterprise}" --select-mode "${TT_SELECT_MODE:-faithful}")
if [ -n "${TT_SEED:-}" ]; then args+=(--seed "$TT_SEED"); fi
if [ -n "${TT_ARGS:-}" ]; then
  read -r -a more <<<"$TT_ARGS"
  args+=("${more[@]}")
fi
# Detached from the step's stdio so the step ends while the server keeps running; the runner
# stops it with the job (or: kill "$pid").
nohup "$TT_PY" -m terrateam_emulator "${args[@]}" </dev/null >"$dir/log" 2>&1 &
pid=$!

ready() {
  # Port written, socket accepting, and (with a seed) the demo key written.
  [ -s "$dir/port" ] || return 1
  if [ -n "${TT_SEED:-}" ] && [ ! -s "$dir/api-key" ]; then return 1; fi
  (exec 3<>"/dev/tcp/127.0.0.1/$(tr -d '[:space:]' <"$dir/port")") 2>/dev/null
}
for _ in $(seq 1 600); do
  if ready; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then
    grep -v TERRATEAM_API_KEY "$dir/log" >&2 || true
    tt_fail "the emulator exited during start-up (log above)"
  fi
  sleep 0.1
done
ready || { kill "$pid" 2>/dev/null; tt_fail "the emulator did not start within 60 s (log: $dir/log)"; }
port=$(tr -d '[:space:]' <"$dir/port")
url="http://127.0.0.1:$port"
tt_output port "$port"
tt_output base-url "$url"
tt_output pid "$pid"
tt_output log-file "$dir/log"

key=""
if [ -s "$dir/api-key" ]; then
  key=$(tr -d '[:space:]' <"$dir/api-key")
  echo "::add-mask::$key"
  tt_output api-key "$key"
fi
# The demo seed's GitHub installation (docs/emulator-seed.md).
installation=""
if [ "${TT_SEED:-}" = demo ]; then installation=12345; fi
tt_output installation-id "$installation"

case "${TT_EXPORT_ENV:-true}" in
  true)
    tt_export TERRATEAM_BASE_URL "$url"
    if [ -n "$key" ]; then tt_export TERRATEAM_API_KEY "$key"; fi
    if [ -n "$installation" ]; then tt_export TERRATEAM_INSTALLATION_ID "$installation"; fi
    ;;
  false) ;;
  *) tt_fail "export-env: expected true or false, got '${TT_EXPORT_ENV}'" ;;
esac
echo "Terrateam emulator listening on $url (pid $pid)"
