#!/usr/bin/env bash
# Install what the demo needs and run a whole office on simulated hardware.
# Extra arguments go to `antrean demo` (e.g. --seconds 60).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-env.sh

ensure_venv dev
export ANTREAN_DATA_DIR=${ANTREAN_DATA_DIR:-$PWD/.demo-data}
exec .venv/bin/antrean demo "$@"
