#!/usr/bin/env bash
# artifact-push then artifact-pull: one "KEY PATH" per line (the first blank separates them;
# empty lines and lines starting with # are skipped).
set -euo pipefail
. "$(dirname "$0")/_common.sh"
if [ -z "${TT_ARTIFACT_PUSH//[[:space:]]/}" ] && [ -z "${TT_ARTIFACT_PULL//[[:space:]]/}" ]; then exit 0; fi
tt_connection_env

each_pair() {
  # input name, lines, command (push|pull)
  local input=$1 lines=$2 verb=$3 key path
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    case "$line" in '' | '#'*) continue ;; esac
    read -r key path <<<"$line"
    [ -n "${path:-}" ] || tt_fail "$input: '$line' should be 'KEY PATH'"
    if [ "$verb" = push ]; then
      tt artifact push "$key" "$path" -o json >/dev/null ||
        tt_fail "$input: could not push $path as '$key' (see the error above)"
      echo "Pushed $path as artifact '$key'"
    else
      tt artifact pull "$key" "$path" -o json >/dev/null ||
        tt_fail "$input: could not pull '$key' into $path (see the error above)"
      echo "Pulled artifact '$key' into $path"
    fi
  done <<<"$lines"
}
each_pair artifact-push "${TT_ARTIFACT_PUSH:-}" push
each_pair artifact-pull "${TT_ARTIFACT_PULL:-}" pull
