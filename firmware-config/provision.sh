#!/usr/bin/env bash
# Set up a Raspberry Pi for one antrean role, from a fresh Raspberry Pi OS
# (Bookworm, 64-bit), and keep it set up.
#
#   sudo firmware-config/provision.sh ROLE [options]     ROLE: server, kiosk, display, counter
#
# It changes only what differs from what it would write, says each change, and
# ends with how many there were: run it again after editing a fragment here or
# updating antrean, and a second run right after the first changes nothing.
# docs/install-pi.md walks through it from a blank SD card.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CHECKOUT=$(dirname "$HERE")
ROLES="server kiosk display counter"
SERVICE_USER=antrean
VENV=/opt/antrean/.venv
WRAPPER=/usr/local/bin/antrean

usage() {
  cat <<'EOF'
usage: provision.sh ROLE [options]        ROLE: server, kiosk, display or counter

  --server URL        the queue server, written into a device's settings
                      (e.g. http://192.168.1.10:8000)
  --site CODE         the office's code, written into a device's settings
  --token TOKEN       the device's token (from `antrean device add` on the server),
                      kept in /etc/default/antrean-ROLE, readable by root only
  --timezone ZONE     Asia/Jakarta (WIB, the default), Asia/Makassar (WITA) or
                      Asia/Jayapura (WIT)
  --video MODE        the display's screen mode, e.g. 1366x768@60 (default 1920x1080@60)
  --read-only-root    a device's root file system stays read-only (changes go to RAM and
                      are gone at the next boot); protects the SD card from power cuts
  --writable-root     undo --read-only-root (after the next boot)
  --package PATH      what to install with pip: a wheel or a source folder
                      (default: this checkout)
  --skip STEPS        leave out steps, comma-separated: packages, user, venv, settings,
                      units, firmware, system, timezone
  --root DIR          work on the system under DIR instead of / (for tests, or a Pi's
                      card mounted on a Linux machine of the same architecture); Debian
                      packages and starting services are then left to the Pi itself
  --dry-run           show what would change and change nothing
  -h, --help          this text
EOF
}

die() {
  printf 'provision.sh: %s\n' "$*" >&2
  exit 2
}

# Options.

ROLE=""
ROOT=/
DRY_RUN=0
SERVER_URL=""
SITE=""
TOKEN=""
TIMEZONE=Asia/Jakarta
VIDEO=""
ROOT_MODE=""
PACKAGE=$CHECKOUT
SKIP=","

while [ $# -gt 0 ]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --root) ROOT=${2:?--root needs a folder}; shift ;;
    --dry-run) DRY_RUN=1 ;;
    --server) SERVER_URL=${2:?--server needs a URL}; shift ;;
    --site) SITE=${2:?--site needs a code}; shift ;;
    --token) TOKEN=${2:?--token needs the token}; shift ;;
    --timezone) TIMEZONE=${2:?--timezone needs a zone}; shift ;;
    --video) VIDEO=${2:?--video needs a mode such as 1920x1080@60}; shift ;;
    --read-only-root) ROOT_MODE=read-only ;;
    --writable-root) ROOT_MODE=writable ;;
    --package) PACKAGE=${2:?--package needs a wheel or a folder}; shift ;;
    --skip) SKIP=",${2:?--skip needs step names},"; shift ;;
    -*) die "unknown option $1 (see --help)" ;;
    *)
      [ -z "$ROLE" ] || die "one role at a time (got $ROLE and $1)"
      ROLE=$1
      ;;
  esac
  shift
done

[ -n "$ROLE" ] || { usage >&2; exit 2; }
case " $ROLES " in
  *" $ROLE "*) ;;
  *) die "unknown role '$ROLE': one of $ROLES" ;;
esac
[ -d "$ROOT" ] || die "--root $ROOT is not a folder"
[ -d "$PACKAGE" ] || [ -f "$PACKAGE" ] || die "--package $PACKAGE: no such wheel or folder"
PACKAGE=$(cd "$(dirname "$PACKAGE")" && pwd)/$(basename "$PACKAGE")
ROOT=$(cd "$ROOT" && pwd)
if [ "$ROLE" = server ]; then
  [ -z "$TOKEN$SERVER_URL$SITE" ] || die "--token, --server and --site are for devices"
  [ -z "$ROOT_MODE" ] || die "the server writes its database: its root stays writable"
fi
[ -z "$VIDEO" ] || [ "$ROLE" = display ] || die "--video is for the display"
if [ -n "$VIDEO" ] && ! [[ $VIDEO =~ ^[0-9]+x[0-9]+(@[0-9]+)?$ ]]; then
  die "--video $VIDEO: write it as WIDTHxHEIGHT@RATE, e.g. 1366x768@60"
fi
if [ "$ROOT" = / ] && [ "$DRY_RUN" = 0 ] && [ "$(id -u)" != 0 ]; then
  die "run it as root: sudo $0 $ROLE ..."
fi

FRAGMENTS=$HERE/$ROLE
UNIT=antrean-$ROLE.service
ENV_FILE=/etc/default/antrean-$ROLE
TOKEN_VARIABLE=ANTREAN_$(printf '%s' "$ROLE" | tr '[:lower:]' '[:upper:]')_TOKEN
if [ "$ROLE" = server ]; then
  ENV_FILE=/etc/default/antrean
fi

# Saying and changing.

CHANGES=0
REBOOT=0
RELOAD_UNITS=0

on_target() { printf '%s%s' "${ROOT%/}" "$1"; }   # a path on the system being set up
live() { [ "$ROOT" = / ]; }
skipped() { case $SKIP in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
step() { printf '==> %s\n' "$*"; }

change() {
  CHANGES=$((CHANGES + 1))
  if [ "$DRY_RUN" = 1 ]; then
    printf '    would %s\n' "$*"
  else
    printf '    %s\n' "$*"
  fi
}

doing() { [ "$DRY_RUN" = 0 ]; }

id_of() {   # id_of passwd|group NAME: its number on the target, or nothing
  awk -F: -v name="$2" '$1 == name { print $3 }' "$(on_target "/etc/$1")" 2>/dev/null || true
}

owner_of() {   # owner_of USER:GROUP → uid:gid on the target (names mean nothing under --root)
  local uid gid
  uid=$(id_of passwd "${1%%:*}")
  gid=$(id_of group "${1##*:}")
  if [ -n "$uid" ] && [ -n "$gid" ]; then printf '%s:%s' "$uid" "$gid"; fi
}

# put_file SOURCE PATH MODE [USER:GROUP]: PATH on the target holds SOURCE's bytes.
put_file() {
  local source=$1 path=$2 mode=$3 owner=${4:-root:root} target ids
  target=$(on_target "$path")
  ids=$(owner_of "$owner")
  if [ -f "$target" ] && cmp -s "$source" "$target" &&
    [ "$(stat -c %a "$target")" = "${mode#0}" ] &&
    { [ -z "$ids" ] || [ "$(stat -c %u:%g "$target")" = "$ids" ]; }; then
    return 0
  fi
  change "write $path"
  if doing; then
    install -D -m "$mode" "$source" "$target"
    if [ -n "$ids" ]; then chown "$ids" "$target"; fi
  fi
}

# put_text PATH MODE [USER:GROUP] < TEXT
put_text() {
  local scratch
  scratch=$(mktemp)
  cat >"$scratch"
  put_file "$scratch" "$@"
  rm -f "$scratch"
}

put_dir() {   # put_dir PATH MODE [USER:GROUP]
  local path=$1 mode=$2 owner=${3:-root:root} target ids
  target=$(on_target "$path")
  ids=$(owner_of "$owner")
  if [ -d "$target" ] && [ "$(stat -c %a "$target")" = "${mode#0}" ] &&
    { [ -z "$ids" ] || [ "$(stat -c %u:%g "$target")" = "$ids" ]; }; then
    return 0
  fi
  change "make the folder $path"
  if doing; then
    install -d -m "$mode" "$target"
    if [ -n "$ids" ]; then chown "$ids" "$target"; fi
  fi
}

put_mode() {   # put_mode PATH MODE [USER:GROUP]: an existing file's mode and owner
  local path=$1 mode=$2 owner=${3:-root:root} target ids
  target=$(on_target "$path")
  ids=$(owner_of "$owner")
  if [ "$(stat -c %a "$target")" = "${mode#0}" ] &&
    { [ -z "$ids" ] || [ "$(stat -c %u:%g "$target")" = "$ids" ]; }; then
    return 0
  fi
  change "set the mode of $path to $mode ($owner)"
  if doing; then
    chmod "$mode" "$target"
    if [ -n "$ids" ]; then chown "$ids" "$target"; fi
  fi
}

put_link() {   # put_link TARGET PATH
  local link
  link=$(on_target "$2")
  if [ -L "$link" ] && [ "$(readlink "$link")" = "$1" ]; then return 0; fi
  change "link $2 to $1"
  if doing; then
    mkdir -p "$(dirname "$link")"
    ln -sfn "$1" "$link"
  fi
}

lines_of() {   # a fragment's lines without comments and blank lines
  sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$1"
}

# The steps.

install_packages() {
  local wanted=() missing=() name
  if ! live; then
    printf '    on the Pi itself, not under --root ("?": if its sources offer it): %s\n' \
      "$(lines_of "$FRAGMENTS/packages" | tr '\n' ' ')"
    return 0
  fi
  local updated=0
  while read -r name; do
    if [ "${name#\?}" != "$name" ]; then
      name=${name#\?}
      if [ "$updated" = 0 ] && doing; then
        apt-get update -qq   # a fresh card's package lists are empty: ask the sources first
        updated=1
      fi
      if ! apt-cache show "$name" >/dev/null 2>&1; then
        printf "    %s is not in this image's package sources: left out\n" "$name"
        continue
      fi
    fi
    wanted+=("$name")
  done < <(lines_of "$FRAGMENTS/packages")
  if [ "$ROOT_MODE" = read-only ]; then wanted+=(overlayroot); fi
  for name in "${wanted[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$name")
    fi
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  change "install Debian packages: ${missing[*]}"
  if doing; then
    if [ "$updated" = 0 ]; then apt-get update -qq; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

target_tool() {   # useradd and friends, on the target's files
  if live; then "$@"; else "$1" --prefix "$ROOT" "${@:2}"; fi
}

member_of() {   # member_of GROUP: is the service user in it?
  awk -F: -v group="$1" -v user="$SERVICE_USER" '
    $1 == group { n = split($4, members, ","); for (i = 1; i <= n; i++) if (members[i] == user) found = 1 }
    END { exit !found }' "$(on_target /etc/group)"
}

service_user() {
  if [ -z "$(id_of passwd "$SERVICE_USER")" ]; then
    change "create the system user $SERVICE_USER (home /var/lib/antrean, no login)"
    if doing; then
      target_tool useradd --system --user-group --home-dir /var/lib/antrean \
        --no-create-home --shell /usr/sbin/nologin --comment "antrean queue system" \
        "$SERVICE_USER"
    fi
  fi
  local group
  while read -r group; do
    if [ -z "$(id_of group "$group")" ]; then
      change "create the group $group"
      if doing; then target_tool groupadd --system "$group"; fi
    fi
    if ! member_of "$group"; then
      change "add $SERVICE_USER to the group $group"
      if doing; then target_tool usermod --append --groups "$group" "$SERVICE_USER"; fi
    fi
  done < <(lines_of "$FRAGMENTS/groups")
}

package_identity() {   # what is installed, so that a second run knows it is done already
  if [ -d "$PACKAGE" ]; then
    local version digest parts=() part
    version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$PACKAGE/pyproject.toml" | head -n 1)
    for part in antrean launcher server kiosk display counter pyproject.toml; do
      if [ -e "$PACKAGE/$part" ]; then parts+=("$part"); fi
    done
    digest=$(cd "$PACKAGE" && find "${parts[@]}" -type f \
      \( -name '*.py' -o -name '*.toml' -o -name '*.mako' -o -name '*.html' \
      -o -name '*.css' -o -name '*.js' -o -name '*.ttf' -o -name '*.wav' \) \
      -not -path '*/__pycache__/*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum |
      sha256sum | cut -c1-16)
    printf 'antrean %s from %s (%s)' "$version" "$PACKAGE" "$digest"
  else
    printf '%s (%s)' "$(basename "$PACKAGE")" "$(sha256sum "$PACKAGE" | cut -c1-16)"
  fi
}

virtual_environment() {
  local venv stamp wanted
  venv=$(on_target "$VENV")
  stamp=$(on_target /opt/antrean/installed)
  wanted="$(package_identity) [$ROLE]"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null ||
      die "antrean needs Python 3.11 or newer (Raspberry Pi OS Bookworm has it)"
    change "create the virtual environment $VENV"
    if doing; then
      mkdir -p "$(dirname "$venv")"
      python3 -m venv "$venv"
    fi
  fi
  if [ ! -x "$venv/bin/antrean" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    change "install antrean[$ROLE] from $PACKAGE into $VENV"
    if doing; then
      "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        --root-user-action=ignore "${PACKAGE}[${ROLE}]"
      printf '%s\n' "$wanted" >"$stamp"
    fi
  fi
  put_text "$WRAPPER" 0755 <<EOF
#!/bin/sh
# The antrean command with this Pi's settings (written by provision.sh).
# Run the server's admin commands as its user: sudo -u antrean antrean device list
if [ -r /etc/default/antrean ]; then set -a; . /etc/default/antrean; set +a; fi
: "\${ANTREAN_DATA_DIR:=/var/lib/antrean}"
export ANTREAN_DATA_DIR
exec $VENV/bin/antrean "\$@"
EOF
}

# set_setting FILE KEY VALUE: KEY = "VALUE" in a TOML file (its first such line).
set_setting() {
  local file=$1 key=$2 value=$3 target line escaped
  target=$(on_target "$file")
  line="$key = \"$value\""
  if grep -qxF "$line" "$target" 2>/dev/null; then return 0; fi
  change "set $line in $file"
  doing || return 0
  if grep -q "^${key}[[:space:]]*=" "$target"; then
    escaped=$(printf '%s' "$line" | sed 's/[&|\\]/\\&/g')
    sed -i "0,/^${key}[[:space:]]*=.*/s||$escaped|" "$target"
  else
    printf '%s\n' "$line" >>"$target"
  fi
}

settings_template() {
  case $ROLE in
    server) printf '%s' "$FRAGMENTS/antrean-server.toml" ;;
    kiosk) printf '%s' "$CHECKOUT/kiosk/examples/usb.toml" ;;
    display) printf '%s' "$CHECKOUT/display/examples/pi.toml" ;;
    counter) printf '%s' "$CHECKOUT/counter/examples/one-counter.toml" ;;
  esac
}

settings() {
  local file owner=root:$SERVICE_USER template
  template=$(settings_template)
  if [ "$ROLE" = server ]; then
    file=/var/lib/antrean/antrean-server.toml
    put_dir /var/lib/antrean 0750 "$SERVICE_USER:$SERVICE_USER"
    owner=$SERVICE_USER:$SERVICE_USER
  else
    file=/etc/antrean/$ROLE.toml
    put_dir /etc/antrean 0755
  fi
  if [ ! -e "$(on_target "$file")" ]; then
    # Written once: from then on the file is the office's, and only the options change it.
    # The token never stays in it: it belongs in the root-only environment file.
    sed -e 's/^token[[:space:]]*=/# token: see '"${ENV_FILE//\//\\/}"'; was: &/' "$template" |
      put_text "$file" 0640 "$owner"
  fi
  if [ -n "$SERVER_URL" ]; then set_setting "$file" server_url "$SERVER_URL"; fi
  if [ -n "$SITE" ]; then set_setting "$file" site "$SITE"; fi

  local env_target env_mode=0600 env_owner=root:root
  env_target=$(on_target "$ENV_FILE")
  if [ "$ROLE" = server ]; then
    env_mode=0640   # the antrean command, run as the service user, reads it too
    env_owner=root:$SERVICE_USER
  fi
  if [ ! -e "$env_target" ]; then
    if [ "$ROLE" = server ]; then
      put_text "$ENV_FILE" "$env_mode" "$env_owner" <<'EOF'
# Environment of antrean-server.service and of the antrean command (root and the
# antrean user can read it): ANTREAN_<SETTING>=value wins over antrean-server.toml.
# ANTREAN_DATABASE_URL=postgresql+psycopg://antrean:secret@db.example/antrean
EOF
    else
      put_text "$ENV_FILE" "$env_mode" "$env_owner" <<EOF
# Secrets of antrean-$ROLE.service (only root can read this file).
# The device's token, from \`antrean device add --site ... --kind $ROLE\` on the server:
# $TOKEN_VARIABLE=atd_...
EOF
    fi
  else
    put_mode "$ENV_FILE" "$env_mode" "$env_owner"
  fi
  if [ -n "$TOKEN" ] && ! grep -qxF "$TOKEN_VARIABLE=$TOKEN" "$env_target" 2>/dev/null; then
    change "set $TOKEN_VARIABLE in $ENV_FILE"
    if doing; then
      sed -i "/^#* *$TOKEN_VARIABLE=/d" "$env_target"
      printf '%s=%s\n' "$TOKEN_VARIABLE" "$TOKEN" >>"$env_target"
    fi
  fi
}

units_of_role() {
  printf '%s\n' "$UNIT"
  if [ "$ROLE" = server ]; then printf '%s\n' antrean-backup.service antrean-backup.timer; fi
}

target_systemctl() {
  if live; then systemctl "$@"; else systemctl --root="$ROOT" "$@"; fi
}

units() {
  local unit before
  local -a enabled=("$UNIT")
  if [ "$ROLE" = server ]; then enabled+=(antrean-backup.timer); fi
  while read -r unit; do
    before=$CHANGES
    put_file "$CHECKOUT/systemd/$unit" "/etc/systemd/system/$unit" 0644
    if [ "$CHANGES" != "$before" ]; then RELOAD_UNITS=1; fi
  done < <(units_of_role)
  command -v systemctl >/dev/null || die "systemctl is missing (Debian package systemd)"
  for unit in "${enabled[@]}"; do
    if [ ! -e "$(on_target "/etc/systemd/system/$unit")" ]; then
      change "enable $unit"   # only in a dry run: the unit is not written yet
    elif [ "$(target_systemctl is-enabled "$unit" 2>/dev/null || true)" != enabled ]; then
      change "enable $unit"
      if doing; then target_systemctl --quiet enable "$unit"; fi
    fi
  done
}

boot_folder() {
  if [ -f "$(on_target /boot/firmware/config.txt)" ]; then
    printf '/boot/firmware'
  elif [ -f "$(on_target /boot/config.txt)" ]; then
    printf '/boot'
  fi
}

# The config.txt the Pi should have: its own lines, then this role's block.
config_with_block() {
  local config=$1
  awk '/^# >>> antrean /{skip=1} !skip{print} /^# <<< antrean <<<$/{skip=0}' "$config" |
    sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
  printf '\n# >>> antrean %s: written by provision.sh from firmware-config/%s/config.txt >>>\n' \
    "$ROLE" "$ROLE"
  printf '[all]\n'
  cat "$FRAGMENTS/config.txt"
  printf '# <<< antrean <<<\n'
}

cmdline_key() {   # words with the same key replace each other: video=HDMI-A-1:…, foo=…
  case $1 in
    video=*) printf '%s' "${1%%:*}" ;;
    *=*) printf '%s' "${1%%=*}" ;;
    *) printf '%s' "$1" ;;
  esac
}

# The cmdline.txt words the Pi should have.
cmdline_with_changes() {
  local line word key i found
  local -a words edits
  read -r line <"$1" || true
  read -r -a words <<<"$line"
  mapfile -t edits < <(lines_of "$FRAGMENTS/cmdline.txt")
  for i in "${!edits[@]}"; do
    if [ -n "$VIDEO" ] && [ "${edits[$i]#video=}" != "${edits[$i]}" ]; then
      edits[i]="${edits[$i]%%:*}:${VIDEO}D"
    fi
  done
  case $ROOT_MODE in
    read-only) edits+=(overlayroot=tmpfs) ;;
    writable) edits+=(-overlayroot=tmpfs) ;;
  esac
  for word in "${edits[@]}"; do
    if [ "${word#-}" != "$word" ]; then
      for i in "${!words[@]}"; do
        if [ "${words[$i]}" = "${word#-}" ]; then unset 'words[i]'; fi
      done
      words=("${words[@]}")
      continue
    fi
    key=$(cmdline_key "$word")
    found=0
    for i in "${!words[@]}"; do
      if [ "$(cmdline_key "${words[$i]}")" = "$key" ] && [ "${key%%=*}" != console ]; then
        if [ "$found" = 0 ]; then words[i]=$word; found=1; else unset 'words[i]'; fi
      fi
    done
    words=("${words[@]}")
    if [ "$found" = 0 ]; then words+=("$word"); fi
  done
  printf '%s\n' "${words[*]}"
}

firmware() {
  local boot config cmdline scratch
  boot=$(boot_folder)
  if [ -z "$boot" ]; then
    printf '    no /boot/firmware/config.txt: not Raspberry Pi OS, firmware fragments left out\n'
  else
    config=$(on_target "$boot/config.txt")
    cmdline=$(on_target "$boot/cmdline.txt")
    scratch=$(mktemp)
    config_with_block "$config" >"$scratch"
    if ! cmp -s "$scratch" "$config"; then
      change "update $boot/config.txt (the antrean $ROLE block)"
      if doing; then cat "$scratch" >"$config"; fi
      REBOOT=1
    fi
    if [ -f "$cmdline" ]; then
      cmdline_with_changes "$cmdline" >"$scratch"
      if ! cmp -s "$scratch" "$cmdline"; then
        change "update $boot/cmdline.txt: $(tr -d '\n' <"$scratch")"
        if doing; then cat "$scratch" >"$cmdline"; fi
        REBOOT=1
      fi
    fi
    rm -f "$scratch"
  fi
  case $ROLE in
    kiosk)
      local before=$CHANGES
      put_file "$FRAGMENTS/99-antrean-printer.rules" /etc/udev/rules.d/99-antrean-printer.rules 0644
      if [ "$CHANGES" != "$before" ] && live && doing && command -v udevadm >/dev/null; then
        udevadm control --reload && udevadm trigger --subsystem-match=usb --subsystem-match=usbmisc
      fi
      ;;
    counter)
      put_file "$FRAGMENTS/antrean-i2c.conf" /etc/modules-load.d/antrean-i2c.conf 0644
      ;;
  esac
}

system_settings() {
  local before=$CHANGES
  put_file "$HERE/common/watchdog.conf" /etc/systemd/system.conf.d/antrean-watchdog.conf 0644
  put_file "$HERE/common/journald.conf" /etc/systemd/journald.conf.d/antrean.conf 0644
  if [ "$CHANGES" != "$before" ]; then REBOOT=1; fi
}

timezone() {
  if [ ! -f "/usr/share/zoneinfo/$TIMEZONE" ] && [ ! -f "$(on_target "/usr/share/zoneinfo/$TIMEZONE")" ]; then
    die "unknown time zone $TIMEZONE (Asia/Jakarta, Asia/Makassar or Asia/Jayapura)"
  fi
  put_link "/usr/share/zoneinfo/$TIMEZONE" /etc/localtime
  printf '%s\n' "$TIMEZONE" | put_text /etc/timezone 0644
}

# Starting what was set up (only on the Pi itself).

token_is_set() {
  [ "$ROLE" = server ] || grep -q "^$TOKEN_VARIABLE=." "$(on_target "$ENV_FILE")" 2>/dev/null
}

start_services() {
  if ! live || ! doing; then return 0; fi
  if ! command -v systemctl >/dev/null || [ ! -d /run/systemd/system ]; then return 0; fi
  if [ "$RELOAD_UNITS" = 1 ]; then systemctl daemon-reload; fi
  if [ "$ROLE" = server ]; then systemctl start antrean-backup.timer; fi
  if ! token_is_set; then
    printf '    %s waits for its token: set %s in %s, then: sudo systemctl restart %s\n' \
      "$UNIT" "$TOKEN_VARIABLE" "$ENV_FILE" "$UNIT"
  elif [ "$CHANGES" -gt 0 ]; then
    printf '    restarting %s\n' "$UNIT"
    systemctl restart "$UNIT"
  elif ! systemctl is-active --quiet "$UNIT"; then
    printf '    starting %s\n' "$UNIT"
    systemctl start "$UNIT"
  fi
}

# The run.

printf 'provision.sh %s on %s%s\n' "$ROLE" "$ROOT" "$([ "$DRY_RUN" = 1 ] && printf ' (dry run)')"
for name in packages user venv settings units firmware system timezone; do
  if skipped "$name"; then
    step "$name: skipped"
    continue
  fi
  step "$name"
  case $name in
    packages) install_packages ;;
    user) service_user ;;
    venv) virtual_environment ;;
    settings) settings ;;
    units) units ;;
    firmware) firmware ;;
    system) system_settings ;;
    timezone) timezone ;;
  esac
done
start_services

if [ "$CHANGES" = 0 ]; then
  printf 'nothing to change\n'
elif [ "$DRY_RUN" = 1 ]; then
  printf '%d changes would be made\n' "$CHANGES"
else
  printf '%d changes made\n' "$CHANGES"
  if [ "$REBOOT" = 1 ]; then printf 'reboot for the firmware and system changes: sudo reboot\n'; fi
fi
