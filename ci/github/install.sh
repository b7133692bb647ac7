#!/usr/bin/env bash
# Install terrateam-toolkit for the job (or reuse an interpreter that has it) and print
# `python=<interpreter>` to GITHUB_OUTPUT. $1: extras, e.g. "[emulator]".
#   TT_INSTALL  "true" (default): a private venv under RUNNER_TEMP; "false": use TT_PYTHON as is
#   TT_VERSION  a released version to install from the package index; empty: TT_SOURCE
#   TT_SOURCE   the toolkit's source tree (the action's own checkout)
#   TT_PYTHON   interpreter to create the venv with, or to use when TT_INSTALL is false
set -euo pipefail
. "$(dirname "$0")/_common.sh"

extra=${1:-}
python=${TT_PYTHON:-python3}
case "${TT_INSTALL:-true}" in
  true | false) ;;
  *) tt_fail "install: expected true or false, got '${TT_INSTALL}'" ;;
esac

if [ "${TT_INSTALL:-true}" = false ]; then
  modules=terrateam_core
  if [ -n "$extra" ]; then modules="terrateam_core, terrateam_emulator.__main__, fastapi"; fi
  "$python" -c "import $modules" 2>/dev/null ||
    tt_fail "python: '$python' cannot import the toolkit${extra:+ with its $extra extra}; install it there or set install: true"
  py=$("$python" -c 'import sys; print(sys.executable)')
else
  venv="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/terrateam-toolkit"
  if [ -n "${TT_VERSION:-}" ]; then
    tt_single_line version "$TT_VERSION"
    spec="terrateam-toolkit${extra}==${TT_VERSION}"
  else
    [ -f "${TT_SOURCE:-}/pyproject.toml" ] || tt_fail "version: empty, and no toolkit source at '${TT_SOURCE:-}'"
    TT_SOURCE=$(cd "$TT_SOURCE" && pwd -P)
    spec="${TT_SOURCE}${extra}"
  fi
  marker="$venv/.terrateam-installed"
  # A venv another step of this job made is reused when it already holds this spec (or the
  # same with extras): the emulator action and the main action share one install.
  done_already=false
  if [ -f "$marker" ]; then
    while IFS= read -r line; do
      base=${line%%\[*}
      if [ "$line" = "$spec" ] || { [ -z "$extra" ] && [ "$base" = "$spec" ]; }; then
        done_already=true
      fi
    done <"$marker"
  fi
  if [ "$done_already" = false ]; then
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv" || tt_fail "python: '$python' cannot create a venv"
    echo "Installing $spec into $venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$spec" ||
      tt_fail "install: pip could not install $spec"
    printf '%s\n' "$spec" >>"$marker"
  fi
  py="$venv/bin/python"
fi

"$py" -m terrateam_core.cli --version
bindir=$(dirname "$py")
# Later steps can call `terrateam` (and `terrateam-emulator`) directly.
if [ -x "$bindir/terrateam" ]; then echo "$bindir" >>"$GITHUB_PATH"; fi
tt_output python "$py"
