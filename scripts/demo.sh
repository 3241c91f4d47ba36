#!/usr/bin/env bash
# Install what the demo needs and run a whole office on simulated hardware.
# Extra arguments go to `antrean demo` (e.g. --seconds 60).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-env.sh

need_debian espeak-ng espeak-ng
need_debian /usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf fonts-dejavu-core fonts-dejavu-extra
ensure_venv dev
export ANTREAN_DATA_DIR=${ANTREAN_DATA_DIR:-$PWD/.demo-data}
exec .venv/bin/antrean demo "$@"
