#!/usr/bin/env bash
# Makes sure the services the integration tests need run on 127.0.0.1 — PostgreSQL, Redis and FerretDB (a
# MongoDB-wire-protocol server on PostgreSQL) — installing them when missing, starting them and waiting until they
# answer. Then it runs the command after `--` with DATABASE_URL, REDIS_URL and MONGODB_URL set (values already in
# the environment win, and a service whose URL is given is neither installed nor started).
#
# Idempotent: when everything already runs it takes about a second. It stops nothing it did not start, and it
# never skips: a service that cannot be had fails the run with a message naming it and how to provide it.
#
#   bash scripts/services.sh                 # ensure services, print their URLs
#   bash scripts/services.sh -- npm run x    # ensure services, then run `npm run x` with the URLs exported
#   bash scripts/services.sh stop            # stop the services this script started
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SVC="$ROOT/.services"
PG_PORT=${EFFECT_USERS_PG_PORT:-54329}
REDIS_PORT=${EFFECT_USERS_REDIS_PORT:-63799}
FERRETDB_PORT=${EFFECT_USERS_FERRETDB_PORT:-27019}
FERRETDB_VERSION=v1.24.2
CACHE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/effect-users
started_at=$SECONDS
apt_updated=false

say() { printf 'services: %s\n' "$*" >&2; }
fail() {
  printf '\nservices: cannot provide %s.\n  %s\n  Fix: %s\n\n' "$1" "$2" "$3" >&2
  exit 1
}
is_root() { [ "$(id -u)" = 0 ]; }

apt_install() { # apt_install <service> <packages...>
  local service=$1
  shift
  if ! is_root || ! command -v apt-get > /dev/null; then
    fail "$service" "it is not installed and this script can only install it as root with apt-get." \
      "install Debian's $* (apt-get install $*), or set the service's URL variable to one you run."
  fi
  say "installing $* (Debian) for $service ..."
  if [ "$apt_updated" = false ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq > "$SVC/apt.log" 2>&1 \
      || fail "$service" "apt-get update failed (see $SVC/apt.log)." "install $* by hand."
    apt_updated=true
  fi
  # policy-rc.d 101: the packages' own system services must not start (we run our own instances).
  local policy=/usr/sbin/policy-rc.d created_policy=false
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=true
  fi
  local ok=true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >> "$SVC/apt.log" 2>&1 || ok=false
  [ "$created_policy" = true ] && rm -f "$policy"
  [ "$ok" = true ] || fail "$service" "apt-get install $* failed (see $SVC/apt.log)." "install $* by hand."
}

tcp_open() { (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; }

wait_until() { # wait_until <service> <seconds> <log> <command...>
  local service=$1 seconds=$2 log=$3
  shift 3
  local deadline=$((SECONDS + seconds))
  until "$@" > /dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      [ -f "$log" ] && tail -n 20 "$log" >&2
      fail "$service" "it was started but did not answer within ${seconds}s (log: $log)." "read the log above."
    fi
    sleep 0.2
  done
}

# ---------------------------------------------------------------------------------------------------- PostgreSQL
pg_bindir() {
  local dir
  if command -v pg_config > /dev/null && dir=$(pg_config --bindir 2> /dev/null) && [ -x "$dir/initdb" ]; then
    echo "$dir"
    return
  fi
  dir=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

as_pg() { # runs a PostgreSQL binary as the `postgres` user when we are root (postgres refuses to run as root)
  if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

ensure_postgres() {
  if [ -n "${DATABASE_URL:-}" ]; then
    say "PostgreSQL: using DATABASE_URL from the environment"
    return
  fi
  local bin
  bin=$(pg_bindir) || true
  if [ -z "$bin" ]; then
    apt_install PostgreSQL postgresql
    bin=$(pg_bindir) || fail PostgreSQL "installed, but initdb was not found." "install Debian's postgresql."
  fi
  # As root the cluster lives where the `postgres` user can reach it whatever folder the project was cloned into.
  local base
  if is_root; then base=/var/lib/postgresql/effect-users-test; else base="$SVC/postgres"; fi
  local data="$base/data" log="$base/postgres.log"
  if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
    if [ ! -f "$data/PG_VERSION" ]; then
      say "PostgreSQL: creating a test cluster in $data"
      mkdir -p "$base"
      is_root && chown postgres:postgres "$base"
      as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 > "$base/initdb.log" 2>&1 \
        || fail PostgreSQL "initdb failed (log: $base/initdb.log)." "read the log."
    fi
    say "PostgreSQL: starting on 127.0.0.1:$PG_PORT"
    as_pg "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 start -o \
      "-p $PG_PORT -k $base -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      > /dev/null 2>&1 < /dev/null || { tail -n 20 "$log" >&2 || true; fail PostgreSQL "pg_ctl start failed (log: $log)." "read the log above, or set DATABASE_URL."; }
    echo "$bin/pg_ctl -D $data" > "$SVC/postgres.ctl"
  fi
  wait_until PostgreSQL 30 "$log" "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"
  local db
  for db in effect_users_test ferretdb; do
    if [ "$("$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" postgres)" != 1 ]; then
      "$bin/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "CREATE DATABASE $db" postgres > /dev/null \
        || fail PostgreSQL "could not create the database $db." "check the cluster on port $PG_PORT."
    fi
  done
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/effect_users_test"
  export FERRETDB_POSTGRESQL_URL="${FERRETDB_POSTGRESQL_URL:-postgres://postgres@127.0.0.1:$PG_PORT/ferretdb}"
}

# --------------------------------------------------------------------------------------------------------- Redis
ensure_redis() {
  if [ -n "${REDIS_URL:-}" ]; then
    say "Redis: using REDIS_URL from the environment"
    return
  fi
  command -v redis-server > /dev/null || apt_install Redis redis-server
  command -v redis-server > /dev/null || fail Redis "redis-server is not on PATH after installing it." "install Debian's redis-server."
  if ! redis-cli -p "$REDIS_PORT" ping 2> /dev/null | grep -q PONG; then
    say "Redis: starting on 127.0.0.1:$REDIS_PORT"
    mkdir -p "$SVC/redis"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --pidfile "$SVC/redis/redis.pid" \
      --logfile "$SVC/redis/redis.log" --dir "$SVC/redis" --save "" --appendonly no < /dev/null > /dev/null 2>&1 \
      || fail Redis "redis-server did not start (log: $SVC/redis/redis.log)." "read the log, or set REDIS_URL."
  fi
  wait_until Redis 20 "$SVC/redis/redis.log" sh -c "redis-cli -p $REDIS_PORT ping | grep -q PONG"
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
}

# ------------------------------------------------------------------------------------------------------ FerretDB
go_bin() {
  if command -v go > /dev/null; then command -v go; elif [ -x /usr/local/go/bin/go ]; then echo /usr/local/go/bin/go; fi
}

build_ferretdb() { # builds FerretDB from the Go module proxy into $1
  local out=$1 go dir src
  go=$(go_bin)
  [ -n "$go" ] || fail FerretDB "it must be built from the Go module proxy, and no Go toolchain was found." \
    "install Go >= 1.22 (https://go.dev/dl), or set MONGODB_URL to a MongoDB-compatible server you run."
  say "FerretDB: building $FERRETDB_VERSION from the Go module proxy (about 1.5 min, once per machine) ..."
  # The published module lacks the generated build/version/version.txt (a plain `go install` panics at start),
  # so build from a writable copy of the module with that file written.
  dir=$(cd "$SVC" && GOFLAGS=-mod=mod "$go" mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" 2> "$SVC/ferretdb-build.log" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p') || true
  [ -n "$dir" ] && [ -d "$dir" ] || fail FerretDB "go mod download failed (log: $SVC/ferretdb-build.log)." \
    "check that the Go module proxy is reachable, or set MONGODB_URL."
  src="$SVC/ferretdb-src"
  rm -rf "$src"
  cp -R "$dir" "$src"
  chmod -R u+w "$src"
  printf '%s\n' "$FERRETDB_VERSION" > "$src/build/version/version.txt"
  (cd "$src" && "$go" build -o "$out" ./cmd/ferretdb) >> "$SVC/ferretdb-build.log" 2>&1 \
    || fail FerretDB "go build failed (log: $SVC/ferretdb-build.log)." "read the log, or set MONGODB_URL."
  rm -rf "$src"
}

ensure_ferretdb() {
  if [ -n "${MONGODB_URL:-}" ]; then
    say "FerretDB: using MONGODB_URL from the environment"
    return
  fi
  local binary="$SVC/bin/ferretdb-$FERRETDB_VERSION"
  if [ ! -x "$binary" ]; then
    mkdir -p "$SVC/bin"
    if [ -x "$CACHE_DIR/ferretdb-$FERRETDB_VERSION" ]; then
      cp "$CACHE_DIR/ferretdb-$FERRETDB_VERSION" "$binary"
    else
      build_ferretdb "$binary"
      mkdir -p "$CACHE_DIR" && cp "$binary" "$CACHE_DIR/ferretdb-$FERRETDB_VERSION" 2> /dev/null || true
    fi
  fi
  local log="$SVC/ferretdb/ferretdb.log"
  if ! tcp_open "$FERRETDB_PORT"; then
    say "FerretDB: starting on 127.0.0.1:$FERRETDB_PORT (PostgreSQL backend)"
    mkdir -p "$SVC/ferretdb"
    setsid "$binary" --listen-addr="127.0.0.1:$FERRETDB_PORT" --handler=postgresql \
      --postgresql-url="$FERRETDB_POSTGRESQL_URL" --state-dir="$SVC/ferretdb" --debug-addr=- --telemetry=disable \
      --log-level=warn < /dev/null > "$log" 2>&1 &
    echo $! > "$SVC/ferretdb/ferretdb.pid"
  fi
  wait_until FerretDB 30 "$log" tcp_open "$FERRETDB_PORT"
  export MONGODB_URL="mongodb://127.0.0.1:$FERRETDB_PORT/"
}

stop_services() {
  if [ -f "$SVC/postgres.ctl" ]; then
    # shellcheck disable=SC2046
    as_pg $(cat "$SVC/postgres.ctl") -m fast stop > /dev/null 2>&1 || true
    rm -f "$SVC/postgres.ctl"
  fi
  [ -f "$SVC/redis/redis.pid" ] && kill "$(cat "$SVC/redis/redis.pid")" 2> /dev/null || true
  [ -f "$SVC/ferretdb/ferretdb.pid" ] && kill "$(cat "$SVC/ferretdb/ferretdb.pid")" 2> /dev/null || true
  say "stopped what this script started"
}

mkdir -p "$SVC"
if [ "${1:-}" = stop ]; then
  stop_services
  exit 0
fi
ensure_postgres
ensure_redis
if [ -z "${MONGODB_URL:-}" ] && [ -z "${FERRETDB_POSTGRESQL_URL:-}" ]; then
  fail FerretDB "its PostgreSQL backend needs a database URL, and DATABASE_URL came from the environment." \
    "set FERRETDB_POSTGRESQL_URL (a PostgreSQL database FerretDB may own) or MONGODB_URL."
fi
ensure_ferretdb
say "ready in $((SECONDS - started_at))s: DATABASE_URL=$DATABASE_URL REDIS_URL=$REDIS_URL MONGODB_URL=$MONGODB_URL"

if [ "${1:-}" = -- ]; then
  shift
  [ $# -gt 0 ] && exec "$@"
fi
