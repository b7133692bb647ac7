#!/usr/bin/env bash
# Exchange the API key for an access token; expose it masked, and the connection settings as
# environment for the job's later steps (TT_EXPORT_ENV=true).
set -euo pipefail
. "$(dirname "$0")/_common.sh"
tt_connection_env

if [ -z "${TERRATEAM_API_KEY:-}" ] && [ -z "${TERRATEAM_ACCESS_TOKEN:-}" ] && [ -z "${TTM_API_KEY:-}" ]; then
  tt_fail "api-key: empty; pass a secret, e.g. api-key: \${{ secrets.TERRATEAM_API_KEY }}"
fi
token=$(tt token) || tt_fail "api-key: could not exchange it for an access token (see the error above)"
echo "::add-mask::$token"
tt_output access-token "$token"

case "${TT_EXPORT_ENV:-true}" in
  true)
    # The API key (not the 60-second token) is what later `terrateam` calls refresh from.
    for name in TERRATEAM_API_KEY TERRATEAM_BASE_URL TERRATEAM_VCS TERRATEAM_INSTALLATION_ID; do
      if [ -n "${!name:-}" ]; then tt_export "$name" "${!name}"; fi
    done
    tt_export TERRATEAM_ACCESS_TOKEN "$token"
    ;;
  false) ;;
  *) tt_fail "export-env: expected true or false, got '${TT_EXPORT_ENV}'" ;;
esac
echo "Authenticated to Terrateam; access token in steps.<id>.outputs.access-token (masked)"
