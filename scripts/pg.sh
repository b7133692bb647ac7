#!/usr/bin/env bash
# Start/stop a private PostgreSQL cluster on a loopback port for the emulator's PostgreSQL tests.
#   scripts/pg.sh start DIR PORT   -> prints postgresql+psycopg://... URL on stdout
#   scripts/pg.sh stop DIR
# Installs Debian's postgresql when missing (CI runs as root with Debian's archive reachable).
# No Docker, no system service: the cluster lives in DIR and dies with `stop`.
set -euo pipefail

find_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$d" ] || [ ! -x "$d/initdb" ]; then return 1; fi
  echo "$d"
}

ensure_installed() {
  if ! find_bindir >/dev/null; then
    echo "pg.sh: installing PostgreSQL from Debian packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
  fi
}

# initdb refuses to run as root: run the server as the 'postgres' user the package creates.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cmd=${1:?usage: pg.sh start DIR PORT | stop DIR}
dir=${2:?DIR}
case "$cmd" in
  start)
    port=${3:?PORT}
    ensure_installed
    bindir=$(find_bindir)
    mkdir -p "$dir"
    # The postgres user must be able to reach DIR (mktemp dirs are 0700 root).
    if [ "$(id -u)" = 0 ]; then chmod a+x "$(dirname "$dir")"; chown postgres "$dir"; chmod 700 "$dir"; fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_pg "$bindir/initdb" -D "$dir/data" -U postgres -A trust --locale=C.UTF-8 -E UTF8 >/dev/null
    fi
    as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200 -c timezone=UTC" start >/dev/null
    as_pg "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtAc \
      "SELECT 1 FROM pg_database WHERE datname='terrateam'" | grep -q 1 \
      || as_pg "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres terrateam
    echo "postgresql+psycopg://postgres@127.0.0.1:$port/terrateam"
    ;;
  stop)
    bindir=$(find_bindir)
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    fi
    ;;
  *) echo "usage: pg.sh start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
