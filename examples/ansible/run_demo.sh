#!/usr/bin/env bash
# Run the terrateam.api example playbook (called by `make demo`).
# Needs TERRATEAM_BASE_URL and TERRATEAM_API_KEY (and optionally TERRATEAM_INSTALLATION_ID,
# default 12345, the emulator's demo installation). Runs the playbook twice: the second run
# must change nothing; then once more rotating the CI key.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
VENV_BIN=${VENV_BIN:-$ROOT/.venv/bin}
: "${TERRATEAM_BASE_URL:?set TERRATEAM_BASE_URL}"
: "${TERRATEAM_API_KEY:?set TERRATEAM_API_KEY}"
export TERRATEAM_INSTALLATION_ID=${TERRATEAM_INSTALLATION_ID:-12345}
export TERRATEAM_DEMO_DIR=${TERRATEAM_DEMO_DIR:-$ROOT/.demo/ansible}

# The collection is used straight from the work tree through a linked collections path.
COLLECTIONS=$(mktemp -d)
trap 'rm -rf "$COLLECTIONS"' EXIT
mkdir -p "$COLLECTIONS/ansible_collections/terrateam"
ln -s "$ROOT/ansible_collection" "$COLLECTIONS/ansible_collections/terrateam/api"
export ANSIBLE_COLLECTIONS_PATH=$COLLECTIONS ANSIBLE_NOCOLOR=1
export ANSIBLE_PYTHON_INTERPRETER=$VENV_BIN/python

run() { "$VENV_BIN/ansible-playbook" -i "$HERE/inventory.ini" "$HERE/site.yml" "$@"; }
echo "== first run"
run
echo "== second run (expect changed=0)"
out=$(run) && echo "$out"
if echo "$out" | grep -E 'changed=[1-9]' >/dev/null; then
  echo "run_demo.sh: the second run changed something" >&2
  exit 1
fi
echo "== rotate the CI key"
run -e ci_key_recreate=always
echo "== files delivered under $TERRATEAM_DEMO_DIR"
ls -l "$TERRATEAM_DEMO_DIR"/app1 "$TERRATEAM_DEMO_DIR"/app2
