#!/usr/bin/env bash
# Checks of the terrateam.api collection (called by `make test` / `make ansible-test`):
#   1. ansible-test sanity --venv (no ignore file entries) and ansible-test units --venv,
#      run from a copy at <tmp>/ansible_collections/terrateam/api;
#   2. ansible-test integration --venv: tests/integration/targets/* against an emulator started
#      here on 127.0.0.1 (URL and key reach the targets through tests/integration/
#      integration_config.yml, as community.hashi_vault does);
#   3. the molecule scenario extensions/molecule/default (emulator started in `create`).
# ansible-test's venvs get this toolkit (terrateam_core) through tests/{unit,integration}/
# requirements.txt written into the copy (the repo's own path: not committed).
# Works offline except for PyPI: ansible-test's pip bootstrap script normally comes from
# ci-files.testing.ansible.com, so we pre-seed its cache with a shim that uses ensurepip.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV_BIN=${VENV_BIN:-$ROOT/.venv/bin}
PY_VERSION=${ANSIBLE_TEST_PYTHON:-3.11}
export PATH="$VENV_BIN:$PATH"
export ANSIBLE_NOCOLOR=1 PY_COLORS=0

WORK=$(mktemp -d "${TMPDIR:-/tmp}/terrateam-ansible-test.XXXXXX")
EMULATOR_PID=
cleanup() {
  if [ -n "$EMULATOR_PID" ]; then kill "$EMULATOR_PID" 2>/dev/null || true; wait "$EMULATOR_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
COLL="$WORK/ansible_collections/terrateam/api"
mkdir -p "$COLL"
# A copy (not a link) so ansible-test's output and caches never land in the work tree.
tar -C "$ROOT/ansible_collection" --exclude=./tests/output --exclude=./collections \
    --exclude='__pycache__' --exclude='*.pyc' -cf - . | tar -C "$COLL" -xf -

# The offline pip bootstrap shim, under every get_pip_<X_Y>.py name this ansible-test uses.
CACHE="$HOME/.ansible/test/cache"
mkdir -p "$CACHE"
REQS=$(python -c 'import ansible_test, os; print(os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py"))')
for ver in $(grep -oE "pip='[0-9]+\.[0-9]+" "$REQS" | sed -E "s/pip='//; s/\./_/" | sort -u); do
  cat > "$CACHE/get_pip_${ver}.py" <<'SHIM'
"""Offline stand-in for ansible-test's pip bootstrap: pip from the interpreter's own ensurepip
wheel, then that pip installs the requested packages from the configured index (PyPI)."""
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install"] + args))
SHIM
done

# terrateam_core for the units and integration venvs: this checkout, installed by path.
mkdir -p "$COLL/tests/unit" "$COLL/tests/integration"
# units: with the emulator extra, since the installed distribution registers the emulator's
# pytest plugin (a pytest11 entry point), which pytest loads in ansible-test's units run too.
printf '%s\n' "$ROOT[emulator]" > "$COLL/tests/unit/requirements.txt"
printf '%s\n' "$ROOT" > "$COLL/tests/integration/requirements.txt"

if [ -e "$ROOT/ansible_collection/tests/sanity" ] && grep -rqsv '^\s*\(#.*\)\?$' "$ROOT/ansible_collection/tests/sanity"; then
  echo "ansible-test.sh: tests/sanity/ignore-*.txt must stay empty" >&2
  exit 1
fi

cd "$COLL"
if [ "${SKIP_SANITY:-0}" != 1 ]; then
  echo "== ansible-test sanity --venv --python $PY_VERSION"
  ansible-test sanity --venv --python "$PY_VERSION" --color no
fi
if [ "${SKIP_UNITS:-0}" != 1 ]; then
  echo "== ansible-test units --venv --python $PY_VERSION"
  ansible-test units --venv --python "$PY_VERSION" --color no
fi

if [ "${SKIP_INTEGRATION:-0}" != 1 ]; then
  echo "== ansible-test integration --venv --python $PY_VERSION (emulator on 127.0.0.1)"
  terrateam-emulator serve --seed demo --db "sqlite:///$WORK/emulator.db" --port 0 --port-file "$WORK/emulator.port" \
      --api-key-file "$WORK/emulator.key" >"$WORK/emulator.log" 2>&1 &
  EMULATOR_PID=$!
  for _ in $(seq 300); do [ -s "$WORK/emulator.port" ] && [ -s "$WORK/emulator.key" ] && break; sleep 0.1; done
  [ -s "$WORK/emulator.port" ] || { echo "ansible-test.sh: the emulator did not start" >&2; cat "$WORK/emulator.log" >&2; exit 1; }
  URL="http://127.0.0.1:$(cat "$WORK/emulator.port")"
  ( umask 077
    cat > "$COLL/tests/integration/integration_config.yml" <<CONFIG
terrateam_base_url: $URL
terrateam_api_key: $(cat "$WORK/emulator.key")
terrateam_installation_id: 12345
terrateam_stats_url: $URL/_emulator/stats
CONFIG
  )
  (cd "$COLL" && ansible-test integration --venv --python "$PY_VERSION" --color no)
  kill "$EMULATOR_PID" 2>/dev/null || true
  wait "$EMULATOR_PID" 2>/dev/null || true
  EMULATOR_PID=
fi

if [ "${SKIP_MOLECULE:-0}" != 1 ]; then
  echo "== molecule test (extensions/molecule/default)"
  # Run from the work tree (the converge imports examples/ansible/site.yml) against the copy.
  cd "$ROOT/ansible_collection/extensions"
  ANSIBLE_COLLECTIONS_PATH="$WORK" MOLECULE_EPHEMERAL_DIRECTORY="$WORK/molecule" \
    molecule test --scenario-name default
fi
echo "ansible-test.sh: all collection checks passed"
