#!/usr/bin/env bash
# Install everything the tests need and run them: lint, then the whole suite
# against a real SQLite file and a real PostgreSQL server.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-env.sh
source scripts/postgres.sh

need_debian chromium chromium fonts-dejavu-core
# The daily report's PDF (WeasyPrint) lays text out with Pango.
need_debian /usr/lib/*/libpangoft2-1.0.so.0 libpango-1.0-0 libpangoft2-1.0-0
# Provisioning tests: shellcheck, systemd-analyze verify and systemctl --root, rsync
# for backups' second copy, unshare/nsenter for a server on a full or read-only card.
need_debian shellcheck shellcheck
need_debian systemd-analyze systemd
need_debian rsync rsync
need_debian nsenter util-linux
need_debian espeak-ng espeak-ng
need_debian tesseract tesseract-ocr tesseract-ocr-eng
need_debian /usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf fonts-dejavu-core fonts-dejavu-extra
# The reverse proxy of docs/nginx/antrean.conf: `nginx -t` and devices through it over TLS.
need_debian /usr/sbin/nginx nginx
need_debian openssl openssl
ensure_venv dev
start_test_postgres
echo "==> ruff"
.venv/bin/ruff check .
echo "==> mypy --strict"
.venv/bin/mypy
echo "==> pytest"
.venv/bin/python -m pytest "$@"
