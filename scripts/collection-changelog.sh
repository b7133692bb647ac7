#!/usr/bin/env bash
# The terrateam.api changelog, kept the way collections keep one (antsibull-changelog):
#   scripts/collection-changelog.sh           lint the fragments, re-render CHANGELOG.rst
#                                            from changelogs/changelog.yaml
#   scripts/collection-changelog.sh release   turn changelogs/fragments/*.yml into the release
#                                            of the toolkit's version (terrateam_core/_version.py),
#                                            new modules and plugins included, and re-render
# antsibull-changelog is installed into .venv on first use (it is not a dev dependency).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV_BIN=${VENV_BIN:-$ROOT/.venv/bin}
[ -x "$VENV_BIN/antsibull-changelog" ] || "$VENV_BIN/python" -m pip install -q antsibull-changelog
export PATH="$VENV_BIN:$PATH"
cd "$ROOT/ansible_collection"

antsibull-changelog lint
case "${1:-generate}" in
  generate)
    antsibull-changelog generate
    ;;
  release)
    VERSION=$(python -c 'import re, sys; print(re.search(r"__version__ = \"([^\"]+)\"", open(sys.argv[1]).read())[1])' "$ROOT/terrateam_core/_version.py")
    # Plugin discovery runs ansible-doc, which finds the collection only under
    # ansible_collections/<namespace>/<name>: release in a copy laid out that way.
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/terrateam-changelog.XXXXXX")
    trap 'rm -rf "$WORK"' EXIT
    COPY="$WORK/ansible_collections/terrateam/api"
    mkdir -p "$COPY"
    tar --exclude=./tests/output --exclude=./collections -cf - . | tar -C "$COPY" -xf -
    (cd "$COPY" && ANSIBLE_COLLECTIONS_PATH="$WORK" antsibull-changelog release --version "$VERSION")
    cp "$COPY/changelogs/changelog.yaml" changelogs/changelog.yaml
    cp "$COPY/CHANGELOG.rst" CHANGELOG.rst
    # The fragments the release consumed (keep_fragments: false in changelogs/config.yaml).
    for f in changelogs/fragments/*.yml changelogs/fragments/*.yaml; do
      [ -e "$f" ] && [ ! -e "$COPY/$f" ] && git -C "$ROOT" rm -q "ansible_collection/$f"
    done
    echo "release $VERSION written: review and commit ansible_collection/CHANGELOG.rst and changelogs/"
    ;;
  *)
    echo "collection-changelog.sh: unknown command '$1': use generate (default) or release" >&2
    exit 2
    ;;
esac
