# Start a throwaway PostgreSQL for the tests and export ANTREAN_TEST_POSTGRES_URL.
# Sourced by test.sh; the server stops when that script exits.

start_test_postgres() {
  need_debian '/usr/lib/postgresql/*/bin/initdb' postgresql
  local bin
  bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
  PG_DIR=$(mktemp -d /tmp/antrean-pg.XXXXXX)
  local port
  port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  local run=()
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$PG_DIR"
    run=(runuser -u postgres --)
  fi
  echo "==> starting a test PostgreSQL on 127.0.0.1:$port"
  (cd /tmp && "${run[@]}" "$bin/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 >/dev/null)
  (cd /tmp && "${run[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -o \
    "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null)
  PG_STOP=("${run[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -m fast stop)
  trap 'stop_test_postgres' EXIT
  export ANTREAN_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
}

stop_test_postgres() {
  if [ -n "${PG_DIR:-}" ]; then
    (cd /tmp && "${PG_STOP[@]}" >/dev/null 2>&1) || true
    rm -rf "$PG_DIR"
  fi
}
