# shellcheck shell=bash
# scripts/lib/postgres.sh: the shared bootstrap of scripts/run and scripts/test (sourced, not run).
#
#   rapport_resolve_data_dir      RAPPORT_DATA_DIR made absolute and created (call before any cd)
#   rapport_ensure_packages [--browser]
#                                 install missing Debian packages when root; otherwise print
#                                 the apt command and stop
#   rapport_ensure_database       without DATABASE_URL: bring up the project-local PostgreSQL
#                                 cluster and make sure database `rapport` exists
#   rapport_local_url DB          libpq URL of database DB on that cluster
#   rapport_stop_local_cluster    stop the cluster (used by CI runs that started it)
#
# The local cluster is reachable only through a unix socket in a private (0700) directory, with
# TCP switched off, so trust authentication is safe: whoever can open the socket can already
# read the data files. Its bootstrap superuser is the role `rapport`, which the tests need for
# CREATE DATABASE and CREATE EXTENSION.
#
# Honoured: DATABASE_URL (use this server instead, as-is), RAPPORT_DATA_DIR (default
# <repo>/.rapport), RAPPORT_PG_PORT (default 54329; it only names the socket file).

# The repository root, whatever directory the caller was started from.
RAPPORT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"

# ---------------------------------------------------------------------------------------------
# Messages. Progress goes to stderr so that stdout carries only what the commands print.

say() { printf '==> %s\n' "$*" >&2; }
note() { printf '    %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# ---------------------------------------------------------------------------------------------
# Data directory

# The app (keys, files) and the scripts (cluster) must agree on one absolute directory even
# though the scripts cd to the repository root, so a relative RAPPORT_DATA_DIR is resolved
# against the directory the user ran the script from.
rapport_resolve_data_dir() {
  local dir="${RAPPORT_DATA_DIR:-$RAPPORT_ROOT/.rapport}"
  mkdir -p -- "$dir"
  RAPPORT_DATA_DIR="$(cd -- "$dir" && pwd -P)"
  export RAPPORT_DATA_DIR
}

# A short, stable name for this data directory, for places outside it (/var/lib, /tmp).
data_dir_hash() {
  printf '%s' "$RAPPORT_DATA_DIR" | sha256sum | cut -c1-12
}

# ---------------------------------------------------------------------------------------------
# System packages

MISSING_PACKAGES=()

# need PACKAGE CHECK...: remember PACKAGE when CHECK fails, so one apt-get run installs all.
need() {
  local package="$1"
  shift
  if ! "$@" >/dev/null 2>&1; then
    MISSING_PACKAGES+=("$package")
  fi
}

# True when dpkg knows PACKAGE as installed. Headers have no command to probe for, and on
# machines without dpkg we cannot tell, so we assume the user has them.
dpkg_installed() {
  command -v dpkg-query >/dev/null || return 0
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

have_postgres_server() { compgen -G '/usr/lib/postgresql/*/bin/initdb' || command -v initdb; }
have_psql() { compgen -G '/usr/lib/postgresql/*/bin/psql' || command -v psql; }

# Checks everything the build and the database need; --browser adds chromium + chromedriver
# for the browser tests.
rapport_ensure_packages() {
  MISSING_PACKAGES=()
  if [[ -z "${DATABASE_URL:-}" ]]; then
    need postgresql have_postgres_server
  fi
  need postgresql-client have_psql
  need libpq-dev dpkg_installed libpq-dev # diesel links against libpq
  need build-essential command -v cc      # the linker driver for every Rust binary
  # openssl-sys (pulled in by TLS-capable crates) builds against the system OpenSSL.
  if grep -q '^name = "openssl-sys"$' "$RAPPORT_ROOT/Cargo.lock" 2>/dev/null; then
    need libssl-dev dpkg_installed libssl-dev
    need pkg-config command -v pkg-config
  fi
  if [[ "${1:-}" == --browser ]]; then
    need chromium test -x /usr/bin/chromium
    need chromium-driver test -x /usr/bin/chromedriver
  fi
  # postgresql pulls in postgresql-client; asking for both is harmless but noisy.
  if [[ " ${MISSING_PACKAGES[*]} " == *" postgresql "* ]]; then
    local kept=() package
    for package in "${MISSING_PACKAGES[@]}"; do
      [[ "$package" == postgresql-client ]] || kept+=("$package")
    done
    MISSING_PACKAGES=("${kept[@]}")
  fi
  ((${#MISSING_PACKAGES[@]} == 0)) && return 0

  if ! command -v apt-get >/dev/null; then
    die "missing: ${MISSING_PACKAGES[*]} (Debian package names); install their equivalents and rerun"
  fi
  if [[ $EUID -ne 0 ]]; then
    printf 'error: missing system packages. Install them with:\n\n' >&2
    printf '    sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y %s\n\n' \
      "${MISSING_PACKAGES[*]}" >&2
    exit 1
  fi
  say "Installing missing packages: ${MISSING_PACKAGES[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${MISSING_PACKAGES[@]}"
}

# ---------------------------------------------------------------------------------------------
# Running things as the database server's owner

# PostgreSQL refuses to run as root, so root hands the cluster to the `postgres` system user
# (created by Debian's postgresql package). The `cd /` keeps initdb and pg_ctl from
# complaining when the caller's directory (e.g. under /root) is closed to that user.
if [[ $EUID -eq 0 ]]; then
  PG_OS_USER=postgres
else
  PG_OS_USER="$(id -un)"
fi

as_pg_user() {
  if [[ $EUID -eq 0 ]]; then
    (cd / && runuser -u "$PG_OS_USER" -- "$@")
  else
    "$@"
  fi
}

# Creates DIR (its parent exists) as a private (0700) directory of the server user. An existing DIR must not be a
# symlink or belong to someone else: /tmp is world-writable, and a directory planted there by
# another user would let them reach the trust-authenticated socket. With "adopt", root instead
# hands over a cluster directory left by an earlier non-root run (initdb needs to own it).
ensure_private_dir() {
  local dir="$1" adopt="${2:-}" owner
  [[ -L "$dir" ]] && die "$dir is a symlink; refusing to use it for the database"
  if [[ ! -d "$dir" ]]; then
    mkdir -m 0700 -- "$dir"
    if [[ $EUID -eq 0 ]]; then
      chown "$PG_OS_USER:" "$dir"
    fi
  fi
  owner="$(stat -c %U -- "$dir")"
  if [[ "$owner" != "$PG_OS_USER" ]]; then
    if [[ $EUID -eq 0 && "$adopt" == adopt ]]; then
      note "handing $dir to the $PG_OS_USER user (it belonged to $owner)"
      chown -R "$PG_OS_USER:" "$dir"
    else
      die "$dir belongs to $owner, not $PG_OS_USER; remove it or set RAPPORT_DATA_DIR elsewhere"
    fi
  fi
  chmod 0700 -- "$dir"
}

# Writes stdin to FILE as the server user, so the server can read what it owns.
write_as_pg_user() {
  as_pg_user tee -- "$1" >/dev/null
}

# ---------------------------------------------------------------------------------------------
# Where the cluster lives
#
#   $PG_CLUSTER_DIR/data          the PostgreSQL data directory (initdb once, reused)
#   $PG_CLUSTER_DIR/run           the socket directory (unless its path is too long)
#   $PG_CLUSTER_DIR/postgres.log  the server log

# Normally $RAPPORT_DATA_DIR/postgres. When root runs us from a path the postgres user cannot
# traverse (a repository under /root, which is 0700), the server could not open its own files
# there, so the cluster goes to /var/lib/postgresql instead. Once a cluster exists in either
# place it stays there, so that fixing or breaking permissions later never silently swaps in an
# empty database.
choose_cluster_dir() {
  local in_data_dir="$RAPPORT_DATA_DIR/postgres"
  local outside
  outside="/var/lib/postgresql/rapport-$(data_dir_hash)"
  PG_CLUSTER_DIR="$in_data_dir"
  [[ $EUID -eq 0 ]] || return 0

  if [[ -f "$outside/data/PG_VERSION" ]]; then
    PG_CLUSTER_DIR="$outside"
    note "note: the database cluster lives in $PG_CLUSTER_DIR (the postgres user could not reach $RAPPORT_DATA_DIR)"
  elif ! as_pg_user test -x "$RAPPORT_DATA_DIR"; then
    if [[ -f "$in_data_dir/data/PG_VERSION" ]]; then
      die "the postgres user can no longer reach the cluster in $in_data_dir; let it traverse the path (chmod o+x on each parent), or move the repository"
    fi
    PG_CLUSTER_DIR="$outside"
    note "note: the postgres user cannot reach $RAPPORT_DATA_DIR (a parent directory is private),"
    note "so the database cluster lives in $PG_CLUSTER_DIR"
  fi
  if [[ "$PG_CLUSTER_DIR" == "$outside" ]]; then
    # A pointer for humans: deleting the data directory does not delete this cluster.
    printf '%s\n' "$outside" >"$RAPPORT_DATA_DIR/postgres-cluster-location"
  fi
}

# A unix socket path must fit in sun_path: 107 bytes plus the terminating NUL. A deep checkout
# would not fit, so fall back to a short private directory under /tmp named after the data dir.
choose_socket_dir() {
  PG_SOCKET_DIR="$PG_CLUSTER_DIR/run"
  local socket="$PG_SOCKET_DIR/.s.PGSQL.$PG_PORT"
  if (($(printf '%s' "$socket" | wc -c) > 107)); then
    PG_SOCKET_DIR="/tmp/rapport-pg-$(data_dir_hash)"
    note "note: $socket is longer than the 107 bytes a unix socket path may have,"
    note "so the socket lives in $PG_SOCKET_DIR"
  fi
}

# The binaries that match an existing cluster (a data directory only opens with its own major
# version), or the newest installed ones for a new cluster.
choose_pg_bin() {
  local version_file="$PG_CLUSTER_DIR/data/PG_VERSION" version initdb
  if [[ -f "$version_file" ]]; then
    version="$(<"$version_file")"
    if [[ -x "/usr/lib/postgresql/$version/bin/postgres" ]]; then
      PG_BIN="/usr/lib/postgresql/$version/bin"
      return
    fi
  fi
  initdb="$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n 1 || true)"
  [[ -n "$initdb" ]] || initdb="$(command -v initdb || true)"
  [[ -n "$initdb" ]] || die "PostgreSQL server binaries not found (apt-get install postgresql)"
  PG_BIN="$(dirname "$initdb")"
  if [[ -n "${version:-}" && "$("$PG_BIN/postgres" --version)" != *" $version."* ]]; then
    die "the cluster in $PG_CLUSTER_DIR was made by PostgreSQL $version, which is not installed (apt-get install postgresql-$version)"
  fi
}

# psql from the server's own version when there is one; any psql otherwise.
choose_psql() {
  if [[ -n "${PG_BIN:-}" && -x "$PG_BIN/psql" ]]; then
    PSQL="$PG_BIN/psql"
  else
    PSQL="$(compgen -G '/usr/lib/postgresql/*/bin/psql' | sort -V | tail -n 1 || true)"
    [[ -n "$PSQL" ]] || PSQL="$(command -v psql || true)"
    [[ -n "$PSQL" ]] || die "psql not found (apt-get install postgresql-client)"
  fi
}

# psql for scripts: no ~/.psqlrc, stop at the first error, bare unaligned output.
rapport_psql() {
  [[ -n "${PSQL:-}" ]] || choose_psql
  "$PSQL" -X -q -v ON_ERROR_STOP=1 -t -A "$@"
}

# ---------------------------------------------------------------------------------------------
# The cluster itself

init_cluster() {
  local data="$PG_CLUSTER_DIR/data" output
  [[ -f "$data/PG_VERSION" ]] && return 0
  say "Creating the PostgreSQL cluster in $data"
  # --username=rapport makes `rapport` the bootstrap superuser, so the app and the tests
  # connect as `rapport` whoever runs them. Trust on the private socket only; TCP is rejected
  # even if someone switches it on later. ICU's root collation sorts names the way people
  # expect (case- and accent-aware), like the en_US locales of hosted PostgreSQL.
  if ! output="$(as_pg_user "$PG_BIN/initdb" --pgdata="$data" --username=rapport \
    --auth-local=trust --auth-host=reject --encoding=UTF8 --locale=C.UTF-8 \
    --locale-provider=icu --icu-locale=und 2>&1)"; then
    printf '%s\n' "$output" >&2
    die "initdb failed"
  fi
  # Our settings live in their own file, rewritten before every start (see start_cluster).
  printf "\n# Rapport: settings written by scripts/lib/postgres.sh\ninclude_if_exists = 'rapport.conf'\n" |
    as_pg_user tee -a -- "$data/postgresql.conf" >/dev/null
}

# Exit status 0 when the server of this cluster is up.
cluster_running() {
  as_pg_user "$PG_BIN/pg_ctl" status --pgdata="$PG_CLUSTER_DIR/data" >/dev/null 2>&1
}

start_cluster() {
  local data="$PG_CLUSTER_DIR/data" log="$PG_CLUSTER_DIR/postgres.log"
  ensure_private_dir "$PG_SOCKET_DIR"
  write_as_pg_user "$data/rapport.conf" <<EOF
# Written by scripts/lib/postgres.sh before each start; edits are overwritten.
listen_addresses = ''
port = $PG_PORT
unix_socket_directories = '${PG_SOCKET_DIR//\'/\'\'}'
unix_socket_permissions = 0700
max_connections = 200
EOF
  say "Starting PostgreSQL (socket in $PG_SOCKET_DIR, log in $log)"
  # The bootstrap lock's descriptor is closed for pg_ctl: the server would otherwise inherit
  # it and hold the lock for as long as it runs.
  if ! as_pg_user "$PG_BIN/pg_ctl" start --pgdata="$data" --log="$log" --wait --timeout=60 \
    >/dev/null {PG_LOCK_FD}>&-; then
    tail -n 20 -- "$log" >&2 || true
    die "PostgreSQL did not start; see $log"
  fi
  RAPPORT_PG_STARTED=1
  note "stop it with: ${PG_STOP_HINT}"
}

# A running server may have been started with another port or socket directory (say, a
# different RAPPORT_PG_PORT); postmaster.pid records what it really uses, so connect to that.
read_running_address() {
  local pid_file="$PG_CLUSTER_DIR/data/postmaster.pid" lines
  mapfile -t lines <"$pid_file"
  if [[ "${lines[3]:-}" != "$PG_PORT" ]]; then
    note "note: PostgreSQL is already running on port ${lines[3]:-?}; using that (stop it to change ports)"
  fi
  PG_PORT="${lines[3]:-}"
  PG_SOCKET_DIR="${lines[4]:-}"
  [[ -n "$PG_PORT" && -n "$PG_SOCKET_DIR" ]] ||
    die "cannot read the port and socket directory of the running server from $pid_file"
}

# Percent-encodes a URL component byte by byte. The socket path goes into the URL encoded, so
# the URL has no "/" after its path and code that swaps the database name stays simple.
urlencode() {
  local LC_ALL=C
  local text="$1" out="" char i
  for ((i = 0; i < ${#text}; i++)); do
    char="${text:i:1}"
    case "$char" in
      [A-Za-z0-9._~-]) out+="$char" ;;
      *) printf -v char '%%%02X' "'$char" && out+="$char" ;;
    esac
  done
  printf '%s' "$out"
}

# The libpq URL of database $1 on the local cluster; diesel hands it to libpq unchanged.
rapport_local_url() {
  printf 'postgres://rapport@/%s?host=%s&port=%s' "$1" "$(urlencode "$PG_SOCKET_DIR")" "$PG_PORT"
}

# Brings up the local cluster and database `rapport`, or does nothing when DATABASE_URL is set.
# Sets PG_CLUSTER_DIR, PG_SOCKET_DIR, PG_PORT, PG_BIN, PSQL for rapport_local_url and callers.
rapport_ensure_database() {
  RAPPORT_PG_STARTED=0
  if [[ -n "${DATABASE_URL:-}" ]]; then
    say "Using the database in DATABASE_URL"
    choose_psql
    return 0
  fi
  PG_PORT="${RAPPORT_PG_PORT:-54329}"
  if ! [[ "$PG_PORT" =~ ^[0-9]{1,5}$ ]] || ((10#$PG_PORT < 1 || 10#$PG_PORT > 65535)); then
    die "RAPPORT_PG_PORT must be a port number, not '$PG_PORT'"
  fi
  [[ $EUID -ne 0 ]] || getent passwd postgres >/dev/null ||
    die "no 'postgres' system user to run the server as (apt-get install postgresql creates it)"

  # scripts/run and scripts/test may start together; one initdb and one start are enough.
  exec {PG_LOCK_FD}>"$RAPPORT_DATA_DIR/.postgres.lock"
  flock --timeout 120 "$PG_LOCK_FD" || die "another bootstrap holds $RAPPORT_DATA_DIR/.postgres.lock"

  choose_cluster_dir
  ensure_private_dir "$PG_CLUSTER_DIR" adopt
  choose_pg_bin
  choose_psql
  PG_STOP_HINT="$PG_BIN/pg_ctl stop -D $PG_CLUSTER_DIR/data"
  if [[ $EUID -eq 0 ]]; then
    PG_STOP_HINT="runuser -u postgres -- $PG_STOP_HINT"
  fi
  init_cluster
  if cluster_running; then
    read_running_address
  else
    choose_socket_dir
    start_cluster
  fi

  local exists
  exists="$(rapport_psql -d "$(rapport_local_url postgres)" \
    -c "select 1 from pg_database where datname = 'rapport'")"
  if [[ "$exists" != 1 ]]; then
    rapport_psql -d "$(rapport_local_url postgres)" -c 'create database rapport'
  fi

  exec {PG_LOCK_FD}>&-
}

# Stops the local cluster (only if this process started it and nobody set DATABASE_URL).
rapport_stop_local_cluster() {
  [[ "${RAPPORT_PG_STARTED:-0}" == 1 ]] || return 0
  as_pg_user "$PG_BIN/pg_ctl" stop --pgdata="$PG_CLUSTER_DIR/data" --mode=fast --wait >/dev/null
}
