#!/usr/bin/env bash
# Install everything the tests need and run them: lint, then the whole suite
# against a real SQLite file and a real PostgreSQL server.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-env.sh
source scripts/postgres.sh

need_debian chromium chromium fonts-dejavu-core
ensure_venv dev
start_test_postgres
echo "==> ruff"
.venv/bin/ruff check .
echo "==> mypy --strict"
.venv/bin/mypy
echo "==> pytest"
.venv/bin/python -m pytest "$@"
