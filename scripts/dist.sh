#!/usr/bin/env bash
# `make dist`: the artifacts users install, in dist/:
#   terrateam_toolkit-<v>-py3-none-any.whl and terrateam_toolkit-<v>.tar.gz (python -m build:
#   the sdist first, then the wheel built from it, so a file missing from the sdist shows up),
#   terrateam-api-<v>.tar.gz (ansible-galaxy collection build of ansible_collection/).
# The collection's version must be the toolkit's (terrateam_core/_version.py).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV_BIN=${VENV_BIN:-$ROOT/.venv/bin}
PY=$VENV_BIN/python
cd "$ROOT"

fail() { echo "dist: $*" >&2; exit 1; }

VERSION=$("$PY" -c 'import re, sys; print(re.search(r"__version__ = \"([^\"]+)\"", open(sys.argv[1]).read())[1])' terrateam_core/_version.py)
GALAXY=$("$PY" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["version"])' ansible_collection/galaxy.yml)
[ "$VERSION" = "$GALAXY" ] || fail "ansible_collection/galaxy.yml version $GALAXY differs from terrateam_core/_version.py $VERSION: set galaxy.yml's version to $VERSION"
grep -qx "terrateam-toolkit>=$VERSION" ansible_collection/requirements.txt \
  || fail "ansible_collection/requirements.txt must name terrateam-toolkit>=$VERSION (the controller dependency of this release)"
"$PY" -c 'import sys, yaml; sys.exit(sys.argv[2] not in (yaml.safe_load(open(sys.argv[1]))["releases"] or {}))' \
    ansible_collection/changelogs/changelog.yaml "$VERSION" \
  || fail "ansible_collection/changelogs/changelog.yaml has no release $VERSION: run scripts/collection-changelog.sh release"

"$PY" -c 'import build' 2>/dev/null || "$PY" -m pip install -q build
mkdir -p dist
rm -f "dist/terrateam_toolkit-$VERSION-py3-none-any.whl" "dist/terrateam_toolkit-$VERSION.tar.gz" \
      "dist/terrateam-api-$VERSION.tar.gz"
"$PY" -m build --outdir dist . >dist/.build.log 2>&1 || { cat dist/.build.log >&2; fail "python -m build failed (output above)"; }
"$VENV_BIN/ansible-galaxy" collection build ansible_collection --output-path dist --force >/dev/null
for f in "terrateam_toolkit-$VERSION-py3-none-any.whl" "terrateam_toolkit-$VERSION.tar.gz" "terrateam-api-$VERSION.tar.gz"; do
  [ -s "dist/$f" ] || fail "dist/$f was not built"
  printf '%-44s %8s bytes\n' "dist/$f" "$(wc -c <"dist/$f")"
done
