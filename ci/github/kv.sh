#!/usr/bin/env bash
# kv-set (with kv-value) then kv-get; the value read is the step output `kv-value`.
set -euo pipefail
. "$(dirname "$0")/_common.sh"
if [ -z "${TT_KV_SET:-}" ] && [ -z "${TT_KV_GET:-}" ]; then exit 0; fi
tt_connection_env

if [ -n "${TT_KV_SET:-}" ]; then
  [ -n "${TT_KV_VALUE:-}" ] || tt_fail "kv-value: required with kv-set (a JSON value, e.g. '{\"a\": 1}')"
  printf '%s' "$TT_KV_VALUE" | tt kv set "$TT_KV_SET" >/dev/null ||
    tt_fail "kv-set: could not store '$TT_KV_SET' (see the error above)"
  echo "Stored KV key '$TT_KV_SET'"
fi
if [ -n "${TT_KV_GET:-}" ]; then
  value=$(tt kv get "$TT_KV_GET") || tt_fail "kv-get: could not read '$TT_KV_GET' (see the error above)"
  tt_output kv-value "$value"
  echo "Read KV key '$TT_KV_GET' into steps.<id>.outputs.kv-value"
fi
