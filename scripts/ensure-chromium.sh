#!/usr/bin/env bash
# Make sure a headless Chromium is available for the report rendering tests
# (tests/cli/test_report_html.py). Debian's `chromium` package; called by `make pytest`.
# Without root or apt-get it only says so: those tests then skip with that reason.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: installing Debian's chromium for the HTML report tests" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
  exit 0
fi
echo "ensure-chromium: chromium missing and cannot be installed here (not root or no apt-get);" \
  "the HTML report browser tests will be skipped" >&2
