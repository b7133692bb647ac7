#!/usr/bin/env bash
# Run the emulator contract suite and the reliability tests on PostgreSQL.
#   scripts/test-postgres.sh [extra pytest args]
# Starts a private cluster (scripts/pg.sh: installs Debian's postgresql when missing) in a temp
# dir on a free loopback port, points the fixtures at it (TERRATEAM_EMULATOR_TEST_DB), runs
# pytest, and always stops the cluster. No Docker.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-$here/.venv/bin/python}
[ -x "$py" ] || py=python3

tmp=$(mktemp -d)
port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
cleanup() { "$here/scripts/pg.sh" stop "$tmp/pg" || true; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM

url=$("$here/scripts/pg.sh" start "$tmp/pg" "$port")
echo "test-postgres: cluster on 127.0.0.1:$port" >&2
cd "$here"
# Two workers: the pytest plugin gives each its own database (<name>_gw0, <name>_gw1).
TERRATEAM_EMULATOR_TEST_DB=$url "$py" -m pytest tests/emulator tests/reliability \
  -m "not slow" -q -n 2 --dist loadgroup "$@"
