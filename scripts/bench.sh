#!/usr/bin/env bash
set -euo pipefail
echo "bench: nothing yet"
