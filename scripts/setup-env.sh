# Shared by demo.sh and test.sh: Debian packages and the virtual environment.
# Sourced, not run.

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# need_debian CMD-OR-PATH PACKAGE...: install the packages unless CMD-OR-PATH exists.
need_debian() {
  local probe=$1; shift
  if command -v "$probe" >/dev/null 2>&1 || compgen -G "$probe" >/dev/null; then
    return 0
  fi
  echo "==> installing Debian packages: $*"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# ensure_venv EXTRAS: a .venv with antrean installed (editable) with those extras.
ensure_venv() {
  local extras=$1
  local python=${PYTHON:-python3}
  if ! "$python" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
    echo "antrean needs Python 3.11 or newer" >&2
    exit 1
  fi
  if ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
    need_debian /nonexistent python3-venv
  fi
  if [ ! -x .venv/bin/python ]; then
    echo "==> creating the virtual environment .venv"
    "$python" -m venv .venv
  fi
  # A second start installs nothing unless the requirements or the packages changed
  # (an editable install maps the top-level packages it saw when it was made).
  local stamp=".venv/.antrean-$extras"
  local wanted
  wanted="$("$python" --version 2>&1) $(cat pyproject.toml */__init__.py | sha256sum | cut -d' ' -f1) $(echo */__init__.py)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
    echo "==> antrean[$extras] is installed already (nothing to update)"
    return 0
  fi
  echo "==> installing antrean[$extras] and its Python packages"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[$extras]"
  echo "$wanted" > "$stamp"
}
