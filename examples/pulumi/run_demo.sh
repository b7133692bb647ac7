#!/usr/bin/env bash
# `make demo` runs this: with the Pulumi CLI when it is installed, otherwise the same resources
# through the engine stand-in (pulumi_terrateam.testing.Engine), which needs no CLI.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
py="${PYTHON:-$root/.venv/bin/python}"
[ -x "$py" ] || py="$(command -v python3)"

if command -v pulumi >/dev/null 2>&1; then
  echo "pulumi demo: using the Pulumi CLI ($(pulumi version))"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"; [ -n "${emu_pid:-}" ] && kill "$emu_pid" 2>/dev/null || true' EXIT
  if [ -z "${TERRATEAM_BASE_URL:-}" ] || [ -z "${TERRATEAM_API_KEY:-}" ]; then
    "$py" "$here/emulator_env.py" > "$work/endpoint" &
    emu_pid=$!
    for _ in $(seq 100); do [ -s "$work/endpoint" ] && break; sleep 0.1; done
    read -r TERRATEAM_BASE_URL TERRATEAM_API_KEY < "$work/endpoint"
    echo "pulumi demo: started a Terrateam emulator at $TERRATEAM_BASE_URL"
  fi
  export PULUMI_BACKEND_URL="file://$work" PULUMI_CONFIG_PASSPHRASE="demo-only"
  export PULUMI_PYTHON_CMD="$py"
  cd "$here"
  pulumi stack init dev --non-interactive >/dev/null
  pulumi config set terrateam:baseUrl "$TERRATEAM_BASE_URL"
  printf '%s' "$TERRATEAM_API_KEY" | pulumi config set --secret terrateam:apiKey
  pulumi config set terrateam:installationId "${TERRATEAM_INSTALLATION_ID:-12345}"
  pulumi up --yes --skip-preview
  pulumi up --yes --expect-no-changes
  pulumi destroy --yes
  pulumi stack rm dev --yes --force >/dev/null
else
  echo "pulumi demo: the Pulumi CLI is not installed; running the same resources through the"
  echo "pulumi demo: engine stand-in (pulumi_terrateam.testing.Engine drives python -m pulumi.dynamic)"
  exec "$py" "$here/engine_demo.py"
fi
